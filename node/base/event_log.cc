#include "node/base/event_log.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "node/base/text.h"

namespace ots {

void StreamLogger::Log(LogLevel level, absl::string_view peer, absl::string_view message) {
  const char* name = level == LogLevel::kInfo   ? "INFO"
                     : level == LogLevel::kWarn ? "WARN"
                                                : "ERROR";
  // One event, one line: a multi-line message is folded, and anything else that could break
  // the line or reach a terminal raw (a field of a file, a name a client sent) is escaped.
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_->Now(), absl::UTCTimeZone()),
                   " ", name, " peer=", peer.empty() ? "-" : Printable(peer), " ",
                   Printable(absl::StrReplaceAll(message, {{"\n", " | "}})), "\n");
  absl::MutexLock lock(&mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void RateLimitedLogger::Log(LogLevel level, absl::string_view peer, absl::string_view message) {
  if (level == LogLevel::kInfo) {
    out_->Log(level, peer, message);
    return;
  }
  // The same event about the same peer, whatever the numbers in it (sizes, counts). A peer
  // named by its address is the same peer from any port ("10.0.0.7:40312", "[::1]:5000"), but
  // another address is another peer: a flood from one address hides nobody else's refusal.
  absl::string_view who = peer;
  const size_t colon = who.rfind(':');
  if (colon != absl::string_view::npos && colon + 1 < who.size() &&
      std::all_of(who.begin() + colon + 1, who.end(), absl::ascii_isdigit) &&
      (who.front() == '[' || who.find(':') == colon)) {
    who = who.substr(0, colon);
  }
  std::string key = absl::StrCat(static_cast<int>(level), "|", who, "|");
  for (char c : message) {
    if (c >= '0' && c <= '9') {
      if (key.back() != '#') key.push_back('#');
    } else {
      key.push_back(c);
    }
  }
  const absl::Time now = clock_->Now();
  uint64_t left_out = 0;
  {
    absl::MutexLock lock(&mu_);
    if (seen_.size() > 10000) {
      seen_.clear();  // a flood of distinct messages: forget, rather than grow without bound
    }
    auto [it, fresh] = seen_.try_emplace(key, Seen{now, 0});
    if (!fresh) {
      if (now - it->second.logged < window_) {
        ++it->second.left_out;
        return;
      }
      left_out = it->second.left_out;
      it->second = Seen{now, 0};
    }
  }
  if (left_out == 0) {
    out_->Log(level, peer, message);
  } else {
    out_->Log(level, peer,
              absl::StrCat(message, " (and ", left_out, " more like it in the last ",
                           absl::FormatDuration(window_), ")"));
  }
}

}  // namespace ots
