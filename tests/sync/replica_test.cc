// Tests for sync/replica: a batch exported from the origin's store is verified and stored by a
// peer; a forged header, a tampered cell, a reordered or dropped entry, a checkpoint under
// another key or with another root, a wrong start, and a member the sharing policy excludes are
// each refused with nothing stored.
#include "sync/replica.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "node/base/rfc3339.h"
#include "node/log/checkpoint.h"
#include "node/log/names.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "node/query/audit.h"
#include "node/query/query.h"
#include "node/store/store.h"
#include "sync/witness.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

struct Federation {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ", {"KZ"}).Add("KZ").Add("HU");
  Directory directory{keys.Bundle()};
  const PrivateKey& az_key = keys.LogKey("AZ");
  TestNode az = OpenNode(dir, "az");
  TestNode kz = OpenNode(dir, "kz");
  Publisher publisher{az.logs.get(), &az_key, &clock};

  void Publish(const std::string& period, int value) {
    REQUIRE(publisher.Publish(Return("AZ", period, value)).ok());
  }
  ReplicaBatch Export(uint64_t from) {
    absl::StatusOr<ReplicaBatch> batch = ExportBatch(*az.logs, "AZ", from);
    REQUIRE(batch.ok());
    return *batch;
  }
  const Directory& Trusted() const { return directory; }
};

// Accept must fail with `code` and a message containing `text`, storing nothing.
void Refused(Federation& f, Replicator& r, const ReplicaBatch& batch, absl::StatusCode code,
             const std::string& text) {
  const uint64_t before = *f.kz->LogSize("AZ");
  absl::StatusOr<uint64_t> result = r.Accept(batch);
  REQUIRE_FALSE(result.ok());
  INFO(result.status().message());
  CHECK(result.status().code() == code);
  CHECK(absl::StrContains(result.status().message(), text));
  CHECK(*f.kz->LogSize("AZ") == before);
}

TEST_CASE("a peer's batch is verified and stored, then extended", "[replica]") {
  Federation f;
  f.Publish("2020", 8398);
  f.Publish("2020", 8400);  // revision 2
  f.Publish("2019", 8000);
  Replicator kz(f.kz.logs.get(), &f.directory, "KZ");
  absl::StatusOr<uint64_t> size = kz.Accept(f.Export(0));
  REQUIRE(size.ok());
  CHECK(*size == 3);

  // The replica holds exactly the origin's log and current view, and passes the audit.
  std::vector<v1::LogEntry> replica = *f.kz->ReadLog("AZ"), original = *f.az->ReadLog("AZ");
  REQUIRE(replica.size() == original.size());
  for (size_t i = 0; i < replica.size(); ++i) {
    CHECK(replica[i].SerializeAsString() == original[i].SerializeAsString());
  }
  CHECK(f.kz->LatestCheckpoint("AZ")->note() == f.az->LatestCheckpoint("AZ")->note());
  std::vector<std::string> report;
  absl::Status audit = AuditStore(*f.kz, f.Trusted(), &report);
  INFO(audit.message());
  CHECK(audit.ok());
  CHECK(QueryCells(*f.kz.logs, CellFilter())->rows == QueryCells(*f.az.logs, CellFilter())->rows);
  CHECK(*f.kz->GetMeta(kFederationMeta) == kTestFederation);

  // Later returns arrive as a batch from the replica's size.
  f.Publish("2021", 9000);
  size = kz.Accept(f.Export(3));
  REQUIRE(size.ok());
  CHECK(*size == 4);
  CHECK(AuditStore(*f.kz, f.Trusted(), nullptr).ok());
  // A batch that does not start at the replica's size is refused.
  Refused(f, kz, f.Export(2), absl::StatusCode::kFailedPrecondition, "the batch starts at 2");
}

