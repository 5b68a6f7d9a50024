// Event logging for the daemon: one line per event on stderr, with time, level, the peer's
// identity and what happened, as text, e.g.
//   2026-11-25T10:00:00.123Z WARN peer=KZ/operator(kz-operator) submit denied: ...
// or as one JSON object a line (ots-node --log-format json; docs/operations.md, "Logs"):
//   {"time":"2026-11-25T10:00:00.123Z","level":"WARN","event":"submit denied","peer":"KZ",
//    "identity":"KZ/operator(kz-operator)","fields":{"message":"submit denied: ..."}}
#ifndef OTS_NODE_BASE_EVENT_LOG_H_
#define OTS_NODE_BASE_EVENT_LOG_H_

#include <cstdio>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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

enum class LogFormat { kText, kJson };

// "text" or "json"; INVALID_ARGUMENT naming the formats otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name);

// What an event is about, for the JSON "event" key: the words before the first ": " of its
// message ("sync", "submit denied", "fatal") if they are short and plain, "log" otherwise.
std::string EventOf(absl::string_view message);

// Writes each event as one line to a stdio stream (stderr in ots-node), flushed at once. With
// `journal_priorities` each line starts with its syslog priority as journald reads it from a
// service's output ("<3>" ERROR, "<4>" WARN, "<6>" INFO), so that `journalctl -p warning` finds
// the node's warnings.
class StreamLogger : public Logger {
 public:
  // `clock` must outlive the logger; `out` is not closed.
  StreamLogger(const Clock* clock, FILE* out, LogFormat format = LogFormat::kText,
               bool journal_priorities = false)
      : clock_(clock), out_(out), format_(format), journal_priorities_(journal_priorities) {}
  void Log(LogLevel level, absl::string_view peer, absl::string_view message) override;

 private:
  const Clock* const clock_;
  FILE* const out_;
  const LogFormat format_;
  const bool journal_priorities_;
  absl::Mutex mu_;
};

// Keeps a peer that fails the same way over and over (garbage on every handshake, the same
// rejected checkpoint at every answer) from filling the log: a WARN or ERROR event like one
// already logged for the same peer within `window` (the same text once digits are ignored) is
// counted, not written; the next one written after the window says how many were left out, e.g.
// "... (and 41 more like it in the last 60s)". INFO events always pass. Thread-safe.
class RateLimitedLogger : public Logger {
 public:
  // `out` and `clock` must outlive this logger.
  RateLimitedLogger(Logger* out, const Clock* clock, absl::Duration window = absl::Minutes(1))
      : out_(out), clock_(clock), window_(window) {}
  void Log(LogLevel level, absl::string_view peer, absl::string_view message) override;

 private:
  struct Seen {
    absl::Time logged;      // when one like it was last written
    uint64_t left_out = 0;  // how many since
  };
  Logger* const out_;
  const Clock* const clock_;
  const absl::Duration window_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Seen> seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ots

#endif  // OTS_NODE_BASE_EVENT_LOG_H_
