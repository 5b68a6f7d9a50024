// Checkpoints as the origin signed them, and proof of a split view (DESIGN §3.5): two
// checkpoints validly signed by one origin that cannot both describe the same append-only log.
// Anyone holding the origin's public key can check such evidence; nothing else is trusted.
#ifndef OTS_NODE_LOG_EVIDENCE_H_
#define OTS_NODE_LOG_EVIDENCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "node/log/checkpoint.h"
#include "proto/data.pb.h"

namespace ots {

// Builds the evidence that `note_a` and `note_b` (both already verified) are inconsistent.
// `leaf_hashes_of_larger` are the leaves of the larger checkpoint's log (unused when the sizes
// are equal). INVALID_ARGUMENT if they do not prove it.
absl::StatusOr<v1::Evidence> MakeEvidence(absl::string_view origin, absl::string_view note_a,
                                          absl::string_view note_b,
                                          const std::vector<Hash>& leaf_hashes_of_larger,
                                          absl::string_view detail);

// OK if `evidence` proves that `evidence.origin` signed two inconsistent checkpoints of its log in
// `federation` with its log `keys`. INVALID_ARGUMENT saying what does not hold otherwise.
absl::Status VerifyEvidence(const v1::Evidence& evidence, absl::string_view federation,
                            absl::Span<const PublicKey> keys);

// One line for people: "AZ signed size 3 (root ...) and size 3 (root ...): <detail>".
std::string DescribeEvidence(const v1::Evidence& evidence);

}  // namespace ots

#endif  // OTS_NODE_LOG_EVIDENCE_H_
