// Checkpoints of an origin's log (DESIGN §3.4): C2SP signed notes whose text names the log, its
// size and its root, signed by one of the origin's log keys.
#ifndef OTS_NODE_LOG_CHECKPOINT_H_
#define OTS_NODE_LOG_CHECKPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"

namespace ots {

// A checkpoint note whose signature by one of the origin's log keys verifies.
struct VerifiedCheckpoint {
  Checkpoint checkpoint;
  PublicKey key;  // the key that signed it
};

// Parses `note` and verifies that one of `origin`'s log `keys` signed it and that it names
// `origin`'s log in `federation`. INVALID_ARGUMENT saying which part fails.
absl::StatusOr<VerifiedCheckpoint> VerifyOriginCheckpoint(absl::string_view federation,
                                                          absl::string_view origin,
                                                          absl::Span<const PublicKey> keys,
                                                          absl::string_view note);

// The checkpoint body of a checkpoint note, without checking any signature (for display, and for
// notes this node verified when it stored them). INVALID_ARGUMENT if the note does not parse.
absl::StatusOr<Checkpoint> ParseCheckpointNote(absl::string_view note);
// The base64 root hash a checkpoint note states, or "?" if it does not parse.
std::string CheckpointRootText(absl::string_view note);

}  // namespace ots

#endif  // OTS_NODE_LOG_CHECKPOINT_H_
