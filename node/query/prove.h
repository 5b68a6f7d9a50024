// The offline proof of one cell (DESIGN §3.6): its line, its inclusion proof in the cells root,
// the signed header, the header's inclusion proof in a signed checkpoint, the origin's public
// key, and verify.sh, which checks all of it with openssl and coreutils alone.
#ifndef OTS_NODE_QUERY_PROVE_H_
#define OTS_NODE_QUERY_PROVE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "node/log/origin_log.h"
#include "node/query/query.h"

namespace ots {

// The bundle's files: name -> contents. verify.sh is included.
using ProofFiles = std::map<std::string, std::string>;

// Builds the proof of the one current cell of (origin, period) that `selection` matches; each of
// CITIZEN, STAY_CAT, SEX and AGE not named in `selection` must be `_T`. The header and the latest
// checkpoint must be signed by one of `origin_keys` (the origin's log keys), the same one, which
// is written as log.pub.pem. INVALID_ARGUMENT if no cell or more than one matches; NOT_FOUND if
// the store has no such return; FAILED_PRECONDITION if no key, or two different keys, signed
// them; DATA_LOSS if the store's data does not hold together.
absl::StatusOr<ProofFiles> BuildCellProof(OriginLogs& logs, absl::string_view origin,
                                          absl::string_view period, const CellFilter& selection,
                                          absl::Span<const PublicKey> origin_keys);

// The text of verify.sh (node/verify.sh, built in).
absl::string_view VerifyScript();

}  // namespace ots

#endif  // OTS_NODE_QUERY_PROVE_H_
