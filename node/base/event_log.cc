#include "node/base/event_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace ots {

void StreamLogger::Log(LogLevel level, absl::string_view peer, absl::string_view message) {
  const char* name = level == LogLevel::kInfo   ? "INFO"
                     : level == LogLevel::kWarn ? "WARN"
                                                : "ERROR";
  // One event, one line: a multi-line message (a list of problems) is folded.
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_->Now(), absl::UTCTimeZone()),
                   " ", name, " peer=", peer.empty() ? "-" : peer, " ",
                   absl::StrReplaceAll(message, {{"\n", " | "}}), "\n");
  absl::MutexLock lock(&mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace ots
