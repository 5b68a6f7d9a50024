// A Clock that tests set and advance by hand. A wait on it does not sleep: it advances the clock
// by the time waited (so that a loop paced by the clock runs at once) and records it.
#ifndef OTS_TESTS_FAKES_FAKE_CLOCK_H_
#define OTS_TESTS_FAKES_FAKE_CLOCK_H_

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/base/clock.h"

namespace ots {

class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1790000000)) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  bool WaitFor(absl::Notification& stop, absl::Duration timeout) const override {
    if (stop.HasBeenNotified()) {
      return true;
    }
    absl::MutexLock lock(&mu_);
    now_ += timeout;
    waits_.push_back(timeout);
    return false;
  }
  // Every wait so far, in order.
  std::vector<absl::Duration> waits() const {
    absl::MutexLock lock(&mu_);
    return waits_;
  }

 private:
  mutable absl::Mutex mu_;
  mutable absl::Time now_ ABSL_GUARDED_BY(mu_);
  mutable std::vector<absl::Duration> waits_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ots

#endif  // OTS_TESTS_FAKES_FAKE_CLOCK_H_
