// The Secretariat's consolidated table (DESIGN §1, proto/services.proto ConsolidatedRequest):
// for one period and one category (STAY_CAT, SEX, AGE), reporting state (rows) x citizenship
// (columns). Every figure is one cell of the return a state had in force at a named checkpoint
// of its log, so a published table can be recomputed exactly, later, from the same checkpoints.
//
// All functions are thread-safe as Store is; they read the store and change nothing.
#ifndef OTS_NODE_QUERY_CONSOLIDATE_H_
#define OTS_NODE_QUERY_CONSOLIDATE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/log/origin_log.h"
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

}  // namespace ots

#endif  // OTS_NODE_QUERY_CONSOLIDATE_H_
