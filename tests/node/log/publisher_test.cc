#include "node/log/publisher.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

#include "node/base/clock_check.h"
#include "tests/fakes/faulty_engine.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {
namespace {

TEST_CASE("a return identical to the revision in force is answered with that revision",
          "[publisher]") {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ");
  TestNode az = OpenNode(dir, "az");
  Publisher publisher(az.logs.get(), &keys.LogKey("AZ"), &clock);

  absl::StatusOr<PublishResult> first = publisher.Publish(Return("AZ", "2020", 100));
  REQUIRE(first.ok());
  CHECK_FALSE(first->unchanged);
  REQUIRE(publisher.Publish(Return("AZ", "2021", 7)).ok());

  // The same cells again (a retried submit): nothing new is signed or stored.
  clock.Advance(absl::Hours(1));
  absl::StatusOr<PublishResult> again = publisher.Publish(Return("AZ", "2020", 100));
  REQUIRE(again.ok());
  CHECK(again->unchanged);
  CHECK(again->log_index == 0);
  CHECK(again->header.revision() == 1);
  CHECK(again->header.created_at() == first->header.created_at());
  CHECK(again->header.cells_root() == first->header.cells_root());
  CHECK(*az->LogSize("AZ") == 2);
  CHECK(again->checkpoint_note == az->LatestCheckpoint("AZ")->note());  // covers entry 0

  // Different cells make a new revision, and the old content after it is a change again.
  absl::StatusOr<PublishResult> changed = publisher.Publish(Return("AZ", "2020", 101));
  REQUIRE(changed.ok());
  CHECK_FALSE(changed->unchanged);
  CHECK(changed->header.revision() == 2);
  absl::StatusOr<PublishResult> back = publisher.Publish(Return("AZ", "2020", 100));
  REQUIRE(back.ok());
  CHECK_FALSE(back->unchanged);
  CHECK(back->header.revision() == 3);
  CHECK(*az->LogSize("AZ") == 4);
}

TEST_CASE("a publication cut off by a failed write and retried is stored once", "[publisher]") {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ");
  absl::StatusOr<std::unique_ptr<FaultyEngine>> opened = FaultyEngine::OpenRocksDb(dir.File("az"));
  REQUIRE(opened.ok());
  FaultyEngine* engine = opened->get();
  Store store(std::move(*opened));
  OriginLogs logs(&store, kTestFederation);
  Publisher publisher(&logs, &keys.LogKey("AZ"), &clock);
  engine->FailNextWrite();
  CHECK_FALSE(publisher.Publish(Return("AZ", "2020", 5)).ok());
  absl::StatusOr<PublishResult> retried = publisher.Publish(Return("AZ", "2020", 5));
  REQUIRE(retried.ok());
  CHECK_FALSE(retried->unchanged);  // the first attempt stored nothing
  absl::StatusOr<PublishResult> again = publisher.Publish(Return("AZ", "2020", 5));
  REQUIRE(again.ok());
  CHECK(again->unchanged);  // the second retry finds it stored
  CHECK(*store.LogSize("AZ") == 1);
}

TEST_CASE("a node whose clock is off signs no return, but still answers one it holds",
          "[publisher][clock]") {
  TempDir dir;
  FakeClock clock;
  RecordingLogger log;
  TestBundle keys = TestBundle().Add("AZ");
  TestNode az = OpenNode(dir, "az");
  ClockCheck check(&clock, &log, absl::Minutes(5));
  Publisher publisher(az.logs.get(), &keys.LogKey("AZ"), &clock, &check);
  REQUIRE(publisher.Publish(Return("AZ", "2020", 1)).ok());

  check.Note("KZ", clock.Now() - absl::Hours(24 * 30));  // this clock is 30 days ahead
  absl::Status refused = publisher.Publish(Return("AZ", "2021", 1)).status();
  CHECK(absl::IsInternal(refused));
  CHECK_THAT(std::string(refused.message()),
             Catch::Contains("refusing to sign the return of AZ for 2021"));
  CHECK(*az->LogSize("AZ") == 1);
  // Nothing to sign for a return already held.
  absl::StatusOr<PublishResult> held = publisher.Publish(Return("AZ", "2020", 1));
  REQUIRE(held.ok());
  CHECK(held->unchanged);

  check.Note("KZ", clock.Now());
  CHECK(publisher.Publish(Return("AZ", "2021", 1)).ok());
  CHECK(*az->LogSize("AZ") == 2);
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

TEST_CASE("nothing is signed while the own-log guard refuses, and the restored mark goes after",
          "[publisher][own-log]") {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ");
  TestNode az = OpenNode(dir, "az");
  REQUIRE(az->PutMeta(kRestoredMeta, "backup b, restored t").ok());
  OwnLogGuard guard(OwnLogGuard::Wait::kUntilAnswered);
  Publisher publisher(az.logs.get(), &keys.LogKey("AZ"), &clock);
  publisher.set_own_log_guard(&guard);
  guard.Stop();  // the wait returns at once: the test waits for nothing
  absl::Status refused = publisher.Publish(Return("AZ", "2020", 100)).status();
  CHECK(absl::IsUnavailable(refused));
  CHECK(absl::StrContains(refused.message(), "refusing to sign"));
  CHECK(*az->LogSize("AZ") == 0);
  CHECK(*az->GetMeta(kRestoredMeta) == "backup b, restored t");

  OwnLogGuard open(OwnLogGuard::Wait::kUntilAnswered);
  open.PeersAsked();
  open.PeerAnswered();
  open.NoteShown(1);  // a peer holds one entry this folder lacks
  publisher.set_own_log_guard(&open);
  refused = publisher.Publish(Return("AZ", "2020", 100)).status();
  CHECK(absl::StrContains(refused.message(), "recovering own log from peers: holds 0 entries"));
  CHECK(*az->LogSize("AZ") == 0);

  OwnLogGuard caught_up(OwnLogGuard::Wait::kUntilAnswered);
  caught_up.PeersAsked();
  caught_up.PeerAnswered();
  publisher.set_own_log_guard(&caught_up);
  REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
  CHECK(*az->LogSize("AZ") == 1);
  CHECK(az->GetMeta(kRestoredMeta)->empty());  // the mark has done its work
}

}  // namespace
}  // namespace ots
