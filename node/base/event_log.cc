#include "node/base/event_log.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "node/base/text.h"

namespace ots {

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name) {
  if (name == "text") {
    return LogFormat::kText;
  }
  if (name == "json") {
    return LogFormat::kJson;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format ", Quoted(name), " (text or json)"));
}

std::string EventOf(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0 || colon > 40) {
    return "log";
  }
  absl::string_view head = message.substr(0, colon);
  const bool plain = std::all_of(head.begin(), head.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == ' ' || c == '-' || c == '_';
  });
  return plain ? std::string(head) : "log";
}

void StreamLogger::Log(LogLevel level, absl::string_view peer, absl::string_view message) {
  const char* name = level == LogLevel::kInfo   ? "INFO"
                     : level == LogLevel::kWarn ? "WARN"
                                                : "ERROR";
  const char* priority = level == LogLevel::kInfo   ? "<6>"
                         : level == LogLevel::kWarn ? "<4>"
                                                    : "<3>";
  const std::string time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_->Now(), absl::UTCTimeZone());
  // One event, one line: a multi-line message is folded, and anything else that could break
  // the line or reach a terminal raw (a field of a file, a name a client sent) is escaped.
  const std::string text = Printable(absl::StrReplaceAll(message, {{"\n", " | "}}));
  const std::string who = peer.empty() ? "-" : Printable(peer);
  std::string line = journal_priorities_ ? priority : "";
  if (format_ == LogFormat::kJson) {
    // "peer" is the member ("KZ"), "identity" the whole name when the caller's certificate gave
    // one ("KZ/operator(kz-operator)"); an address or "-" stays as it is in "peer".
    const size_t slash = who.find('/');
    absl::StrAppend(&line, "{\"time\":", JsonString(time), ",\"level\":", JsonString(name),
                    ",\"event\":", JsonString(EventOf(text)),
                    ",\"peer\":", JsonString(who.substr(0, slash)),
                    ",\"identity\":", JsonString(slash == std::string::npos ? "" : who),
                    ",\"fields\":{\"message\":", JsonString(text), "}}\n");
  } else {
    absl::StrAppend(&line, time, " ", name, " peer=", who, " ", text, "\n");
  }
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
