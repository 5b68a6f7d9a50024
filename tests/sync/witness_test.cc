// Tests for sync/witness: checking a checkpoint against the local log (prefix, ahead,
// contradiction), cosigning stored and offered checkpoints with the witness key, keeping only
// cosignature lines of the bundle's witnesses, and recording evidence once, which freezes the
// origin.
#include "sync/witness.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "node/log/evidence.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "sync/replica.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

// AZ's node (`az`) and a forked history under AZ's key (`fork`); KZ's node (`kz`) holds AZ's
// first two returns and witnesses with `kz_witness_key`.
struct Net : ForkedOrigin {
  Witness& witness = kz_witness;

  Net() {
    Publish(100);
    Publish(101);
    PublishFork(900);
    PublishFork(901);
    absl::StatusOr<ReplicaBatch> batch = ExportBatch(*az.logs, "AZ", 0);
    REQUIRE(batch.ok());
    Replicator replicator(kz.logs.get(), &directory, "KZ");
    REQUIRE(replicator.Accept(*batch).ok());
  }

  std::string AzNote(uint64_t size) { return az->GetCheckpoint("AZ", size)->note(); }
  std::string ForkNote(uint64_t size) { return fork->GetCheckpoint("AZ", size)->note(); }
  VerifiedCheckpoint Verified(const std::string& note) {
    absl::StatusOr<VerifiedCheckpoint> cp =
        VerifyOriginCheckpoint(kTestFederation, "AZ", {az_key.public_key()}, note);
    REQUIRE(cp.ok());
    return *cp;
  }
  absl::Status Check(const std::string& note) {
    return witness.CheckAgainstLocal("AZ", Verified(note), note, "HU");
  }
  size_t EvidenceCount() { return kz->ListEvidence("AZ")->size(); }
};

TEST_CASE("a checkpoint of the local log or a prefix of it holds", "[sync]") {
  Net n;
  CHECK(n.Check(n.AzNote(1)).ok());
  CHECK(n.Check(n.AzNote(2)).ok());
  CHECK(n.EvidenceCount() == 0);
  CHECK_FALSE(*n.witness.Frozen("AZ"));
}

TEST_CASE("a checkpoint ahead of the local log cannot be judged yet", "[sync]") {
  Net n;
  n.Publish(5, "2021");
  absl::Status s = n.Check(n.AzNote(3));
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(n.EvidenceCount() == 0);
}

