// Is this node's clock right? Every peer's answer carries the time on the peer's clock; the
// median of the peers' offsets (theirs minus ours) says how far this node's clock is off, and
// one peer with a wrong clock cannot move it. While the median is beyond the bound the node
// signs nothing (no return, no cosignature): what it signs carries a date. And whatever the
// median, a date a peer signed beyond the bound in this node's future is refused.
#ifndef OTS_NODE_BASE_CLOCK_CHECK_H_
#define OTS_NODE_BASE_CLOCK_CHECK_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/base/clock.h"
#include "node/base/event_log.h"

namespace ots {

// "30d", "2h5m", "-45s": a signed duration in whole units, for messages.
std::string DescribeOffset(absl::Duration d);

// Thread-safe.
class ClockCheck {
 public:
  // `clock` and `logger` must outlive the check. A peer's sample counts for `sample_ttl` after
  // it was taken (a peer that stopped answering stops counting).
  // The alarm needs the offsets of at least `min_peers` peers: with one peer's word alone, a
  // node cannot tell its own clock from the peer's (a node with several peers waits for two).
  ClockCheck(const Clock* clock, Logger* logger, absl::Duration bound,
             absl::Duration sample_ttl = absl::Minutes(10), int min_peers = 1);

  absl::Duration bound() const { return bound_; }

  // `peer` answered with its clock reading `their_time`; this node's clock reads now. Logs once
  // when the median goes beyond the bound and once when it comes back.
  void Note(absl::string_view peer, absl::Time their_time);

  // The median offset (peers' clocks minus this one) over the peers heard within the sample
  // lifetime, and their number; nullopt if none.
  struct Offset {
    absl::Duration median;
    int peers = 0;
  };
  std::optional<Offset> Median() const;
  // `peer`'s latest offset, if it has answered.
  std::optional<absl::Duration> PeerOffset(absl::string_view peer) const;

  // Empty while the clock is within the bound (or nothing is known yet); else the alarm, e.g.
  // "this node's clock is 30d ahead of its peers' (median of 4 peers)".
  std::string Alarm() const;
  // OK, or INTERNAL naming the skew: "refusing to sign `what`: this node's clock is ...".
  absl::Status MaySign(absl::string_view what) const;
  // OK unless `t` (the date `what` carries) is more than the bound ahead of this node's clock:
  // INVALID_ARGUMENT then, naming both.
  absl::Status NotInFuture(absl::Time t, absl::string_view what) const;

 private:
  struct Sample {
    absl::Duration offset;
    absl::Time taken;
  };
  std::optional<Offset> MedianLocked(absl::Time now) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  std::string AlarmLocked(absl::Time now) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  Logger* const logger_;
  const absl::Duration bound_;
  const absl::Duration sample_ttl_;
  const int min_peers_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Sample> samples_ ABSL_GUARDED_BY(mu_);
  bool alarmed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ots

#endif  // OTS_NODE_BASE_CLOCK_CHECK_H_
