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
#include "node/model/cell_line.h"
#include "node/model/codes.h"
#include "proto/data.pb.h"
#include "proto/services.pb.h"

namespace ots {

// OK if `request` names a valid TIME_PERIOD (and period_to, if set, a later or equal one of the
// same frequency), `by` names CITIZEN, SEX, STAY_CAT or AGE (empty: CITIZEN), the dimension of
// `by` is left empty or _T, the other codes given are valid (empty means _T), and at_sizes names
// federation states; INVALID_ARGUMENT naming the field and code otherwise. Log sizes are checked
// against the store by Consolidate.
absl::Status ValidateConsolidatedRequest(const v1::ConsolidatedRequest& request);

// What a consolidated table is of: one period, and one code of each of CITIZEN, STAY_CAT, SEX and
// AGE but the dimension of its columns (`by`), whose code is left "_T".
struct TableCategory {
  std::string period;
  int by = kCitizen;           // CellColumn of the columns: kCitizen, kSex, kStayCat or kAge
  std::string citizen = "_T";  // "_T" where the request leaves it empty; likewise the rest
  std::string stay_cat = "_T";
  std::string sex = "_T";
  std::string age = "_T";
  AgeCode age_code;  // `age` parsed: cells match it as an interval (Y0 matches Y_LT1)
};
// The category `request` asks for (of request.period). ValidateConsolidatedRequest's errors.
absl::StatusOr<TableCategory> TableCategoryOf(const v1::ConsolidatedRequest& request);
// "CITIZEN", "SEX", "STAY_CAT" or "AGE": the name of `category.by`.
absl::string_view ByName(const TableCategory& category);

// One figure of a return: a cell's value, whether it counts a flow, and its attributes.
struct TableValue {
  uint64_t value = 0;
  bool flow = false;        // STOCK_FLOW=FLW: events in the period, not a stock on a date
  std::string obs_status;   // OBS_STATUS of the cell
  std::string conf_status;  // CONF_STATUS of the cell
  // A sealed cell whose opening this node does not hold (docs/formats.md §2a): its value is not
  // known here, nor that of any sum over it.
  bool withheld = false;
};

// One origin as a table takes it: the checkpoint its log is taken at and, if the log has a return
// for the period at that size, the cells of that return that are of the table's category.
struct TableOrigin {
  std::string origin;
  uint64_t log_size = 0;
  std::string checkpoint_note;  // the origin's signed note of log_size
  uint64_t revision = 0;        // of the return in force at log_size; 0 if there is none
  uint64_t log_index = 0;       // of that return's header in the origin's log
  std::string submitted_at;     // that header's created_at
  std::map<std::string, TableValue> figures;  // by the code of the column dimension, _T excluded
  std::optional<TableValue> total;            // the cell whose column dimension is _T
};

// Takes one cell line of the return in force of `out` (origin out->origin, revision
// out->revision, period category.period): a cell of the table's category becomes a figure of
// the row, or its total if its code of the column dimension is _T; any other cell is passed over.
// A sealed line (a confidential cell whose opening the caller does not hold) becomes a withheld
// figure. Fails with `failure_code`, naming the return, on a line that is not a cell of that
// origin and period, a value that is not a number, or a second cell of the same citizenship and
// category.
absl::Status AddTableCell(const TableCategory& category, absl::string_view line,
                          absl::StatusCode failure_code, TableOrigin* out);

// The return of `period` in force after `entries`, the first entries of `origin`'s log in log
// order: the highest revision of the period among them, and its index in `*index` if non-null;
// nullopt if none is of the period. DATA_LOSS naming the entry if a header does not parse or is
// of another origin.
absl::StatusOr<std::optional<v1::ReturnHeader>> ReturnInForce(
    absl::Span<const v1::LogEntry> entries, absl::string_view origin, absl::string_view period,
    uint64_t* index = nullptr);

// The periods of `entries` (an origin's log, as above) from `from` to `to` inclusive and of the
// frequency of `from` (2020 and 2024, or 2020-01 and 2020-12), sorted; every period of them if
// `from` is empty. DATA_LOSS as ReturnInForce.
absl::StatusOr<std::vector<std::string>> PeriodsInRange(absl::Span<const v1::LogEntry> entries,
                                                        absl::string_view origin,
                                                        absl::string_view from,
                                                        absl::string_view to);

// Whether `a` and `b` are TIME_PERIODs of the same frequency (year, quarter, month, day).
bool SameFrequency(absl::string_view a, absl::string_view b);

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
// is a row, with the provenance of its return (revision, log index, submitted_at) and of every
// reported figure (OBS_STATUS, CONF_STATUS). A row without a reported total gets the sum of its
// figures where the columns are disjoint (CITIZEN, SEX, AGE intervals that do not overlap), never
// for STAY_CAT, whose categories overlap. OUT_OF_RANGE if a sum exceeds 2^64-1.
absl::StatusOr<v1::ConsolidatedResponse> BuildConsolidated(const TableCategory& category,
                                                           absl::Span<const TableOrigin> origins);

// The consolidated table of `request` over the origins of the logs' store for which
// `may_see(origin)` is true.
//
// Each origin is taken at log size N = request.at_sizes[origin] if named, else at its latest
// checkpoint. The return in force is the highest revision of the period among log entries
// [0, N); its cells with the requested codes of the three dimensions other than `by` (AGE
// compared as an interval, so Y0 matches a cell written Y_LT1) give the row: `by`=c is the
// figure of column c, and `by`=_T the row total (reported). A row without a _T cell gets the sum of
// its figures as a derived total, unless they mix stocks and flows. Column totals and the grand
// total are always derived. Nothing is counted twice: a total and its breakdown are never added
// together.
//
// `checkpoints` holds every visible origin the table considered (one with a row, or one with no
// return for the period at that size), sorted by origin, each with N and the origin's signed
// checkpoint note of size N: naming them all in at_sizes recomputes the same table. `notes`
// names each state left out and why, and any mix of stocks and flows. `computed_at` is left to
// the caller.
//
// With request.period_to, the answer is a time series: the checkpoints and freshness notes at
// the top, and in `series` one table (as above, without checkpoints) per period of the range
// that some origin taken has a return for, all computed at the same log sizes.
//
// Before it uses a log or a return the function checks that log entries [0, N) hash to the
// checkpoint's root and that the return's cells hash to its header's cells root; signatures are
// not checked here (ots-ctl audit and replication do that).
//
// Errors: INVALID_ARGUMENT if ValidateConsolidatedRequest fails, or at_sizes names an origin
// that is not visible or not held, a size of 0, a size beyond the log, or a size with no stored
// checkpoint; OUT_OF_RANGE if a sum exceeds 2^64-1 (never wraps); DATA_LOSS if stored data is
// malformed or inconsistent with its checkpoint or header; store errors otherwise.
// The flags a reader sees on a reported figure: its OBS_STATUS unless A (normal) and its
// CONF_STATUS unless F (free), joined by commas, e.g. "P" (provisional) or "E,C"; "" for none.
std::string FigureFlags(const v1::ConsolidatedResponse::Figure& figure);

// The prefix of the notes a node adds to a table taken at the latest checkpoints for each origin
// it is behind on (OriginStatus.behind); not derived from the signed returns.
constexpr absl::string_view kBehindNote = "BEHIND ";

// `may_open` (default: every origin) says whose sealed cells are opened where the store holds
// their openings (docs/formats.md §2a): a caller over the network gets only the values of the
// origins that entitle it; the others' are withheld figures.
absl::StatusOr<v1::ConsolidatedResponse> Consolidate(
    OriginLogs& logs, const v1::ConsolidatedRequest& request,
    const std::function<bool(absl::string_view origin)>& may_see,
    const std::function<bool(absl::string_view origin)>& may_open = nullptr);

}  // namespace ots

#endif  // OTS_NODE_QUERY_CONSOLIDATE_H_
