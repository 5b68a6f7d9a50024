// Verifying a consolidated table a node served (ots-ctl query --consolidated --verify,
// docs/audit.md): every origin the table names is fetched, at the checkpoint the table names,
// from the first source that can serve it, checked against the trust bundle alone
// (SignedReturnChecker), and the table is recomputed from what was checked with the same
// computation the node uses (BuildConsolidated) and compared with what was served, figure by
// figure. A node that serves the table is trusted with nothing.
#ifndef OTS_NODE_QUERY_TABLE_CHECK_H_
#define OTS_NODE_QUERY_TABLE_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "node/query/signed_return.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"

namespace ots {

// Takes one chunk of a SignedReturn answer as it arrives; an error stops the answer.
using SignedReturnSink = std::function<absl::Status(const v1::SignedReturnChunk&)>;

// A node that may serve the signed data of a table.
struct TableSource {
  std::string name;  // where it is, for messages ("127.0.0.1:7401")
  // Asks the node for `request` and gives each chunk of the answer to `sink`, in order. Returns
  // the sink's error if the sink stopped the answer, else the node's status (UNAVAILABLE if it
  // cannot be reached, NOT_FOUND, INVALID_ARGUMENT or PERMISSION_DENIED if it cannot serve it).
  std::function<absl::Status(const v1::SignedReturnRequest& request, const SignedReturnSink& sink)>
      fetch;
};

// How the table's data was verified, origin by origin, in the order of its checkpoints.
struct TableVerification {
  struct Origin {
    std::string source;  // the TableSource::name that served it
    CheckedReturn checked;
  };
  std::vector<Origin> origins;
  // Figures the verifier could not recompute: the served table gives a value that depends on a
  // sealed cell whose opening it was not given (docs/formats.md §2a; only those the origin
  // entitles get them). Every other figure was recomputed; with any of these, the suppression
  // pattern is taken as served, not recomputed (it depends on the withheld values).
  uint64_t unchecked = 0;
  // Sealed cells of the returns that no opening came for: with any, the verification is partial.
  uint64_t withheld_cells = 0;
  // Figures a table not yet published withholds though the verifier recomputed them (the node
  // lacked the openings the verifier got): not checked, so the verification is partial too.
  uint64_t served_withheld = 0;
};

// Verifies `served` against the trust bundle of `directory`, fetching each origin of its
// checkpoints from the first of `sources` that can serve it (a source that fails to answer is
// passed over; one whose answer does not verify is not).
//
// Errors (the first found):
//   INVALID_ARGUMENT "the signed data does not verify: AZ at log size 3: <check> (served by S)"
//     if an answer fails SignedReturnChecker, or the table names a category or origin it cannot
//     have been computed for;
//   INVALID_ARGUMENT "the table differs from the signed returns: <first difference>"
//     (CompareConsolidated) if the recomputed table is not the served one;
//   UNAVAILABLE if no source serves an origin and every one was unreachable or refused the
//     caller, FAILED_PRECONDITION if some answered they cannot serve it; both list each source's
//     answer;
//   OUT_OF_RANGE if a recomputed sum exceeds 2^64-1.
absl::StatusOr<TableVerification> VerifyConsolidatedTable(const v1::ConsolidatedResponse& served,
                                                          const Directory& directory,
                                                          absl::Span<const TableSource> sources);

// OK if `served` answers `request`: the same TIME_PERIOD, STAY_CAT, SEX and AGE (empty meaning
// _T), and each origin named in at_sizes taken at that log size. INVALID_ARGUMENT naming the
// first difference otherwise ("the table is not the one asked for: SEX F, asked M"): a node
// that serves another table than the one asked for is caught before its figures are checked.
absl::Status CheckTableAnswers(const v1::ConsolidatedRequest& request,
                               const v1::ConsolidatedResponse& served);

// OK if `served` and `recomputed` are the same table: category, checkpoints (origin, size and
// note), columns, rows, every figure and row total with its derived flag, the column totals, the
// grand total and the notes. Otherwise INVALID_ARGUMENT naming the first difference in that
// order, e.g. "the table differs from the signed returns: AZ × UZ: served 16355, signed 16354
// (AZ log size 3)"; row totals are "AZ × _T", column totals "_T × UZ", the grand total "_T × _T".
// What the serving node says of its own freshness (kBehindNote notes, OriginStatus seen and
// behind) is not derived from signed returns and is not compared.
absl::Status CompareConsolidated(const v1::ConsolidatedResponse& served,
                                 const v1::ConsolidatedResponse& recomputed);

}  // namespace ots

#endif  // OTS_NODE_QUERY_TABLE_CHECK_H_
