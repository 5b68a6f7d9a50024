// The syncer's per-peer loop (Syncer::Start, Run, Stop; docs/federation.md §5 "Backoff") against
// a scripted peer (tests/fakes/scripted_peer.h) and the FakeClock, whose waits advance time and
// are recorded instead of sleeping:
//   a Watch failing N times is retried after BackoffDelay(n) less a jitter of up to half of it,
//   and the peer's status says "backoff" with the error and the failure count; an answer resets
//   the count and makes it "watching";
//   a peer without Watch (UNIMPLEMENTED) is polled every poll_interval;
//   a Watch that reached its deadline is renewed at once, without a wait;
//   Stop cancels a blocked call and returns, and the thread ends.
// The loop runs on its own thread; the test waits for it to block (with a deadline), never sleeps.
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "sync/syncer.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/scripted_peer.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {
namespace {

using Step = ScriptedPeer::Step;

// A deadline for the loop to reach a point a test waits for; only a broken loop takes long.
constexpr absl::Duration kDeadline = absl::Seconds(30);

// KZ's syncer with one peer, AZ's node, played by a ScriptedPeer.
struct Loop {
  TempDir dir;
  FakeClock clock;
  RecordingLogger logger;
  TestBundle keys = TestBundle().Add("AZ", {"KZ"}).Add("KZ", {}, false);
  Directory directory{keys.Bundle()};
  TestNode kz = OpenNode(dir, "kz");
  Witness witness{kz.logs.get(), &directory, "KZ", {}, &clock, &logger};
  SyncOptions options = [] {
    SyncOptions o;
    o.poll_interval = absl::Seconds(5);
    o.backoff_initial = absl::Milliseconds(200);
    o.backoff_max = absl::Seconds(1);
    return o;
  }();
  Syncer syncer{kz.logs.get(), &directory, &witness, &clock, &logger, options};
  ScriptedPeer* peer = nullptr;  // owned by the syncer

  Loop() {
    auto scripted = std::make_unique<ScriptedPeer>();
    peer = scripted.get();
    // At every call: the peer's status as the syncer shows it then.
    peer->observe = [this] { return Describe(syncer.PeerStatuses().at(0)); };
    syncer.AddPeer("AZ", "az.example:7401", std::move(scripted));
  }
  ~Loop() { syncer.Stop(); }

  static std::string Describe(const v1::PeerStatus& s) {
    return absl::StrCat(s.state(), " failures=", s.failures(), " error=", s.last_error());
  }
  // Starts the loop and waits until it blocks in the call after its script.
  void RunUntilBlocked() {
    syncer.Start();
    REQUIRE(peer->AwaitBlocked(kDeadline));
  }
  v1::PeerStatus Status() { return syncer.PeerStatuses().at(0); }
};

TEST_CASE("a failing watch is retried with exponential backoff and jitter, an answer resets it",
          "[sync][syncer_loop]") {
  Loop loop;
  loop.peer->ScriptWatch({
      ScriptedPeer::Fail(absl::UnavailableError("peer down 1")),
      ScriptedPeer::Fail(absl::UnavailableError("peer down 2")),
      ScriptedPeer::Fail(absl::UnavailableError("peer down 3")),
      ScriptedPeer::Fail(absl::UnavailableError("peer down 4")),
      ScriptedPeer::Answer(absl::UnavailableError("stream broke")),
      ScriptedPeer::Fail(absl::UnavailableError("peer down 6")),
  });
  loop.RunUntilBlocked();

  // Failures 1 2 3 4, then (after the answer) 1 2: BackoffDelay less up to half of it.
  const std::vector<int> failures = {1, 2, 3, 4, 1, 2};
  const std::vector<absl::Duration> waits = loop.clock.waits();
  REQUIRE(waits.size() == failures.size());
  bool jittered = false;
  for (size_t i = 0; i < waits.size(); ++i) {
    const absl::Duration delay = BackoffDelay(loop.options, failures[i]);
    INFO("wait " << i << ": " << waits[i] << " after failure " << failures[i] << ", delay "
                 << delay);
    CHECK(waits[i] > delay / 2);
    CHECK(waits[i] <= delay);
    jittered = jittered || waits[i] < delay;
  }
  // The 4th delay (1.6 s) is capped at the maximum.
  CHECK(BackoffDelay(loop.options, 4) == absl::Seconds(1));
  // A jitter of exactly 0 six times running has a chance of about 2^-300.
  CHECK(jittered);

  // What the status said at the start of each call.
  CHECK(loop.peer->observed() ==
        std::vector<std::string>{
            "connecting failures=0 error=", "backoff failures=1 error=peer down 1",
            "backoff failures=2 error=peer down 2", "backoff failures=3 error=peer down 3",
            "backoff failures=4 error=peer down 4", "backoff failures=1 error=stream broke",
            "backoff failures=2 error=peer down 6"});
  CHECK(loop.peer->calls().watch == 7);
  CHECK(loop.peer->calls().checkpoints == 0);
  // Logged at the first failure of a run, not at every one.
  CHECK(loop.logger.Count("sync: peer down 1 (failure 1; retrying with backoff)") == 1);
  CHECK(loop.logger.Count("sync: stream broke (failure 1; retrying with backoff)") == 1);
  CHECK(loop.logger.Count("peer down 2") == 0);
}

TEST_CASE("after an answer the peer is watching, with its time", "[sync][syncer_loop]") {
  Loop loop;
  loop.peer->ScriptWatch({ScriptedPeer::Fail(absl::UnavailableError("connection refused")),
                          ScriptedPeer::AnswerThenBlock()});
  loop.RunUntilBlocked();
  const v1::PeerStatus status = loop.Status();
  CHECK(status.state() == "watching");
  CHECK(status.failures() == 0);
  CHECK(status.last_error().empty());
  // The fake clock's time after the one wait.
  REQUIRE(loop.clock.waits().size() == 1);
  const absl::Time at = absl::FromUnixSeconds(1790000000) + loop.clock.waits()[0];
  CHECK(status.last_success_at() ==
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone()));
  CHECK(status.member() == "AZ");
  CHECK(status.endpoint() == "az.example:7401");
}

