// Checkpoints of an origin's log (DESIGN §3.4): C2SP signed notes whose text names the log, its
// size and its root, signed by one of the origin's log keys.
#ifndef OTS_NODE_LOG_CHECKPOINT_H_
#define OTS_NODE_LOG_CHECKPOINT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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

// The witness keys of a member, as the trust bundle lists them (empty for a non-member).
using WitnessKeyLookup = std::function<absl::Span<const PublicKey>(absl::string_view member)>;
// OK if `key`, a witness key of `member`, was valid at `at` (the cosignature's own time); a
// FAILED_PRECONDITION saying why not otherwise.
using WitnessKeyValidity =
    std::function<absl::Status(absl::string_view member, const PublicKey& key, absl::Time at)>;

// One cosignature line that verified.
struct CheckedCosignature {
  std::string member;      // the witness's member code
  uint64_t timestamp = 0;  // when it cosigned, seconds since epoch
};

// Verifies `line`, one full cosignature line of the checkpoint text `note_text`, as a
// cosignature/v1 by "<federation>/witness/<member>" with one of that member's `witness_keys`,
// valid at the time the line states. INVALID_ARGUMENT if it is malformed, names no witness of
// the federation or its signature fails under the key it names; FAILED_PRECONDITION if the
// bundle lists no such key of the member (one removed, or never listed) or the key was not valid
// at that time: a line that no longer counts, not a forgery.
absl::StatusOr<CheckedCosignature> VerifyCosignatureLine(absl::string_view federation,
                                                         absl::string_view note_text,
                                                         absl::string_view line,
                                                         const WitnessKeyLookup& witness_keys,
                                                         const WitnessKeyValidity& valid_at);

// Verifies each of `lines` (cosignature lines of the origin's `note`) with VerifyCosignatureLine.
// Every line must verify: INVALID_ARGUMENT naming the first that does not. With `uncounted` set,
// a line that merely no longer counts (FAILED_PRECONDITION above: its key not listed, or not
// valid when it cosigned) is put there instead, and only a malformed or failing line is an
// error: a node's copy of a checkpoint may hold lines a later bundle no longer accepts.
absl::StatusOr<std::vector<CheckedCosignature>> VerifyCosignatureLines(
    absl::string_view federation, absl::string_view note, absl::Span<const std::string> lines,
    const WitnessKeyLookup& witness_keys, const WitnessKeyValidity& valid_at,
    std::vector<std::string>* uncounted = nullptr);

// The distinct members among `cosignatures` other than `origin` (an origin witnessing itself
// adds nothing) for which `may_witness(member)` holds, sorted. A witness counts only if it may
// see the origin's log (it cosigns only what it holds), so pass the sharing policy.
std::vector<std::string> IndependentCosigners(
    absl::Span<const CheckedCosignature> cosignatures, absl::string_view origin,
    const std::function<bool(absl::string_view member)>& may_witness);

// The checkpoint body of a checkpoint note, without checking any signature (for display, and for
// notes this node verified when it stored them). INVALID_ARGUMENT if the note does not parse.
absl::StatusOr<Checkpoint> ParseCheckpointNote(absl::string_view note);
// The base64 root hash a checkpoint note states, or "?" if it does not parse.
std::string CheckpointRootText(absl::string_view note);

}  // namespace ots

#endif  // OTS_NODE_LOG_CHECKPOINT_H_
