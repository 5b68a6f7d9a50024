// Whether a node may sign entries of its own state's log (docs/operations.md, "Backups and
// restores"). A node whose folder holds less than it once signed (a restored backup, a VM
// snapshot rolled back, a lost disk refilled empty) would otherwise sign a second, different
// entry at an index it signed before: a split view of its own making, which freezes its state
// everywhere. So it signs nothing of its own log
// - while a peer has shown a checkpoint of that log, signed with its own key, larger than the log
//   it holds (the syncer then pulls its own entries back, verified as any replica's), and
// - after every start, until every peer has been asked once (answered or failed), so that a
//   longer copy is known before the first signature (a folder may have been rolled back or
//   emptied without anyone saying so); and
// - when its folder was restored, until moreover a peer that receives its log has compared its
//   copy with the folder's: a restored folder is known to be behind whatever its state signed
//   since the backup, so peers that cannot be reached, or do not hold the log, are no answer.
//
// Thread-safe.
#ifndef OTS_NODE_LOG_OWN_LOG_GUARD_H_
#define OTS_NODE_LOG_OWN_LOG_GUARD_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ots {

class OwnLogGuard {
 public:
  enum class Wait {
    kNo,             // nothing to wait for (no peers to ask: replication is off)
    kUntilAsked,     // every start
    kUntilAnswered,  // the folder was restored
  };
  explicit OwnLogGuard(Wait wait) : wait_(wait) {}
  OwnLogGuard(const OwnLogGuard&) = delete;
  OwnLogGuard& operator=(const OwnLogGuard&) = delete;

  // A peer showed a checkpoint of the own log of `size`, verified with the own log key.
  void NoteShown(uint64_t size);
  // Every peer has been asked once.
  void PeersAsked();
  // A peer's copy of the own log was compared with the folder's (and taken if larger).
  void PeerAnswered();
  // The node stops: whoever waits in AwaitPeers returns, and nothing may be signed any more.
  void Stop();
  // The own log is frozen: this node holds proof that its log key signed two histories. Nothing
  // more is signed with that key (the federation would not accept it); the key must be replaced.
  void NoteFrozen();

  // Waits until the wait the guard was made with is over, at most `timeout`: the first
  // submission after a restart waits for the peers rather than failing at once.
  void AwaitPeers(absl::Duration timeout) const;
  // OK, or UNAVAILABLE saying why the node may not sign while its own log holds `local_size`
  // entries: "recovering own log from peers: holds 1 entry, peers showed 2; ...".
  absl::Status MaySign(uint64_t local_size) const;
  // Empty when MaySign(local_size) is OK; else its reason, for status.
  std::string State(uint64_t local_size) const;
  // The largest size of the own log a peer has shown (0: none).
  uint64_t shown() const;

 private:
  bool Waiting() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool DoneWaiting() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Wait wait_;
  mutable absl::Mutex mu_;
  bool peers_asked_ ABSL_GUARDED_BY(mu_) = false;
  bool peer_answered_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool frozen_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t shown_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ots

#endif  // OTS_NODE_LOG_OWN_LOG_GUARD_H_