TEST_CASE("a peer without Watch is polled every poll interval", "[sync][syncer_loop]") {
  Loop loop;
  loop.peer->ScriptWatch({ScriptedPeer::Fail(absl::UnimplementedError("unknown method Watch"))});
  loop.peer->ScriptCheckpoints({
      ScriptedPeer::Answer(),
      ScriptedPeer::Answer(),
      ScriptedPeer::Fail(absl::UnavailableError("peer down")),
      ScriptedPeer::Answer(),
  });
  loop.RunUntilBlocked();

  // No wait for the switch itself; a failed poll backs off like a failed watch.
  const std::vector<absl::Duration> waits = loop.clock.waits();
  REQUIRE(waits.size() == 4);
  CHECK(waits[0] == loop.options.poll_interval);
  CHECK(waits[1] == loop.options.poll_interval);
  CHECK(waits[2] > BackoffDelay(loop.options, 1) / 2);
  CHECK(waits[2] <= BackoffDelay(loop.options, 1));
  CHECK(waits[3] == loop.options.poll_interval);
  CHECK(loop.peer->calls().watch == 1);  // never asked again
  CHECK(loop.peer->calls().checkpoints == 5);
  CHECK(loop.peer->observed() ==
        std::vector<std::string>{"connecting failures=0 error=", "connecting failures=0 error=",
                                 "polling failures=0 error=", "polling failures=0 error=",
                                 "backoff failures=1 error=peer down",
                                 "polling failures=0 error="});
}

TEST_CASE("a watch stream that reached its deadline is renewed at once", "[sync][syncer_loop]") {
  Loop loop;
  loop.peer->ScriptWatch({
      ScriptedPeer::Answer(absl::DeadlineExceededError("Deadline Exceeded")),
      ScriptedPeer::Fail(absl::DeadlineExceededError("Deadline Exceeded")),
      ScriptedPeer::Answer(absl::DeadlineExceededError("Deadline Exceeded")),
  });
  loop.RunUntilBlocked();
  CHECK(loop.clock.waits().empty());
  CHECK(loop.peer->calls().watch == 4);
  CHECK(loop.Status().state() == "watching");
  CHECK(loop.Status().failures() == 0);
  CHECK(loop.logger.Count("retrying with backoff") == 0);
}

