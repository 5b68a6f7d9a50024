// Storage faults under a running node (issue 8): a Store over tests/fakes/faulty_engine.h, which
// wraps the real RocksDB engine and fails writes on command. A failed write (an I/O error, a
// failed WAL sync, a full disk) must store nothing that readers see and leave the change counter
// alone, fail with a code and message that say what failed and where, and leave the Publisher,
// the Replicator and their OriginLogs cache able to go on at the right log index once the fault
// clears, without reopening the store.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "crypto/note.h"
#include "node/log/checkpoint.h"
#include "node/log/publisher.h"
#include "node/query/audit.h"
#include "node/store/store.h"
#include "sync/replica.h"
#include "tests/fakes/faulty_engine.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {
namespace {

// One way a write can fail, as the engine reports it.
struct Fault {
  const char* name;
  void (*inject)(FaultyEngine&);
  absl::StatusCode code;
  const char* says;
};

const Fault kFaults[] = {
    {"a failed write", [](FaultyEngine& e) { e.FailNextWrite(); }, absl::StatusCode::kInternal,
     "injected write failure"},
    {"a failed WAL sync", [](FaultyEngine& e) { e.FailNextSyncedWrite(); },
     absl::StatusCode::kInternal, "While fdatasync"},
    {"a full disk", [](FaultyEngine& e) { e.SetDiskFull(true); },
     absl::StatusCode::kResourceExhausted, "No space left on device"},
};

// AZ's log, returns and checkpoints as a reader of the store sees them, and the change counter.
struct Seen {
  uint64_t log_size = 0;
  std::string checkpoint;
  std::vector<std::string> current;  // "period revision@index" for every current entry
  std::vector<std::string> cells;    // "period/revision: line" for every stored cell
  uint64_t changes = 0;

  bool operator==(const Seen& o) const {
    return log_size == o.log_size && checkpoint == o.checkpoint && current == o.current &&
           cells == o.cells && changes == o.changes;
  }
};

Seen Look(Store& store) {
  Seen seen;
  absl::StatusOr<uint64_t> size = store.LogSize("AZ");
  REQUIRE(size.ok());
  seen.log_size = *size;
  absl::StatusOr<v1::StoredCheckpoint> cp = store.LatestCheckpoint("AZ");
  seen.checkpoint = cp.ok() ? cp->SerializeAsString() : std::string(cp.status().message());
  REQUIRE(store
              .ForEachCurrent([&](absl::string_view origin, absl::string_view period,
                                  const v1::CurrentEntry& e) {
                seen.current.push_back(
                    absl::StrCat(origin, " ", period, " ", e.revision(), "@", e.log_index()));
                return absl::OkStatus();
              })
              .ok());
  REQUIRE(store
              .ForEachStoredCell([&](absl::string_view origin, absl::string_view period,
                                     uint64_t revision, absl::string_view line) {
                seen.cells.push_back(absl::StrCat(origin, "/", period, "/", revision, ": ", line));
                return absl::OkStatus();
              })
              .ok());
  seen.changes = store.ChangeCount();
  return seen;
}

// A node whose store runs over a FaultyEngine over RocksDB in `dir`/`name`.
struct FaultyNode {
  FaultyEngine* engine = nullptr;  // owned by node.store
  TestNode node;

