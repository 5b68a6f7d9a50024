// The Secretariat's consolidated table (DESIGN §1, proto/services.proto ConsolidatedRequest):
// for one period and one category (STAY_CAT, SEX, AGE), reporting state (rows) x citizenship
// (columns). Every figure is one cell of the return a state had in force at a named checkpoint
// of its log, so a published table can be recomputed exactly, later, from the same checkpoints.
//
// All functions are thread-safe as Store is; they read the store and change nothing.
#ifndef OTS_NODE_QUERY_CONSOLIDATE_H_
#define OTS_NODE_QUERY_CONSOLIDATE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "node/log/origin_log.h"
#include "node/model/codes.h"
#include "proto/data.pb.h"
#include "proto/services.pb.h"

namespace ots {

// OK if `request` names a valid TIME_PERIOD and, where given, valid STAY_CAT, SEX and AGE codes
// (empty means _T) and at_sizes names federation states; INVALID_ARGUMENT naming the field and
// code otherwise. Log sizes are checked against the store by Consolidate.
absl::Status ValidateConsolidatedRequest(const v1::ConsolidatedRequest& request);

// What a consolidated table is of: one period and one category of stay, sex and age.
struct TableCategory {
  std::string period;
  std::string stay_cat;  // "_T" where the request leaves it empty; likewise sex and age
  std::string sex;
  std::string age;
  AgeCode age_code;  // `age` parsed: cells match it as an interval (Y0 matches Y_LT1)
};
// The category `request` asks for. ValidateConsolidatedRequest's errors.
absl::StatusOr<TableCategory> TableCategoryOf(const v1::ConsolidatedRequest& request);

// One figure of a return: a cell's value and whether it counts a flow.
struct TableValue {
  uint64_t value = 0;
  bool flow = false;  // STOCK_FLOW=FLW: events in the period, not a stock on a date
};

// One origin as a table takes it: the checkpoint its log is taken at and, if the log has a return
// for the period at that size, the cells of that return that are of the table's category.
struct TableOrigin {
  std::string origin;
  uint64_t log_size = 0;
  std::string checkpoint_note;  // the origin's signed note of log_size
  uint64_t revision = 0;        // of the return in force at log_size; 0 if there is none
  std::map<std::string, TableValue> figures;  // by CITIZEN, _T excluded
  std::optional<TableValue> total;            // the CITIZEN=_T cell
};

// Takes one cell line of the return in force of `out` (origin out->origin, revision
// out->revision, period category.period): a cell of the table's category becomes a figure of
// the row, or its total if CITIZEN is _T; any other cell is passed over. Fails with
// `failure_code`, naming the return, on a line that is not a cell of that origin and period, a
// value that is not a number, or a second cell of the same citizenship and category.
absl::Status AddTableCell(const TableCategory& category, absl::string_view line,
                          absl::StatusCode failure_code, TableOrigin* out);

// The return of `period` in force after `entries`, the first entries of `origin`'s log in log
// order: the highest revision of the period among them; nullopt if none is of the period.
// DATA_LOSS naming the entry if a header does not parse or is of another origin.
absl::StatusOr<std::optional<v1::ReturnHeader>> ReturnInForce(
    absl::Span<const v1::LogEntry> entries, absl::string_view origin, absl::string_view period);

// Where a table takes an origin's log: size N and the stored checkpoint of that size.
struct LogPoint {
  uint64_t size = 0;
  v1::StoredCheckpoint checkpoint;
};
// The stored checkpoint of `origin` of size `size` (0: the latest), after checking that it is the
// origin's checkpoint of that size and that log entries [0, size) hash to its root.
// INVALID_ARGUMENT for a size beyond the log ("AZ=4 is beyond the end of its log (3 entries
// here)") or one with no stored checkpoint ("AZ=2: this node holds no checkpoint of AZ at size
// 2"); DATA_LOSS if the store holds no checkpoint at all or its data does not match it.
absl::StatusOr<LogPoint> FindLogPoint(OriginLogs& logs, absl::string_view origin, uint64_t size);

// The consolidated table of `origins` (sorted by origin, each once), in `category`: the
// computation behind Consolidate, on data that has been read and checked by the caller. Every
// origin is named in the table's checkpoints; one with a return that has cells of the category
// is a row. OUT_OF_RANGE if a sum exceeds 2^64-1.
absl::StatusOr<v1::ConsolidatedResponse> BuildConsolidated(const TableCategory& category,
                                                           absl::Span<const TableOrigin> origins);

// The consolidated table of `request` over the origins of the logs' store for which
// `may_see(origin)` is true.
//
// Each origin is taken at log size N = request.at_sizes[origin] if named, else at its latest
// checkpoint. The return in force is the highest revision of the period among log entries
// [0, N); its cells with the requested STAY_CAT, SEX and AGE (AGE compared as an interval, so
// Y0 matches a cell written Y_LT1) give the row: CITIZEN=c is the figure of column c, and
// CITIZEN=_T the row total (reported). A row without a _T cell gets the sum of its figures as a
// derived total, unless they mix stocks and flows. Column totals and the grand total are always
// derived. Nothing is counted twice: a total and its breakdown are never added together.
//
// `checkpoints` holds every visible origin the table considered (one with a row, or one with no
// return for the period at that size), sorted by origin, each with N and the origin's signed
// checkpoint note of size N: naming them all in at_sizes recomputes the same table. `notes`
// names each state left out and why, and any mix of stocks and flows.
//
// Before it uses a log or a return the function checks that log entries [0, N) hash to the
// checkpoint's root and that the return's cells hash to its header's cells root; signatures are
// not checked here (ots-ctl audit and replication do that).
//
// Errors: INVALID_ARGUMENT if ValidateConsolidatedRequest fails, or at_sizes names an origin
// that is not visible or not held, a size of 0, a size beyond the log, or a size with no stored
// checkpoint; OUT_OF_RANGE if a sum exceeds 2^64-1 (never wraps); DATA_LOSS if stored data is
// malformed or inconsistent with its checkpoint or header; store errors otherwise.
// The prefix of the notes a node adds to a table taken at the latest checkpoints for each origin
// it is behind on (OriginStatus.behind); not derived from the signed returns.
constexpr absl::string_view kBehindNote = "BEHIND ";

absl::StatusOr<v1::ConsolidatedResponse> Consolidate(
    OriginLogs& logs, const v1::ConsolidatedRequest& request,
    const std::function<bool(absl::string_view origin)>& may_see);

}  // namespace ots

#endif  // OTS_NODE_QUERY_CONSOLIDATE_H_
