// Replication (DESIGN §4): pull-based anti-entropy with push notification. One thread per peer
// keeps a Watch stream open; every answer (the peer's latest checkpoint of each origin it may
// show us) is reconciled origin by origin: a checkpoint ahead of ours makes us pull the missing
// entries, verify all of it and store it atomically; one that contradicts what we accepted is
// kept as evidence and freezes the origin. A peer that fails is retried with exponential
// backoff and jitter; the others go on.
#ifndef OTS_SYNC_SYNCER_H_
#define OTS_SYNC_SYNCER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "node/base/clock.h"
#include "node/base/clock_check.h"
#include "node/base/event_counts.h"
#include "node/base/event_log.h"
#include "node/log/checkpoint.h"
#include "node/log/origin_log.h"
#include "node/log/own_log_guard.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"
#include "sync/peer_transport.h"
#include "sync/replica.h"
#include "sync/witness.h"

namespace ots {

struct SyncOptions {
  // A watch stream answers at least this often; when watching fails we poll at this interval.
  absl::Duration poll_interval = absl::Seconds(5);
  // Backoff after consecutive failures: initial * 2^(n-1), at most max, then a random jitter
  // takes off up to half of it. The maximum bounds how long a healed link stays unused.
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(3);
};

// A peer with no successful exchange for longer than this is stale: twice the poll interval,
// the time in which a live watch stream answers at least twice.
inline absl::Duration StaleAfter(const SyncOptions& options) { return 2 * options.poll_interval; }

// The wait before retrying after `failures` consecutive failures (>= 1), before jitter.
absl::Duration BackoffDelay(const SyncOptions& options, int failures);
// `delay` less a random part of up to half of it, so that nodes failing together do not retry
// in step.
absl::Duration Jittered(absl::Duration delay, absl::BitGenRef gen);

class Syncer {
 public:
  // Everything must outlive the syncer. The clock paces the retries as well as telling the time.
  Syncer(OriginLogs* logs, const Directory* directory, Witness* witness, const Clock* clock,
         Logger* logger, const SyncOptions& options);
  ~Syncer();

  Syncer(const Syncer&) = delete;
  Syncer& operator=(const Syncer&) = delete;

  // Before Start: every answer's timestamp goes to `clock_check`, which then also guards what
  // is accepted (headers dated in the future) and cosigned. May stay null.
  void set_clock_check(ClockCheck* clock_check);
  // Before Start: told of every checkpoint of this node's own log larger than the log held
  // (whose entries are then pulled back as any replica's), and when every peer has been asked
  // once. May stay null.
  void set_own_log_guard(OwnLogGuard* guard);
  // Before Start: gets every trust bundle newer than the directory's that a peer announces
  // (CheckpointsResponse.bundle_version), fetched from that peer, before that peer's answer is
  // reconciled; returns whether it was applied. A peer whose bundle is refused is not asked for
  // that version again. May stay null (peers' bundles are then ignored).
  using BundleSink =
      std::function<absl::Status(absl::string_view from_peer, const std::string& signed_bundle)>;
  void set_bundle_sink(BundleSink sink);
  // Adds a peer; after Start its thread starts at once (a member added by a new trust bundle).
  void AddPeer(std::string member, std::string endpoint, std::unique_ptr<PeerTransport> transport);
  // Stops replicating with `member` (revoked, removed, or moved to another endpoint): its calls
  // are cancelled and it leaves the statuses. Its thread is joined later (it may be the caller's:
  // a bundle fetched from a peer may remove that very peer). No-op for an unknown member.
  void RemovePeer(absl::string_view member);
  // member -> endpoint of every peer.
  std::map<std::string, std::string> Peers() const;
  // Starts one thread per peer.
  void Start();
  // Stops every peer thread, cancelling calls in progress. Idempotent.
  void Stop();

  // One answer of `peer_member`'s node, reconciled origin by origin. Returns the first peer fault
  // (the others are still reconciled); a split view is not the peer's fault and returns OK.
  absl::Status Exchange(absl::string_view peer_member, PeerTransport& transport,
                        const v1::CheckpointsResponse& response);

