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
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/log/origin_log.h"
#include "node/query/query.h"
#include "proto/services.pb.h"

namespace ots {

// OK if `request` names a valid TIME_PERIOD and, where given, valid STAY_CAT, SEX and AGE codes
// (empty means _T) and at_sizes names federation states; INVALID_ARGUMENT naming the field and
// code otherwise. Log sizes are checked against the store by Consolidate.
absl::Status ValidateConsolidatedRequest(const v1::ConsolidatedRequest& request);

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
absl::StatusOr<v1::ConsolidatedResponse> Consolidate(
    OriginLogs& logs, const v1::ConsolidatedRequest& request,
    const std::function<bool(absl::string_view origin)>& may_see);

// Parses the --at argument "AZ=3,KZ=2" (origin=log size, comma separated). INVALID_ARGUMENT
// naming the part on a missing '=', an origin given twice, or a size that is not a positive
// decimal number.
absl::StatusOr<std::map<std::string, uint64_t>> ParseAtSizes(absl::string_view spec);

// The --at argument that recomputes `table`: "AZ=3,KG=4,KZ=2", from its checkpoints.
std::string FormatAtSizes(const v1::ConsolidatedResponse& table);

// Renders `table` (docs/returns.md, "Consolidated table"):
//   kTable: a title line, the matrix (rows = states, columns = citizenships, a final _T column
//           and _T row of totals; derived totals end in '*', explained by a legend; blank where
//           nothing is reported), the checkpoints, the --at argument and the notes.
//   kCsv:   "REF_AREA,CITIZEN,OBS_VALUE,DERIVED", one line per figure, then per row its total
//           (CITIZEN=_T), per column its total (REF_AREA=_T) and the grand total (_T,_T).
//           Checkpoints and notes are not part of the CSV.
//   kJson:  one object with the request, citizens, rows, column_totals, grand_total,
//           checkpoints, at and notes, keys in a fixed order.
std::string RenderConsolidated(const v1::ConsolidatedResponse& table, TableFormat format);

}  // namespace ots

#endif  // OTS_NODE_QUERY_CONSOLIDATE_H_
