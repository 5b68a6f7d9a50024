// Event logging for the daemon: one line per event on stderr, with time, level, the peer's
// identity and what happened, e.g.
//   2026-11-25T10:00:00.123Z WARN peer=KZ/operator(kz-operator) submit denied: ...
#ifndef OTS_NODE_BASE_EVENT_LOG_H_
#define OTS_NODE_BASE_EVENT_LOG_H_

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "node/base/clock.h"

namespace ots {

enum class LogLevel { kInfo, kWarn, kError };

// Thread-safe: Log may be called from any thread.
class Logger {
 public:
  virtual ~Logger() = default;
  // `peer` is who caused the event ("-" if nobody in particular).
  virtual void Log(LogLevel level, absl::string_view peer, absl::string_view message) = 0;
};

// Writes each event as one line to a stdio stream (stderr in ots-node), flushed at once.
class StreamLogger : public Logger {
 public:
  // `clock` must outlive the logger; `out` is not closed.
  StreamLogger(const Clock* clock, FILE* out) : clock_(clock), out_(out) {}
  void Log(LogLevel level, absl::string_view peer, absl::string_view message) override;

 private:
  const Clock* const clock_;
  FILE* const out_;
  absl::Mutex mu_;
};

}  // namespace ots

#endif  // OTS_NODE_BASE_EVENT_LOG_H_
