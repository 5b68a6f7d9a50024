// Counts of what a node did, by kind and label ("submit" "stored", "submit_rejection"
// "invalid_argument", "cosignature_made" ""), kept by the components that do it and exported by
// the server as Prometheus counters (node/server/metrics.h). Counts only grow. Thread-safe.
#ifndef OTS_NODE_BASE_EVENT_COUNTS_H_
#define OTS_NODE_BASE_EVENT_COUNTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace ots {

class EventCounts {
 public:
  using Key = std::pair<std::string, std::string>;  // kind, label

  void Add(absl::string_view kind, absl::string_view label, uint64_t n = 1) {
    absl::MutexLock lock(&mu_);
    counts_[Key(kind, label)] += n;
  }
  std::map<Key, uint64_t> Snapshot() const {
    absl::MutexLock lock(&mu_);
    return counts_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<Key, uint64_t> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ots

#endif  // OTS_NODE_BASE_EVENT_COUNTS_H_
