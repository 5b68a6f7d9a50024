// The offline proof of one cell (DESIGN §3.6): its line, its inclusion proof in the cells root,
// the signed header, the header's inclusion proof in a signed checkpoint, the origin's public
// key, and verify.sh, which checks all of it with openssl and coreutils alone.
#ifndef OTS_NODE_QUERY_PROVE_H_
#define OTS_NODE_QUERY_PROVE_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "node/log/origin_log.h"
#include "node/query/query.h"
#include "node/trust/directory.h"

namespace ots {

// The bundle's files: name -> contents. verify.sh is included.
using ProofFiles = std::map<std::string, std::string>;

// Builds the proof of the one current cell of (origin, period) that `selection` matches; each of
// CITIZEN, STAY_CAT, SEX and AGE not named in `selection` must be `_T`. Everything is checked
// against `directory`'s trust bundle, which the proof carries (trust-bundle.json, bundle.pub.pem):
// the header must be signed by a log key of `origin`; the checkpoint is the largest stored one
// that covers the header, is signed by a log key of `origin` and has valid cosignatures of at
// least `quorum` independent witnesses (default: Directory::WitnessQuorum). The stored cells must
// hash to the header's cells root and the log to the checkpoint's root.
//
// INVALID_ARGUMENT if no cell or more than one matches; NOT_FOUND if the store has no such return;
// FAILED_PRECONDITION if no trusted key signed the header or no checkpoint has the quorum;
// DATA_LOSS, naming the origin, period and revision or checkpoint, if the store's data does not
// verify.
absl::StatusOr<ProofFiles> BuildCellProof(OriginLogs& logs, const Directory& directory,
                                          absl::string_view origin, absl::string_view period,
                                          const CellFilter& selection,
                                          std::optional<size_t> quorum = std::nullopt);

// The text of verify.sh (node/query/verify.sh, built in).
absl::string_view VerifyScript();

}  // namespace ots

#endif  // OTS_NODE_QUERY_PROVE_H_