TEST_CASE("a checkpoint that contradicts the local log is kept as evidence", "[sync]") {
  Net n;
  SECTION("the same size") {
    absl::Status s = n.Check(n.ForkNote(2));
    INFO(s.message());
    CHECK(absl::IsAborted(s));
    CHECK(absl::StrContains(s.message(), "split view"));
  }
  SECTION("a smaller size") {
    absl::Status s = n.Check(n.ForkNote(1));
    CHECK(absl::IsAborted(s));
    REQUIRE(n.EvidenceCount() == 1);
    CHECK(n.kz->ListEvidence("AZ")->at(0).leaf_hashes_size() == 2);
  }
  std::vector<v1::Evidence> evidence = *n.kz->ListEvidence("AZ");
  REQUIRE(evidence.size() == 1);
  absl::Status verified = VerifyEvidence(evidence[0], kTestFederation, {n.az_key.public_key()});
  INFO(verified.message());
  CHECK(verified.ok());
  CHECK(evidence[0].reported_by() == "KZ");
  CHECK(evidence[0].detected_at() ==
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", n.clock.Now(), absl::UTCTimeZone()));
  CHECK(*n.witness.Frozen("AZ"));
  CHECK(n.logger.Count("ALARM split view, AZ frozen") == 1);
}

TEST_CASE("a stored checkpoint is cosigned once with the witness key", "[sync]") {
  Net n;
  absl::StatusOr<std::string> line = n.witness.CosignStored("AZ", 2);
  REQUIRE(line.ok());
  CHECK(CosignatureVerifies(n.AzNote(2), *line, "KZ", n.kz_witness_key.public_key()));
  CHECK_FALSE(CosignatureVerifies(n.AzNote(1), *line, "KZ", n.kz_witness_key.public_key()));
  absl::StatusOr<v1::StoredCheckpoint> stored = n.kz->GetCheckpoint("AZ", 2);
  REQUIRE(stored.ok());
  REQUIRE(stored->cosignature_lines_size() == 1);
  CHECK(stored->cosignature_lines(0) == *line);

  // Later, with another timestamp: the first line is kept and returned.
  n.clock.Advance(absl::Hours(1));
  absl::StatusOr<std::string> again = n.witness.CosignStored("AZ", 2);
  REQUIRE(again.ok());
  CHECK(*again == *line);
  CHECK(n.kz->GetCheckpoint("AZ", 2)->cosignature_lines_size() == 1);

  // A size with no stored checkpoint.
  CHECK(absl::IsNotFound(n.witness.CosignStored("AZ", 3).status()));
}

TEST_CASE("a witness without a key cosigns nothing", "[sync]") {
  Net n;
  Witness keyless(n.kz.logs.get(), &n.directory, "KZ", nullptr, &n.clock, &n.logger);
  CHECK(absl::IsFailedPrecondition(keyless.CosignStored("AZ", 2).status()));
  CHECK(absl::IsFailedPrecondition(keyless.Cosign("AZ", n.AzNote(2), "HU").status()));
  CHECK(n.kz->GetCheckpoint("AZ", 2)->cosignature_lines_size() == 0);
}

TEST_CASE("Cosign signs only checkpoints of the origin that hold against the local log", "[sync]") {
  Net n;
  SECTION("the stored checkpoint") {
    absl::StatusOr<std::string> line = n.witness.Cosign("AZ", n.AzNote(2), "HU");
    REQUIRE(line.ok());
    CHECK(CosignatureVerifies(n.AzNote(2), *line, "KZ", n.kz_witness_key.public_key()));
    CHECK(n.kz->GetCheckpoint("AZ", 2)->cosignature_lines(0) == *line);
  }
  SECTION("a prefix") {
    absl::StatusOr<std::string> line = n.witness.Cosign("AZ", n.AzNote(1), "HU");
    REQUIRE(line.ok());
    CHECK(CosignatureVerifies(n.AzNote(1), *line, "KZ", n.kz_witness_key.public_key()));
  }
  SECTION("not signed by the origin") {
    absl::StatusOr<Note> parsed = ParseNote(n.AzNote(2));
    REQUIRE(parsed.ok());
    Note forged{parsed->text, {}};
    REQUIRE(SignNote(&forged, LogName(kTestFederation, "AZ"), n.stranger_key).ok());
    CHECK(absl::IsInvalidArgument(n.witness.Cosign("AZ", FormatNote(forged), "HU").status()));
    CHECK(n.kz->GetCheckpoint("AZ", 2)->cosignature_lines_size() == 0);
  }
  SECTION("ahead of the local log") {
    n.Publish(5, "2021");
    CHECK(absl::IsFailedPrecondition(n.witness.Cosign("AZ", n.AzNote(3), "HU").status()));
  }
  SECTION("a fork") {
    CHECK(absl::IsAborted(n.witness.Cosign("AZ", n.ForkNote(2), "HU").status()));
    CHECK(n.EvidenceCount() == 1);
    CHECK(n.kz->GetCheckpoint("AZ", 2)->cosignature_lines_size() == 0);
  }
}

TEST_CASE("only cosignature lines of the bundle's witnesses over that note are kept", "[sync]") {
  Net n;
  const std::string note = n.AzNote(2);
  const std::string hu = CosignLine(note, "HU", n.hu_witness_key);
  const std::string kz = CosignLine(note, "KZ", n.kz_witness_key);
  std::string altered = hu;
  altered[altered.size() - 10] = altered[altered.size() - 10] == 'A' ? 'B' : 'A';
  const std::string stranger = CosignLine(note, "HU", n.stranger_key);
  const std::string misnamed = CosignLine(note, "AZ", n.hu_witness_key);  // HU's key, AZ's name
  const std::string other_note = CosignLine(n.AzNote(1), "HU", n.hu_witness_key);
  // The origin's own signature line is not a cosignature.
  absl::StatusOr<Note> parsed = ParseNote(note);
  REQUIRE(parsed.ok());
  const std::string log_line = note.substr(parsed->text.size() + 1);
  REQUIRE(absl::StartsWith(log_line, "\u2014 ots-mx/log/AZ "));
  const std::string two_lines = hu + kz;

  std::vector<std::string> kept = n.witness.VerifiedCosignatures(
      note, {stranger, hu, altered, misnamed, other_note, log_line, two_lines, "junk\n", kz});
  CHECK(kept == std::vector<std::string>{hu, kz});
  // Over a note that does not parse, nothing is kept.
  CHECK(n.witness.VerifiedCosignatures("not a note", {hu}).empty());
}

TEST_CASE("evidence is recorded once, stamped, and freezes only its origin", "[sync]") {
  Net n;
  absl::StatusOr<v1::Evidence> e =
      MakeEvidence("AZ", n.AzNote(2), n.ForkNote(2), {}, "seen in a test");
  REQUIRE(e.ok());
  CHECK_FALSE(*n.witness.Frozen("AZ"));
  REQUIRE(n.witness.Record(*e, "HU").ok());
  REQUIRE(n.witness.Record(*e, "HU").ok());
  std::vector<v1::Evidence> stored = *n.kz->ListEvidence("AZ");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].reported_by() == "KZ");
  CHECK_FALSE(stored[0].detected_at().empty());
  CHECK(stored[0].note_a() == n.AzNote(2));
  CHECK(stored[0].note_b() == n.ForkNote(2));
  CHECK(n.logger.Count("ALARM") == 1);
  CHECK(*n.witness.Frozen("AZ"));
  CHECK_FALSE(*n.witness.Frozen("A"));
  CHECK_FALSE(*n.witness.Frozen("KZ"));

  // Evidence first reported by another node keeps its reporter and time.
  absl::StatusOr<v1::Evidence> other =
      MakeEvidence("AZ", n.AzNote(1), n.ForkNote(1), {}, "from HU");
  REQUIRE(other.ok());
  other->set_reported_by("HU");
  other->set_detected_at("2026-01-01T00:00:00Z");
  REQUIRE(n.witness.Record(*other, "HU").ok());
  bool found = false;
  absl::StatusOr<std::vector<v1::Evidence>> all = n.kz->ListEvidence("AZ");
  REQUIRE(all.ok());
  for (const v1::Evidence& x : *all) {
    if (x.note_a() == n.AzNote(1)) {
      found = true;
      CHECK(x.reported_by() == "HU");
      CHECK(x.detected_at() == "2026-01-01T00:00:00Z");
    }
  }
  CHECK(found);
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