  // Reconciles one origin with a peer's checkpoint of it. INVALID_ARGUMENT (the peer's fault)
  // if what the peer sends does not verify; ABORTED if it proves a split view. `*signed_size`
  // (if not null) is set to the checkpoint's size once it is known to be the origin's (a note
  // this node stored, or one whose signature verified), whatever becomes of its pull.
  absl::Status Reconcile(absl::string_view peer_member, PeerTransport& transport,
                         const v1::OriginCheckpoint& theirs, uint64_t* signed_size = nullptr);

  // After a reconcile of `origin` with a peer that is `origin` or that the origin entitles to its
  // confidential cells: the openings this node (entitled too) lacks of entries of `origin` it took
  // through a relay that is not (Replicator::MissingOpenings), pulled again from that peer up to
  // `peer_size`, one entry at a time and at most 8 per exchange. An entry a peer could not open is
  // not asked of it again until its announced size changes.
  void HealOpenings(absl::string_view peer_member, PeerTransport& transport,
                    absl::string_view origin, uint64_t peer_size);

  // Each peer's status, with how far this node's logs are behind what the peer announced
  // (PeerStatus.lags).
  std::vector<v1::PeerStatus> PeerStatuses() const;

  // Before Start: where cosignatures merged from peers are counted (kCosignatureMergedCount).
  // May stay null.
  void set_counts(EventCounts* counts) { counts_ = counts; }

 private:
  struct Peer {
    std::string member;
    std::string endpoint;
    std::unique_ptr<PeerTransport> transport;
    std::thread thread;
    // Guarded by Syncer::status_mu_:
    v1::PeerStatus status;
    absl::Time last_ok;         // the latest successful exchange, or when the syncer started
    bool stale_logged = false;  // "stale" was logged and "answers again" not yet
    std::optional<absl::Duration> clock_offset;  // the peer's clock minus ours, latest answer
    bool asked = false;                          // answered or failed at least once
    uint64_t bundle_refused = 0;  // a bundle version of this peer's that did not apply
    // origin -> the size of the peer's latest verified checkpoint of it, and since when this
    // node has been behind it (InfinitePast: it was not, at that answer).
    std::map<std::string, std::pair<uint64_t, absl::Time>> announced;
    absl::Notification stop;        // the syncer stops, or the peer was removed
    std::atomic<bool> done{false};  // Run has returned
  };