TEST_CASE("forged, tampered, reordered and dropped entries are refused", "[replica]") {
  Federation f;
  f.Publish("2020", 8398);
  f.Publish("2020", 8400);
  Replicator kz(f.kz.logs.get(), &f.directory, "KZ");

  SECTION("forged header") {
    ReplicaBatch b = f.Export(0);
    std::string* payload = b.entries[1].mutable_header()->mutable_payload();
    (*payload)[payload->find("value_sum") + 10] ^= 1;
    Refused(f, kz, b, absl::StatusCode::kInvalidArgument, "AZ log index 1: header signature");
  }
  SECTION("tampered cell") {
    ReplicaBatch b = f.Export(0);
    CellLines lines;
    for (size_t i = 0; i < b.cells[0].size(); ++i) {
      std::string line(b.cells[0][i]);
      if (absl::StrContains(line, ",TJ,_T,F,")) {
        line = "AZ,2020,TJ,_T,F,_T,8399,A,F,STK";
      }
      lines.Add(line);
    }
    b.cells[0] = lines;
    Refused(f, kz, b, absl::StatusCode::kInvalidArgument,
            "AZ log index 0 (2020 revision 1): cells root");
  }
  SECTION("dropped cell") {
    ReplicaBatch b = f.Export(0);
    CellLines lines;
    for (size_t i = 1; i < b.cells[0].size(); ++i) {
      lines.Add(b.cells[0][i]);
    }
    b.cells[0] = lines;
    Refused(f, kz, b, absl::StatusCode::kInvalidArgument, "cell count");
  }
  SECTION("entries reordered") {
    ReplicaBatch b = f.Export(0);
    std::swap(b.entries[0], b.entries[1]);
    std::swap(b.cells[0], b.cells[1]);
    Refused(f, kz, b, absl::StatusCode::kInvalidArgument, "revision chain");
  }
  SECTION("an entry dropped") {
    ReplicaBatch b = f.Export(0);
    b.entries.pop_back();
    b.cells.pop_back();
    Refused(f, kz, b, absl::StatusCode::kInvalidArgument, "the batch ends at 1");
  }
  SECTION("checkpoint under another key") {
    ReplicaBatch b = f.Export(0);
    PrivateKey other = *PrivateKey::Generate();
    absl::StatusOr<Note> note = ParseNote(b.checkpoint_note);
    REQUIRE(note.ok());
    Note forged;
    forged.text = note->text;
    REQUIRE(SignNote(&forged, LogName(kTestFederation, "AZ"), other).ok());
    b.checkpoint_note = FormatNote(forged);
    Refused(f, kz, b, absl::StatusCode::kInvalidArgument,
            "not signed by a log key of AZ in the trust bundle");
  }
  SECTION("checkpoint with another root, validly signed") {
    // The origin's own signature over a root that is not that of these entries.
    ReplicaBatch b = f.Export(0);
    absl::StatusOr<Note> note = ParseNote(b.checkpoint_note);
    REQUIRE(note.ok());
    absl::StatusOr<Checkpoint> cp = ParseCheckpoint(note->text);
    REQUIRE(cp.ok());
    cp->root[0] ^= 1;
    Note other;
    other.text = FormatCheckpoint(*cp);
    REQUIRE(SignNote(&other, LogName(kTestFederation, "AZ"), f.az_key).ok());
    b.checkpoint_note = FormatNote(other);
    Refused(f, kz, b, absl::StatusCode::kInvalidArgument,
            "its root is not the root of this node's log extended by the batch");
  }
}