TEST_CASE("a witness whose clock is off cosigns nothing, and cosignatures dated ahead do not count",
          "[sync][clock]") {
  Net n;
  ClockCheck check(&n.clock, &n.logger, absl::Minutes(5));
  n.witness.set_clock_check(&check);
  REQUIRE(n.witness.Cosign("AZ", n.AzNote(2), "HU").ok());

  check.Note("HU", n.clock.Now() + absl::Hours(24 * 30));  // this clock is 30 days behind
  absl::StatusOr<std::string> refused = n.witness.Cosign("AZ", n.AzNote(1), "HU");
  CHECK(absl::IsInternal(refused.status()));
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains("refusing to sign a cosignature") && Catch::Contains("30d behind"));

  // HU's cosignatures: one dated now, one dated 30 days ahead of KZ's clock.
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixSeconds(n.clock.Now()));
  const std::string note = n.AzNote(2);
  const std::string today = CosignLine(note, "HU", n.hu_witness_key, now);
  const std::string ahead = CosignLine(note, "HU", n.hu_witness_key, now + 30 * 86400);
  CHECK(n.witness.VerifiedCosignatures(note, {today}).size() == 1);
  CHECK(n.witness.VerifiedCosignatures(note, {ahead}).empty());
}

}  // namespace
}  // namespace ots
