#include "node/base/clock_check.h"

#include <catch2/catch.hpp>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {
namespace {

TEST_CASE("the median of the peers' clocks decides whether this node may sign", "[clock]") {
  FakeClock clock;
  RecordingLogger log;
  ClockCheck check(&clock, &log, absl::Minutes(5));
  // Nothing heard yet: nothing is known against the clock.
  CHECK(check.MaySign("x").ok());
  CHECK_FALSE(check.Median().has_value());

  // Every peer is 30 days behind this node: this node's clock is 30 days ahead.
  for (const char* peer : {"KZ", "KG", "TR"}) {
    check.Note(peer, clock.Now() - absl::Hours(24 * 30));
  }
  REQUIRE(check.Median().has_value());
  CHECK(check.Median()->peers == 3);
  CHECK(check.Median()->median == -absl::Hours(24 * 30));
  absl::Status refused = check.MaySign("the return of AZ for 2020");
  CHECK(absl::IsInternal(refused));
  CHECK_THAT(std::string(refused.message()),
             Catch::Contains("30d ahead of its peers'") && Catch::Contains("median of 3 peers"));
  CHECK(log.Count("clock: this node's clock is 30d ahead") == 1);  // said once, not per answer

  // The clock is fixed: the peers now agree with it, and the alarm ends, said once too.
  for (const char* peer : {"KZ", "KG", "TR"}) {
    check.Note(peer, clock.Now());
  }
  CHECK(check.MaySign("x").ok());
  CHECK(check.Alarm().empty());
  CHECK(log.Count("clock: back within") == 1);
  CHECK(log.Count("clock: this node's clock") == 1);
}

TEST_CASE("one peer with a wrong clock does not move the median", "[clock]") {
  FakeClock clock;
  RecordingLogger log;
  ClockCheck check(&clock, &log, absl::Minutes(5));
  check.Note("KZ", clock.Now() + absl::Seconds(2));
  check.Note("KG", clock.Now() - absl::Seconds(1));
  check.Note("TR", clock.Now() + absl::Hours(24 * 365));  // a liar, or a broken clock
  CHECK(check.MaySign("x").ok());
  CHECK(absl::AbsDuration(check.Median()->median) <= absl::Seconds(2));
  // With two peers, the one nearer to this clock is taken.
  ClockCheck two(&clock, &log, absl::Minutes(5));
  two.Note("KZ", clock.Now());
  two.Note("TR", clock.Now() + absl::Hours(2));
  CHECK(two.MaySign("x").ok());
}

TEST_CASE("a peer that stopped answering stops counting", "[clock]") {
  FakeClock clock;
  RecordingLogger log;
  ClockCheck check(&clock, &log, absl::Minutes(5), /*sample_ttl=*/absl::Minutes(10));
  check.Note("KZ", clock.Now() - absl::Hours(1));
  CHECK_FALSE(check.MaySign("x").ok());
  clock.Advance(absl::Minutes(11));
  CHECK(check.MaySign("x").ok());
  CHECK_FALSE(check.Median().has_value());
  REQUIRE(check.PeerOffset("KZ").has_value());
  CHECK(*check.PeerOffset("KZ") == -absl::Hours(1));
}

TEST_CASE("a date beyond the bound in the future is refused, whatever the peers say", "[clock]") {
  FakeClock clock;
  RecordingLogger log;
  ClockCheck check(&clock, &log, absl::Minutes(5));
  CHECK(check.NotInFuture(clock.Now() + absl::Minutes(5), "AZ log index 0").ok());
  CHECK(check.NotInFuture(clock.Now() - absl::Hours(24 * 400), "AZ log index 0").ok());
  absl::Status future = check.NotInFuture(clock.Now() + absl::Hours(24 * 30), "AZ log index 3");
  CHECK(absl::IsInvalidArgument(future));
  CHECK_THAT(std::string(future.message()),
             Catch::StartsWith("AZ log index 3 is dated ") && Catch::Contains("30d ahead"));
}

TEST_CASE("offsets are described in whole units", "[clock]") {
  CHECK(DescribeOffset(absl::Hours(24 * 30)) == "30d");
  CHECK(DescribeOffset(-absl::Seconds(45)) == "-45s");
  CHECK(DescribeOffset(absl::Minutes(125)) == "2h5m");
  CHECK(DescribeOffset(absl::ZeroDuration()) == "0s");
}

TEST_CASE("repeated failures of one peer are counted, not written each time", "[log]") {
  FakeClock clock;
  RecordingLogger out;
  RateLimitedLogger log(&out, &clock, absl::Minutes(1));
  for (int i = 0; i < 50; ++i) {
    log.Log(LogLevel::kError, "127.0.0.1:" + std::to_string(40000 + i),
            "grpc: Handshake failed with fatal error SSL_ERROR_SSL");
    log.Log(LogLevel::kWarn, "KZ", "sync: AZ from KZ rejected: size " + std::to_string(i));
  }
  // The peer's address differs each time (a new port), but digits do not make an event new.
  CHECK(out.Count("Handshake failed") == 1);
  CHECK(out.Count("rejected") == 1);
  log.Log(LogLevel::kWarn, "KG", "sync: AZ from KG rejected: size 1");  // another peer
  CHECK(out.Count("rejected") == 2);
  // Another address is another peer: one address's flood hides nobody else's refusal.
  log.Log(LogLevel::kError, "127.0.0.2:40000",
          "grpc: Handshake failed with fatal error SSL_ERROR_SSL");
  log.Log(LogLevel::kError, "[::1]:40000", "grpc: Handshake failed with fatal error SSL_ERROR_SSL");
  log.Log(LogLevel::kError, "[::1]:40001", "grpc: Handshake failed with fatal error SSL_ERROR_SSL");
  CHECK(out.Count("Handshake failed") == 3);
  log.Log(LogLevel::kInfo, "-", "accepted 1");  // INFO always passes
  log.Log(LogLevel::kInfo, "-", "accepted 2");
  CHECK(out.Count("accepted") == 2);
  clock.Advance(absl::Seconds(61));
  log.Log(LogLevel::kWarn, "KZ", "sync: AZ from KZ rejected: size 99");
  CHECK(out.Count("rejected: size 99 (and 49 more like it in the last 1m)") == 1);
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

TEST_CASE("with several peers, one peer's word alone raises no alarm", "[clock]") {
  FakeClock clock;
  RecordingLogger log;
  ClockCheck check(&clock, &log, absl::Minutes(5), absl::Minutes(10), /*min_peers=*/2);
  check.Note("AZ", clock.Now() + absl::Hours(24 * 30));  // the first to answer is wrong
  CHECK(check.MaySign("x").ok());
  CHECK(log.Count("clock:") == 0);
  check.Note("KZ", clock.Now() + absl::Hours(24 * 30));  // a second one agrees: it is us
  CHECK_FALSE(check.MaySign("x").ok());
}

}  // namespace
}  // namespace ots