TEST_CASE("Stop cancels a blocked watch and returns, the thread ends", "[sync][syncer_loop]") {
  Loop loop;
  loop.peer->ScriptWatch({ScriptedPeer::AnswerThenBlock()});
  loop.RunUntilBlocked();
  CHECK_FALSE(loop.peer->calls().cancelled);

  std::future<void> stopped = std::async(std::launch::async, [&] { loop.syncer.Stop(); });
  const bool returned =
      stopped.wait_for(absl::ToChronoSeconds(kDeadline)) == std::future_status::ready;
  if (!returned) {
    loop.peer->Cancel();  // what Stop should have done: lets the thread end, and the test with it
  }
  REQUIRE(returned);
  CHECK(loop.peer->calls().cancelled);
  // The blocked call returned and the loop made no other: its thread has ended (Stop joined it).
  CHECK(loop.peer->calls().returned == 1);
  CHECK(loop.peer->calls().watch == 1);
  CHECK(loop.clock.waits().empty());
  loop.syncer.Stop();  // idempotent
  CHECK(loop.peer->calls().watch == 1);
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

TEST_CASE("a peer failing for two poll intervals is stale, said once, and once when it answers",
          "[sync][syncer_loop]") {
  Loop loop;
  // Each failed call waits at least half of at most 1 s: 40 of them last over 20 s, past the 10 s
  // (twice the poll interval) after which the peer is stale.
  std::vector<Step> steps(40, ScriptedPeer::Fail(absl::UnavailableError("no route to host")));
  steps.push_back(ScriptedPeer::AnswerThenBlock());
  loop.peer->ScriptWatch(steps);
  loop.RunUntilBlocked();
  CHECK(loop.logger.Count("sync: AZ is stale: no successful exchange for ") == 1);
  CHECK(loop.logger.Count("(last error: no route to host)") == 1);
  CHECK(loop.logger.Count("sync: AZ answers again after ") == 1);
  const v1::PeerStatus status = loop.Status();
  CHECK_FALSE(status.stale());
  CHECK(status.age_seconds() == 0);
}

TEST_CASE("a watch that stays silent makes the peer stale in status", "[sync][syncer_loop]") {
  Loop loop;
  loop.peer->ScriptWatch({ScriptedPeer::AnswerThenBlock()});
  loop.RunUntilBlocked();
  CHECK_FALSE(loop.Status().stale());
  loop.clock.Advance(absl::Seconds(9));
  CHECK_FALSE(loop.Status().stale());
  CHECK(loop.Status().age_seconds() == 9);
  loop.clock.Advance(absl::Seconds(2));  // 11 s: more than twice the 5 s poll interval
  CHECK(loop.Status().stale());
  CHECK(loop.Status().state() == "watching");  // what it last did; stale says it is not working
}

TEST_CASE("every answer's timestamp is the peer's clock, and a wrong clock here stops signing",
          "[sync][syncer_loop][clock]") {
  Loop loop;
  ClockCheck check(&loop.clock, &loop.logger, absl::Minutes(5));
  loop.syncer.set_clock_check(&check);
  // AZ's clock reads 30 days earlier than KZ's: KZ's clock is 30 days ahead.
  loop.peer->answer.set_sent_at_unix_ms(
      absl::ToUnixMillis(loop.clock.Now() - absl::Hours(24 * 30)));
  loop.peer->ScriptWatch({ScriptedPeer::AnswerThenBlock()});
  loop.RunUntilBlocked();
  const v1::PeerStatus status = loop.Status();
  CHECK(status.clock_known());
  CHECK(status.clock_offset_ms() == -absl::ToInt64Milliseconds(absl::Hours(24 * 30)));
  CHECK_THAT(check.Alarm(), Catch::Contains("30d ahead of its peers'"));
  CHECK(loop.logger.Count("clock: this node's clock is 30d ahead") == 1);
}

TEST_CASE("a newer trust bundle a peer announces is fetched once and handed over first",
          "[sync][syncer_loop][bundle]") {
  Loop loop;
  const uint64_t ours = loop.directory.version();
  loop.peer->answer.set_bundle_version(ours + 1);
  loop.peer->bundle = [] {
    v1::TrustBundleResponse r;
    r.set_signed_bundle("the signed bundle");
    return r;
  };
  std::vector<std::string> handed;
  loop.syncer.set_bundle_sink([&](absl::string_view from, const std::string& signed_bundle) {
    handed.push_back(absl::StrCat(from, ": ", signed_bundle));
    return absl::PermissionDeniedError("the signature does not verify");
  });
  // Three answers: the refused version is fetched at the first only.
  loop.peer->ScriptWatch({ScriptedPeer::Answer(absl::UnavailableError("stream broke")),
                          ScriptedPeer::Answer(absl::UnavailableError("stream broke")),
                          ScriptedPeer::AnswerThenBlock()});
  loop.RunUntilBlocked();
  CHECK(handed == std::vector<std::string>{"AZ: the signed bundle"});
  CHECK(loop.peer->calls().bundles == 1);
  CHECK(loop.logger.Count("AZ holds trust bundle version " + std::to_string(ours + 1) +
                          " but it was not applied: the signature does not verify") == 1);
  CHECK(loop.Status().bundle_version() == ours + 1);
}

TEST_CASE("a bundle that could not be fetched or kept is fetched again at the next answer",
          "[sync][syncer_loop][bundle]") {
  Loop loop;
  loop.peer->answer.set_bundle_version(loop.directory.version() + 1);
  int fetches = 0;
  loop.peer->bundle = [&fetches]() -> absl::StatusOr<v1::TrustBundleResponse> {
    ++fetches;
    if (fetches == 1) {
      return absl::UnavailableError("connection reset");
    }
    return v1::TrustBundleResponse();
  };
  int handed = 0;
  loop.syncer.set_bundle_sink([&](absl::string_view, const std::string&) {
    ++handed;
    return absl::ResourceExhaustedError("the disk is full");
  });
  loop.peer->ScriptWatch({ScriptedPeer::Answer(absl::UnavailableError("stream broke")),
                          ScriptedPeer::Answer(absl::UnavailableError("stream broke")),
                          ScriptedPeer::AnswerThenBlock()});
  loop.RunUntilBlocked();
  CHECK(fetches == 3);  // each answer: the failures are not the bundle's
  CHECK(handed == 2);
  CHECK(loop.logger.Count("was not applied: connection reset") == 1);
}

TEST_CASE("a fetched bundle that applies is not fetched again", "[sync][syncer_loop][bundle]") {
  Loop loop;
  v1::TrustBundle next = loop.directory.bundle();
  next.set_version(next.version() + 1);
  loop.peer->answer.set_bundle_version(next.version());
  loop.peer->bundle = [] { return v1::TrustBundleResponse(); };
  int applied = 0;
  loop.syncer.set_bundle_sink([&](absl::string_view, const std::string&) {
    ++applied;
    return loop.directory.Update(TrustAnchor{"v2", "", "", next});
  });
  loop.peer->ScriptWatch({ScriptedPeer::Answer(absl::UnavailableError("stream broke")),
                          ScriptedPeer::AnswerThenBlock()});
  loop.RunUntilBlocked();
  CHECK(applied == 1);
  CHECK(loop.peer->calls().bundles == 1);
  CHECK(loop.directory.version() == next.version());
  CHECK(loop.logger.Count("was not applied") == 0);
}

TEST_CASE("peers are added and removed while the syncer runs, even by their own thread",
          "[sync][syncer_loop][bundle]") {
  Loop loop;
  // The bundle AZ hands over revokes AZ: applying it removes AZ, from AZ's own thread.
  loop.peer->answer.set_bundle_version(loop.directory.version() + 1);
  loop.peer->bundle = [] { return v1::TrustBundleResponse(); };
  absl::Notification removed;
  loop.syncer.set_bundle_sink([&](absl::string_view from, const std::string&) {
    loop.syncer.RemovePeer(from);
    removed.Notify();
    return absl::OkStatus();
  });
  loop.peer->ScriptWatch({ScriptedPeer::AnswerThenBlock()});
  loop.syncer.Start();
  REQUIRE(removed.WaitForNotificationWithTimeout(kDeadline));
  CHECK(loop.syncer.Peers().empty());
  CHECK(loop.syncer.PeerStatuses().empty());

  // A member added later gets its own thread at once.
  auto added = std::make_unique<ScriptedPeer>();
  ScriptedPeer* tm = added.get();
  tm->answer.set_member("TM");
  tm->ScriptWatch({ScriptedPeer::AnswerThenBlock()});
  loop.syncer.AddPeer("TM", "tm.example:7401", std::move(added));
  REQUIRE(tm->AwaitBlocked(kDeadline));
  CHECK(loop.syncer.Peers() == std::map<std::string, std::string>{{"TM", "tm.example:7401"}});
  CHECK(loop.syncer.PeerStatuses().at(0).state() == "watching");
  loop.syncer.Stop();  // joins AZ's retired thread and TM's
  CHECK(tm->calls().cancelled);
}

}  // namespace
}  // namespace ots