TEST_CASE("the sharing policy is enforced by the receiver too", "[replica]") {
  Federation f;
  f.Publish("2020", 8398);
  Replicator hu(f.kz.logs.get(), &f.directory, "HU");
  Refused(f, hu, f.Export(0), absl::StatusCode::kPermissionDenied,
          "AZ does not share its data with HU");
  ReplicaBatch b = f.Export(0);
  b.origin = "TM";
  Replicator kz(f.kz.logs.get(), &f.directory, "KZ");
  absl::StatusOr<uint64_t> r = kz.Accept(b);
  CHECK(absl::IsPermissionDenied(r.status()));
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

TEST_CASE("a header dated beyond the clock bound in the future is refused until that date",
          "[replica][clock]") {
  Federation f;
  f.Publish("2020", 1);
  // AZ's clock runs 30 days ahead when it signs the next return.
  f.clock.Advance(absl::Hours(24 * 30));
  f.Publish("2021", 2);
  f.clock.Advance(-absl::Hours(24 * 30));
  RecordingLogger log;
  ClockCheck check(&f.clock, &log, absl::Minutes(5));
  Replicator kz(f.kz.logs.get(), &f.directory, "KZ");
  kz.set_clock_check(&check);
  Refused(f, kz, f.Export(0), absl::StatusCode::kInvalidArgument,
          "AZ log index 1 (2021 revision 1) is dated ");
  // The first entry alone is fine; the second is accepted once its date has come.
  ReplicaBatch first = f.Export(0);
  first.entries.resize(1);
  first.cells.resize(1);
  first.checkpoint_note = f.az->GetCheckpoint("AZ", 1)->note();
  REQUIRE(kz.Accept(first).ok());
  f.clock.Advance(absl::Hours(24 * 30));
  CHECK(kz.Accept(f.Export(1)).value_or(0) == 2);
}

TEST_CASE("a log key rotation: each entry and checkpoint verifies under the key valid at its time",
          "[replica][rotation]") {
  // AZ's first key until T, a second from T (the bundle of a rotation).
  TestBundle keys = TestBundle().Add("AZ", {"KZ"}).Add("KZ");
  TempDir dir;
  FakeClock clock;
  const absl::Time t = clock.Now() + absl::Hours(1);
  const PrivateKey second = *PrivateKey::Generate();
  v1::TrustBundle bundle = keys.Bundle();
  v1::Member* az = bundle.mutable_members(0);
  REQUIRE(az->code() == "AZ");
  az->mutable_log_keys(0)->set_valid_until(Rfc3339(t));
  v1::PublicKeyEntry* next = az->add_log_keys();
  next->set_ed25519(second.public_key().raw());
  next->set_valid_from(Rfc3339(t));
  const Directory directory{bundle};
  TestNode origin = OpenNode(dir, "az");
  TestNode kz = OpenNode(dir, "kz");
  Publisher publisher{origin.logs.get(), &keys.LogKey("AZ"), &clock};
  publisher.set_key_choice([&](absl::Time now) -> absl::StatusOr<const PrivateKey*> {
    return now < t ? &keys.LogKey("AZ") : &second;
  });
  REQUIRE(publisher.Publish(Return("AZ", "2020", 1)).ok());  // the first key
  clock.Advance(absl::Hours(2));
  absl::StatusOr<PublishResult> after = publisher.Publish(Return("AZ", "2021", 2));
  REQUIRE(after.ok());
  CHECK(after->header.key_id() == second.public_key().KeyId());
  // The folder's log follows the key the choice made.
  CHECK(*origin->GetMeta(absl::StrCat(kLogPublicKeyMeta, "AZ")) == second.public_key().ToPem());

  Replicator replica(kz.logs.get(), &directory, "KZ");
  absl::StatusOr<ReplicaBatch> batch = ExportBatch(*origin.logs, "AZ", 0);
  REQUIRE(batch.ok());
  REQUIRE(replica.Accept(*batch).value_or(0) == 2);
  std::vector<std::string> report;
  absl::Status audit = AuditStore(*kz, directory, &report);
  INFO(audit.message());
  CHECK(audit.ok());

  // A note of size 2 with another root: by the key valid then, proof of a split view; by the
  // first key, ended before that entry was signed (a stolen retired key), no proof of anything.
  RecordingLogger log;
  Witness witness(kz.logs.get(), &directory, "KZ", {}, &clock, &log);
  auto note_by = [&](const PrivateKey& key) {
    Checkpoint cp;
    cp.origin = LogName(kTestFederation, "AZ");
    cp.size = 2;
    cp.root = Sha256("another history");
    Note note{FormatCheckpoint(cp), {}};
    REQUIRE(SignNote(&note, cp.origin, key).ok());
    return FormatNote(note);
  };
  const std::string retired = note_by(keys.LogKey("AZ"));
  absl::StatusOr<VerifiedCheckpoint> by_retired =
      VerifyOriginCheckpoint(kTestFederation, "AZ", directory.LogKeys("AZ"), retired);
  REQUIRE(by_retired.ok());
  absl::Status not_evidence = witness.CheckAgainstLocal("AZ", *by_retired, retired, "HU");
  INFO(not_evidence.message());
  CHECK(absl::IsInvalidArgument(not_evidence));
  CHECK(absl::StrContains(not_evidence.message(), "is after the key's valid_until"));
  CHECK(kz->ListEvidence("AZ")->empty());
  const std::string current = note_by(second);
  absl::StatusOr<VerifiedCheckpoint> by_current =
      VerifyOriginCheckpoint(kTestFederation, "AZ", directory.LogKeys("AZ"), current);
  REQUIRE(by_current.ok());
  CHECK(absl::IsAborted(witness.CheckAgainstLocal("AZ", *by_current, current, "HU")));
  CHECK(kz->ListEvidence("AZ")->size() == 1);

  // The first key signing after its end: refused, whether in a header or a checkpoint.
  TestNode late = OpenNode(dir, "late");
  Publisher stale{late.logs.get(), &keys.LogKey("AZ"), &clock};
  REQUIRE(stale.Publish(Return("AZ", "2022", 3)).ok());
  TestNode kz2 = OpenNode(dir, "kz2");
  Replicator replica2(kz2.logs.get(), &directory, "KZ");
  absl::StatusOr<uint64_t> refused = replica2.Accept(*ExportBatch(*late.logs, "AZ", 0));
  INFO(refused.status().message());
  CHECK(absl::IsInvalidArgument(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "is after the key's valid_until"));
  CHECK(*kz2->LogSize("AZ") == 0);
  // The audit of a folder holding such an entry says so too.
  report.clear();
  absl::Status late_audit = AuditStore(*late, directory, &report);
  CHECK(absl::IsDataLoss(late_audit));
  CHECK(absl::StrContains(late_audit.message(), "is after the key's valid_until"));
}

}  // namespace
}  // namespace ots
