// Time as a dependency (LevelDB Env, Envoy TimeSource): library code asks a Clock, and waits on
// it, and tests drive a fake one.
#ifndef OTS_NODE_BASE_CLOCK_H_
#define OTS_NODE_BASE_CLOCK_H_

#include <algorithm>
#include <chrono>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ots {

// Waits until `done()` holds or `timeout` has passed, timed by the steady clock in slices of
// 20 ms: Abseil times its waits by the wall clock, so a clock stepped (NTP correcting a clock
// that ran ahead by days, or a restored VM) would stretch or cut them by the step. Measured from
// the start, so an infinite timeout never ends and never overflows. Returns whether `done()`
// held.
inline bool WaitSteadily(absl::Duration timeout, absl::FunctionRef<bool()> done) {
  const auto start = std::chrono::steady_clock::now();
  while (!done()) {
    const absl::Duration left =
        timeout - absl::FromChrono(std::chrono::steady_clock::now() - start);
    if (left <= absl::ZeroDuration()) {
      return false;
    }
    absl::SleepFor(std::min(left, absl::Milliseconds(20)));
  }
  return true;
}

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
  // Timed by the steady clock (WaitSteadily), which no step of the wall clock stretches.
  bool WaitFor(absl::Notification& stop, absl::Duration timeout) const override {
    return WaitSteadily(timeout, [&stop] { return stop.HasBeenNotified(); });
  }
};

}  // namespace ots

#endif  // OTS_NODE_BASE_CLOCK_H_
