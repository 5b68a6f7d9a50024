// Time as a dependency (LevelDB Env, Envoy TimeSource): library code asks a Clock, and waits on
// it, and tests drive a fake one.
#ifndef OTS_NODE_BASE_CLOCK_H_
#define OTS_NODE_BASE_CLOCK_H_

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ots {

// Thread-safe: any method may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Waits until `stop` is notified or `timeout` has passed on this clock. Returns whether `stop`
  // was notified.
  virtual bool WaitFor(absl::Notification& stop, absl::Duration timeout) const {
    return stop.WaitForNotificationWithTimeout(timeout);
  }
};

// The system's real-time clock. Mains create one and pass it down.
class SystemClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace ots

#endif  // OTS_NODE_BASE_CLOCK_H_