  void Run(Peer* peer);
  // `peer`'s status at `now`, without the lags.
  v1::PeerStatus StatusOf(const Peer& peer, absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(status_mu_);
  // Records the sizes of `peer_member`'s checkpoints whose origin signature verified in one
  // answer, against the sizes this node holds: the replication lag of PeerStatuses.
  void NoteAnnounced(absl::string_view peer_member,
                     const std::vector<std::pair<std::string, uint64_t>>& sizes);
  // One Watch stream of `peer`, each answer reconciled; how it ended.
  absl::Status WatchOnce(Peer* peer, int* failures);
  // One poll of `peer` for a node without Watch; how it went.
  absl::Status PollOnce(Peer* peer, int* failures);
  absl::Mutex* OriginMutex(absl::string_view origin);

  // The steps of Reconcile. `theirs` has been verified as signed by the origin.
  // Already frozen here: nothing is accepted (said once per size announced).
  absl::Status SkipFrozen(absl::string_view peer_member, absl::string_view origin,
                          const VerifiedCheckpoint& theirs);
  // Claims the pull of `origin` up to `size` unless another peer's pull of it is under way and
  // recent. Returns whether this call should pull; ReleasePull undoes a claim.
  bool ClaimPull(absl::string_view origin, uint64_t size);
  void ReleasePull(absl::string_view origin, uint64_t size);
  // Pulls `origin` from `local_size` until the log reaches `size`; returns the size reached.
  absl::StatusOr<uint64_t> PullUpTo(absl::string_view peer_member, PeerTransport& transport,
                                    absl::string_view origin, uint64_t local_size, uint64_t size);
  // The consistency of a pulled checkpoint with the one stored at `local_size`.
  absl::Status CheckConsistency(absl::string_view peer_member, PeerTransport& transport,
                                absl::string_view origin, uint64_t local_size,
                                const PulledBatch& pulled, const VerifiedCheckpoint& pulled_cp);
  // After a batch of `origin` is stored: cosign it and merge the cosignatures that came with it.
  void AfterAccept(absl::string_view origin, uint64_t size, const PulledBatch& pulled);
  // Pulls headers from 0 to decide whether a failed consistency proof is the peer's fault or the
  // origin's split view.
  absl::Status ProbeSplitView(absl::string_view peer_member, PeerTransport& transport,
                              absl::string_view origin, const VerifiedCheckpoint& theirs);
  void MergeCosignatures(absl::string_view origin, uint64_t size, absl::string_view note,
                         const std::vector<std::string>& lines);
  // Records `note`, a checkpoint of `origin` of `size` verified as the origin's, with its
  // cosignature `lines` as the largest checkpoint of `origin` seen, if it is larger than the one
  // recorded and a witness other than the origin validly cosigned it: what this node knows
  // exists, whether it holds it or not, so that a folder rolled back later still says so.
  void NoteSeen(absl::string_view peer_member, absl::string_view origin, uint64_t size,
                absl::string_view note, const std::vector<std::string>& lines);
  void SetState(Peer* peer, absl::string_view state, const absl::Status& result);
  // `peer` has answered (and its answer was reconciled) or failed: once every peer has, the
  // own-log guard hears of it. (Exchange tells it of each answer that compared our own log.)
  void MarkAsked(Peer* peer);
  // Records the time on the peer's clock that `response` carries (if it does).
  void NoteClock(Peer* peer, const v1::CheckpointsResponse& response);
  // Records the peer's trust bundle version and, if newer than ours, fetches and applies it.
  void NoteBundle(Peer* peer, const v1::CheckpointsResponse& response);
  // Joins the threads of removed peers that have ended, except the caller's.
  void ReapRetired();

  Store* const store_;
  const Directory* const directory_;
  Witness* const witness_;
  const Clock* const clock_;
  Logger* const logger_;
  const SyncOptions options_;
  ClockCheck* clock_check_ = nullptr;
  OwnLogGuard* own_log_ = nullptr;
  EventCounts* counts_ = nullptr;
  Replicator replicator_;

  BundleSink bundle_sink_;
  // Guarded by status_mu_ (the vectors; each peer's thread is started and joined outside it).
  std::vector<std::unique_ptr<Peer>> peers_;
  std::vector<std::unique_ptr<Peer>> retired_;  // removed, thread not yet joined
  bool stopped_ = false;                        // Stop has begun
  absl::Notification stop_;
  std::atomic<bool> started_{false};

  absl::Mutex origins_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<absl::Mutex>> origin_mu_
      ABSL_GUARDED_BY(origins_mu_);
  struct InFlight {
    uint64_t size = 0;  // the checkpoint size a pull under way aims at
    absl::Time started = absl::InfinitePast();
  };
  absl::flat_hash_map<std::string, InFlight> in_flight_ ABSL_GUARDED_BY(origins_mu_);
  mutable absl::Mutex status_mu_;
  absl::flat_hash_map<std::string, uint64_t> frozen_logged_ ABSL_GUARDED_BY(status_mu_);
  // The size of each origin's SeenCheckpoint in the store, as far as this syncer knows.
  absl::flat_hash_map<std::string, uint64_t> seen_size_ ABSL_GUARDED_BY(status_mu_);
  absl::Mutex rng_mu_;
  absl::BitGen rng_ ABSL_GUARDED_BY(rng_mu_);
  // By "origin/peer": the missing log indexes that peer was asked for and could not open, while
  // it announced `peer_size`.
  struct HealRefusals {
    uint64_t peer_size = 0;
    std::set<uint64_t> indexes;
  };
  absl::flat_hash_map<std::string, HealRefusals> heal_refused_ ABSL_GUARDED_BY(status_mu_);
};

}  // namespace ots

#endif  // OTS_SYNC_SYNCER_H_
