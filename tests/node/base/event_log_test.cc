// The daemon's log lines as text and as JSON, with and without journald priorities.
#include "node/base/event_log.h"

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>
#include "tests/fakes/fake_clock.h"

namespace ots {
namespace {

// What `logger` writes for one event, through a temporary stdio stream.
std::string Written(LogFormat format, bool journal, LogLevel level, absl::string_view peer,
                    absl::string_view message) {
  FakeClock clock(absl::FromUnixSeconds(1790000000));
  char* buf = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buf, &size);
  REQUIRE(out != nullptr);
  StreamLogger logger(&clock, out, format, journal);
  logger.Log(level, peer, message);
  std::fclose(out);
  std::string text(buf, size);
  free(buf);
  return text;
}

TEST_CASE("event log: text lines are as before", "[event_log]") {
  CHECK(Written(LogFormat::kText, false, LogLevel::kWarn, "KZ/operator(kz-operator)",
                "submit denied: no") ==
        "2026-09-21T14:13:20.000Z WARN peer=KZ/operator(kz-operator) submit denied: no\n");
}

TEST_CASE("event log: JSON lines hold time, level, event, peer, identity and fields",
          "[event_log]") {
  CHECK(Written(LogFormat::kJson, false, LogLevel::kWarn, "KZ/operator(kz-operator)",
                "submit denied: \"x\"\nnext") ==
        "{\"time\":\"2026-09-21T14:13:20.000Z\",\"level\":\"WARN\",\"event\":\"submit denied\","
        "\"peer\":\"KZ\",\"identity\":\"KZ/operator(kz-operator)\","
        "\"fields\":{\"message\":\"submit denied: \\\"x\\\" | next\"}}\n");
  // An address or "-" is the peer, with no identity; control bytes stay escaped.
  CHECK(Written(LogFormat::kJson, false, LogLevel::kInfo, "10.0.0.7:4000", "grpc: bad\x1b") ==
        "{\"time\":\"2026-09-21T14:13:20.000Z\",\"level\":\"INFO\",\"event\":\"grpc\","
        "\"peer\":\"10.0.0.7:4000\",\"identity\":\"\","
        "\"fields\":{\"message\":\"grpc: bad\\\\x1b\"}}\n");
}

TEST_CASE("event log: journald priorities lead each line when asked for", "[event_log]") {
  CHECK(Written(LogFormat::kText, true, LogLevel::kError, "-", "fatal: x").substr(0, 3) == "<3>");
  CHECK(Written(LogFormat::kText, true, LogLevel::kWarn, "-", "x").substr(0, 3) == "<4>");
  CHECK(Written(LogFormat::kJson, true, LogLevel::kInfo, "-", "x").substr(0, 4) == "<6>{");
  CHECK(Written(LogFormat::kText, false, LogLevel::kError, "-", "x")[0] == '2');
}

TEST_CASE("event log: the event is the message's plain short head", "[event_log]") {
  CHECK(EventOf("sync: AZ from KZ rejected: x") == "sync");
  CHECK(EventOf("received SIGHUP: reloading") == "received SIGHUP");
  CHECK(EventOf("serving AZ (member) on 127.0.0.1:7401 with TLS") == "log");
  CHECK(EventOf(": nothing before") == "log");
  CHECK(EventOf("a very long head that goes on and on for ever: x") == "log");
  CHECK(EventOf("AZ/op(x): y") == "log");
}

TEST_CASE("event log: formats are text and json only", "[event_log]") {
  CHECK(*ParseLogFormat("text") == LogFormat::kText);
  CHECK(*ParseLogFormat("json") == LogFormat::kJson);
  CHECK(absl::IsInvalidArgument(ParseLogFormat("xml").status()));
}

}  // namespace
}  // namespace ots
