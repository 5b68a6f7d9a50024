// Witnessing (DESIGN §3.5): this node checks every checkpoint it meets against the log it has
// accepted, cosigns the ones that hold with its witness key, keeps and serves the cosignatures
// of other witnesses, and keeps proof of any split view, freezing that origin.
#ifndef OTS_SYNC_WITNESS_H_
#define OTS_SYNC_WITNESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crypto/ed25519.h"
#include "node/base/clock.h"
#include "node/base/clock_check.h"
#include "node/base/event_counts.h"
#include "node/base/event_log.h"
#include "node/log/checkpoint.h"
#include "node/log/evidence.h"
#include "node/log/origin_log.h"
#include "node/store/store.h"
#include "node/trust/directory.h"

namespace ots {

// EventCounts kinds: cosignatures this node's witness made, and those of other witnesses it
// verified and merged into the checkpoints it holds.
inline constexpr absl::string_view kCosignatureMadeCount = "cosignature_made";
inline constexpr absl::string_view kCosignatureMergedCount = "cosignature_merged";

// Thread-safe (the store serializes writes).
class Witness {
 public:
  // Everything must outlive the witness. `witness_keys` are the node's (none: it cosigns
  // nothing); it cosigns with the one the current bundle makes valid at the time (ChooseKey).
  Witness(OriginLogs* logs, const Directory* directory, std::string self,
          std::vector<const PrivateKey*> witness_keys, const Clock* clock, Logger* logger)
      : logs_(logs),
        store_(&logs->store()),
        directory_(directory),
        self_(std::move(self)),
        witness_keys_(std::move(witness_keys)),
        clock_(clock),
        logger_(logger) {}

  // Before use: this node's clock check (may stay null). While it alarms, the witness cosigns
  // nothing (INTERNAL); cosignatures dated beyond its bound in the future are not counted valid.
  void set_clock_check(const ClockCheck* clock_check) { clock_check_ = clock_check; }
  const ClockCheck* clock_check() const { return clock_check_; }
  // Before use: where the cosignatures this witness makes are counted (kCosignatureMadeCount).
  // May stay null.
  void set_counts(EventCounts* counts) { counts_ = counts; }

  const std::string& self() const { return self_; }
  // The key name of this node's witness ("ots-mx/witness/KZ").
  std::string name() const;

  // Checks `note`, a checkpoint of `origin` already verified as signed by it, against the log
  // this node holds:
  //   OK                  it is the checkpoint of a prefix of that log (or of all of it);
  //   FAILED_PRECONDITION it is larger than the local log (nothing can be said yet);
  //   ABORTED             it contradicts the local log: the evidence is stored (the origin is
  //                       frozen from now on) and the message says so.
  absl::Status CheckAgainstLocal(absl::string_view origin, const VerifiedCheckpoint& cp,
                                 absl::string_view note, absl::string_view source);

  // Stores `evidence` (already verified) if new, and raises the alarm in the log.
  absl::Status Record(const v1::Evidence& evidence, absl::string_view source);

  // Whether this node holds evidence against `origin` (and so accepts nothing more of it).
  absl::StatusOr<bool> Frozen(absl::string_view origin);

  // This node's cosignature line of `note` (a full signed-note line ending in '\n'), which must
  // be the checkpoint of `origin`'s log at `size` that the node holds, with the witness key valid
  // now. Also stored with it; a line by that key already stored is returned as it is.
  // FAILED_PRECONDITION if the node has no witness key, or none valid now.
  absl::StatusOr<std::string> CosignStored(absl::string_view origin, uint64_t size);

  // A witness key rotation: once the key valid now differs from the one this last ran with (and
  // at the first call), cosigns the latest checkpoint of every log this node holds of another
  // member and that is not frozen with that key (CosignStored), so that a verifier who trusts
  // only the new key finds every log cosigned. Returns how many lines it made. Cheap when the
  // key has not changed: call it at start, after a new bundle, and now and then.
  absl::StatusOr<int> CosignLatestOnKeyChange();

  // The Federation.Cosign call: verifies `note` as `origin`'s, checks it against the local log
  // (CheckAgainstLocal) and returns this node's cosignature line.
  absl::StatusOr<std::string> Cosign(absl::string_view origin, absl::string_view note,
                                     absl::string_view source);

  // Of `lines`, the cosignature lines over `note` that verify under a witness key of a member
  // in the trust bundle (others are dropped: a relay cannot add cosignatures unseen).
  std::vector<std::string> VerifiedCosignatures(absl::string_view note,
                                                const std::vector<std::string>& lines) const;

 private:
  // The witness key to cosign with at `now` (ChooseKey); FAILED_PRECONDITION if none.
  absl::StatusOr<const PrivateKey*> KeyAt(absl::Time now) const;
  // Cosigns the text of `note` with `key`, dated `now` (the time `key` was chosen for, so that
  // no line is dated past its key's end): the cosignature line.
  absl::StatusOr<std::string> CosignText(const Note& note, const PrivateKey& key,
                                         absl::Time now) const;
  // CosignStored with the key of `now`; `*added` (if not null) is set when a new line was made.
  absl::StatusOr<std::string> CosignStoredAt(absl::string_view origin, uint64_t size,
                                             absl::Time now, bool* added);

  OriginLogs* const logs_;
  Store* const store_;
  const Directory* const directory_;
  const std::string self_;
  const std::vector<const PrivateKey*> witness_keys_;
  const Clock* const clock_;
  Logger* const logger_;
  const ClockCheck* clock_check_ = nullptr;
  EventCounts* counts_ = nullptr;

  absl::Mutex recosign_mu_;
  // The key CosignLatestOnKeyChange last finished with (null before its first run).
  const PrivateKey* recosigned_with_ ABSL_GUARDED_BY(recosign_mu_) = nullptr;
};

}  // namespace ots

#endif  // OTS_SYNC_WITNESS_H_