  FaultyNode(const TempDir& dir, const std::string& name) {
    absl::StatusOr<std::unique_ptr<FaultyEngine>> opened =
        FaultyEngine::OpenRocksDb(dir.File(name));
    REQUIRE(opened.ok());
    engine = opened->get();
    node.store = std::make_unique<Store>(std::move(*opened));
    node.logs = std::make_unique<OriginLogs>(node.store.get(), kTestFederation);
  }
  Store& store() { return *node.store; }
};

// The error of a failed write: its code, the data folder and what failed.
void CheckError(const absl::Status& s, const Fault& fault, const std::string& folder) {
  INFO(s.ToString());
  CHECK(s.code() == fault.code);
  CHECK(absl::StrContains(s.message(), folder));
  CHECK(absl::StrContains(s.message(), fault.says));
}

// The logs in `store` pass the offline audit under `directory`'s bundle.
void CheckAudit(Store& store, const Directory& directory) {
  absl::Status audit = AuditStore(store, directory, nullptr);
  INFO(audit.ToString());
  CHECK(audit.ok());
}

TEST_CASE("a publication whose write fails stores nothing, the next one lands at its index",
          "[fault][store][publisher]") {
  for (const Fault& fault : kFaults) {
    DYNAMIC_SECTION(fault.name) {
      TempDir dir;
      FakeClock clock;
      PrivateKey key = *PrivateKey::Generate();
      FaultyNode az(dir, "az");
      Publisher publisher(az.node.logs.get(), &key, &clock);
      REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
      const Seen before = Look(az.store());
      const int writes = az.engine->writes().asked;

      fault.inject(*az.engine);
      absl::StatusOr<PublishResult> failed = publisher.Publish(Return("AZ", "2020", 101));
      CheckError(failed.status(), fault, dir.File("az"));
      CHECK(Look(az.store()) == before);
      CHECK(az.engine->writes().asked == writes + 1);
      CHECK(az.engine->writes().failed == 1);

      // Once the fault is gone the same store, logs and publisher go on: revision 2 at index 1,
      // superseding revision 1, under a checkpoint of size 2 that commits to both entries.
      az.engine->SetDiskFull(false);
      absl::StatusOr<PublishResult> next = publisher.Publish(Return("AZ", "2020", 101));
      INFO(next.status().ToString());
      REQUIRE(next.ok());
      CHECK(next->log_index == 1);
      CHECK(next->header.revision() == 2);
      CHECK(next->header.supersedes() ==
            HashBytes(Sha256(az.store().GetLogEntry("AZ", 0)->header().payload())));
      CHECK(az.store().ChangeCount() == before.changes + 1);
      absl::StatusOr<OriginLogs::TreeHead> head = az.node.logs->Head("AZ");
      REQUIRE(head.ok());
      CHECK(head->size == 2);
      absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(next->checkpoint_note);
      REQUIRE(cp.ok());
      CHECK(cp->size == 2);
      CHECK(cp->root == head->root);
      CheckAudit(az.store(), AuditDirectory({{"AZ", {key.public_key()}}}));
      CHECK(az.engine->writes().failed == 1);
    }
  }
}

TEST_CASE("a replicated batch whose write fails stores nothing, the same batch is accepted after",
          "[fault][store][replica]") {
  for (const Fault& fault : kFaults) {
    DYNAMIC_SECTION(fault.name) {
      TempDir dir;
      FakeClock clock;
      TestBundle keys = TestBundle().Add("AZ", {"KZ"}).Add("KZ", {}, false);
      Directory directory(keys.Bundle());
      TestNode az = OpenNode(dir, "az");
      Publisher publisher(az.logs.get(), &keys.LogKey("AZ"), &clock);
      REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
      REQUIRE(publisher.Publish(Return("AZ", "2021", 200)).ok());
      FaultyNode kz(dir, "kz");
      Replicator replicator(kz.node.logs.get(), &directory, "KZ");
      absl::StatusOr<ReplicaBatch> batch = ExportBatch(*az.logs, "AZ", 0);
      REQUIRE(batch.ok());
      const Seen before = Look(kz.store());
      REQUIRE(before.log_size == 0);

      fault.inject(*kz.engine);
      CheckError(replicator.Accept(*batch).status(), fault, dir.File("kz"));
      CHECK(Look(kz.store()) == before);

      kz.engine->SetDiskFull(false);
      absl::StatusOr<uint64_t> accepted = replicator.Accept(*batch);
      INFO(accepted.status().ToString());
      REQUIRE(accepted.ok());
      CHECK(*accepted == 2);
      CHECK(kz.store().ChangeCount() == before.changes + 1);
      // And the next batch continues from there on the same logs.
      REQUIRE(publisher.Publish(Return("AZ", "2020", 101)).ok());
      absl::StatusOr<ReplicaBatch> more = ExportBatch(*az.logs, "AZ", 2);
      REQUIRE(more.ok());
      absl::StatusOr<uint64_t> grown = replicator.Accept(*more);
      INFO(grown.status().ToString());
      REQUIRE(grown.ok());
      CHECK(*grown == 3);
      CHECK(Look(kz.store()).cells == Look(*az.store).cells);
      CheckAudit(kz.store(), directory);
    }
  }
}

TEST_CASE("a full disk fails every write until it is cleared, reads keep working",
          "[fault][store]") {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ", {"KZ"}).Add("KZ");
  const PrivateKey& key = keys.LogKey("AZ");
  const PrivateKey& witness = keys.WitnessKey("KZ");
  FaultyNode az(dir, "az");
  Publisher publisher(az.node.logs.get(), &key, &clock);
  REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
  const std::string note = az.store().LatestCheckpoint("AZ")->note();
  const Seen before = Look(az.store());

  az.engine->SetDiskFull(true);
  const Fault& full = kFaults[2];
  for (int attempt = 0; attempt < 3; ++attempt) {
    CheckError(publisher.Publish(Return("AZ", "2021", 200 + attempt)).status(), full,
               dir.File("az"));
  }
  CheckError(az.store().AddCosignatures("AZ", 1, {CosignLine(note, "KZ", witness)}).status(), full,
             dir.File("az"));
  v1::Evidence evidence;
  evidence.set_origin("AZ");
  evidence.set_note_a(note);
  evidence.set_note_b(note + " ");
  CheckError(az.store().PutEvidence(evidence).status(), full, dir.File("az"));
  CheckError(az.store().PutMeta("probe", "1"), full, dir.File("az"));
  CHECK(az.engine->writes().failed == 6);

  // Everything already stored still reads back.
  CHECK(Look(az.store()) == before);
  CHECK(az.store().ReadLog("AZ")->size() == 1);
  CHECK(az.store().GetCheckpoint("AZ", 1)->note() == note);
  CHECK(az.store().GetMeta(kNodeOriginMeta).value_or("") == "AZ");
  CHECK(az.store().ListEvidence("AZ")->empty());
  CHECK(absl::IsNotFound(az.store().GetMeta("probe").status()));
  CHECK(az.store().VerifyChecksums().ok());

  az.engine->SetDiskFull(false);
  absl::StatusOr<PublishResult> next = publisher.Publish(Return("AZ", "2021", 200));
  REQUIRE(next.ok());
  CHECK(next->log_index == 1);
  CHECK(az.store().AddCosignatures("AZ", 1, {CosignLine(note, "KZ", witness)}).value_or(0) == 1);
  CHECK(az.store().PutMeta("probe", "1").ok());
  CHECK(az.engine->writes().failed == 6);
  CheckAudit(az.store(), Directory(keys.Bundle()));
}

TEST_CASE("a failed WAL sync fails the next synced write only", "[fault][store]") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<FaultyEngine>> engine = FaultyEngine::OpenRocksDb(dir.File("db"));
  REQUIRE(engine.ok());
  FaultyEngine& e = **engine;
  auto write = [&](absl::string_view key, bool sync) {
    std::unique_ptr<WriteBatch> batch = e.NewBatch(0);
    batch->Put(StoreTable::kMeta, key, "v");
    return e.Write(*batch, sync);
  };
  auto has = [&](absl::string_view key) {
    std::string value;
    return e.Get(StoreTable::kMeta, key, &value).ok();
  };
  e.FailNextSyncedWrite();
  CHECK(write("unsynced", /*sync=*/false).ok());
  CHECK(has("unsynced"));
  CheckError(write("synced", /*sync=*/true), kFaults[1], dir.File("db"));
  CHECK_FALSE(has("synced"));
  CHECK(write("synced", /*sync=*/true).ok());
  CHECK(has("synced"));
  CHECK(e.writes().asked == 3);
  CHECK(e.writes().failed == 1);
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

TEST_CASE("a store whose write failed is degraded until the engine recovers, and says so once",
          "[fault][store]") {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ");
  FaultyNode az(dir, "az");
  std::vector<std::string> events;
  az.store().SetHealthListener([&](const absl::Status& s) { events.push_back(s.ToString()); });
  Publisher publisher(az.node.logs.get(), &keys.LogKey("AZ"), &clock);
  REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
  CHECK(az.store().WriteFailure().ok());
  CHECK(az.engine->recoveries() == 0);  // a healthy store never asks

  az.engine->SetDiskFull(true);
  for (int i = 0; i < 3; ++i) {
    CHECK(absl::IsResourceExhausted(publisher.Publish(Return("AZ", "2021", 200)).status()));
  }
  CHECK(absl::IsResourceExhausted(az.store().WriteFailure()));
  CHECK(az.store().FailedWrites() == 3);
  // Each later write asked the engine to recover first; WriteFailure asks too.
  CHECK(az.engine->recoveries() == 3);
  REQUIRE(events.size() == 1);  // degraded: said once
  CHECK_THAT(events[0], Catch::Contains("No space left on device"));

  // Room again: the store heals by itself at the next look, without a write or a reopen by
  // the caller.
  az.engine->SetDiskFull(false);
  CHECK(az.store().WriteFailure().ok());
  CHECK(az.store().FailedWrites() == 0);
  REQUIRE(events.size() == 2);
  CHECK(events[1] == "OK");
  absl::StatusOr<PublishResult> next = publisher.Publish(Return("AZ", "2021", 200));
  REQUIRE(next.ok());
  CHECK(next->log_index == 1);
  CheckAudit(az.store(), Directory(keys.Bundle()));
}

}  // namespace
}  // namespace ots
