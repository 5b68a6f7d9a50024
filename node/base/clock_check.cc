#include "node/base/clock_check.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ots {

std::string DescribeOffset(absl::Duration d) {
  const std::string sign = d < absl::ZeroDuration() ? "-" : "";
  d = absl::AbsDuration(d);
  // Two units at most, the smaller one rounded: 30 days less a few milliseconds is "30d".
  const absl::Duration unit = d >= absl::Hours(24)  ? absl::Hours(1)
                              : d >= absl::Hours(1) ? absl::Minutes(1)
                                                    : absl::Seconds(1);
  const int64_t s = absl::ToInt64Seconds(absl::Trunc(d + unit / 2, unit));
  const int64_t days = s / 86400, hours = s / 3600 % 24, minutes = s / 60 % 60, seconds = s % 60;
  std::string out;
  if (days > 0) absl::StrAppend(&out, days, "d");
  if (hours > 0) absl::StrAppend(&out, hours, "h");
  if (minutes > 0) absl::StrAppend(&out, minutes, "m");
  if (seconds > 0 || out.empty()) absl::StrAppend(&out, seconds, "s");
  return sign + out;
}

ClockCheck::ClockCheck(const Clock* clock, Logger* logger, absl::Duration bound,
                       absl::Duration sample_ttl, int min_peers)
    : clock_(clock),
      logger_(logger),
      bound_(bound),
      sample_ttl_(sample_ttl),
      min_peers_(min_peers) {}

void ClockCheck::Note(absl::string_view peer, absl::Time their_time) {
  const absl::Time now = clock_->Now();
  std::string alarm;
  bool changed = false;
  std::optional<Offset> median;
  {
    absl::MutexLock lock(&mu_);
    samples_[peer] = Sample{their_time - now, now};
    alarm = AlarmLocked(now);
    median = MedianLocked(now);
    changed = alarm.empty() == alarmed_;
    alarmed_ = !alarm.empty();
  }
  if (!changed) {
    return;
  }
  if (!alarm.empty()) {
    logger_->Log(LogLevel::kError, "-",
                 absl::StrCat("clock: ", alarm, "; signing nothing until it is within ",
                              DescribeOffset(bound_), " (fix the clock: NTP)"));
  } else {
    logger_->Log(LogLevel::kInfo, "-",
                 absl::StrCat("clock: back within ", DescribeOffset(bound_), " of the peers' (",
                              DescribeOffset(median->median), " off); signing again"));
  }
}

std::optional<ClockCheck::Offset> ClockCheck::MedianLocked(absl::Time now) const {
  std::vector<absl::Duration> offsets;
  for (const auto& [peer, sample] : samples_) {
    if (now - sample.taken <= sample_ttl_) {
      offsets.push_back(sample.offset);
    }
  }
  if (offsets.empty()) {
    return std::nullopt;
  }
  std::sort(offsets.begin(), offsets.end());
  const size_t n = offsets.size();
  // The lower middle for an even count: with two peers, one of them alone decides nothing more
  // than the other.
  absl::Duration median =
      n % 2 == 1 ? offsets[n / 2]
                 : (absl::AbsDuration(offsets[n / 2 - 1]) < absl::AbsDuration(offsets[n / 2])
                        ? offsets[n / 2 - 1]
                        : offsets[n / 2]);
  return Offset{median, static_cast<int>(n)};
}

std::optional<ClockCheck::Offset> ClockCheck::Median() const {
  absl::MutexLock lock(&mu_);
  return MedianLocked(clock_->Now());
}

std::optional<absl::Duration> ClockCheck::PeerOffset(absl::string_view peer) const {
  absl::MutexLock lock(&mu_);
  auto it = samples_.find(peer);
  if (it == samples_.end()) {
    return std::nullopt;
  }
  return it->second.offset;
}

std::string ClockCheck::AlarmLocked(absl::Time now) const {
  std::optional<Offset> median = MedianLocked(now);
  if (!median.has_value() || median->peers < min_peers_ ||
      absl::AbsDuration(median->median) <= bound_) {
    return "";
  }
  // Peers ahead of us: our clock is behind.
  return absl::StrCat("this node's clock is ", DescribeOffset(absl::AbsDuration(median->median)),
                      median->median > absl::ZeroDuration() ? " behind" : " ahead of",
                      " its peers'", " (median of ", median->peers,
                      median->peers == 1 ? " peer" : " peers", ", bound ", DescribeOffset(bound_),
                      ")");
}

std::string ClockCheck::Alarm() const {
  absl::MutexLock lock(&mu_);
  return AlarmLocked(clock_->Now());
}

absl::Status ClockCheck::MaySign(absl::string_view what) const {
  std::string alarm = Alarm();
  if (alarm.empty()) {
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat("refusing to sign ", what, ": ", alarm));
}

absl::Status ClockCheck::NotInFuture(absl::Time t, absl::string_view what) const {
  const absl::Time now = clock_->Now();
  if (t - now <= bound_) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      what, " is dated ", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()), ", ",
      DescribeOffset(t - now), " ahead of this node's clock (bound ", DescribeOffset(bound_),
      "): refused until that date is no longer in the future"));
}

}  // namespace ots
