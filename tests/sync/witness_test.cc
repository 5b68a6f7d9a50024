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
#include "node/base/rfc3339.h"
#include "node/log/checkpoint.h"
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

// KZ rotates its witness key: bundle version 2 lists a new key from `t` and ends the old one an
// hour later.
struct Rotation : Net {
  PrivateKey kz_new = *PrivateKey::Generate();
  absl::Time t = clock.Now() + absl::Hours(24);

  Rotation() {
    v1::TrustBundle b = keys.Bundle();
    b.set_version(2);
    for (v1::Member& m : *b.mutable_members()) {
      if (m.code() == "KZ") {
        m.mutable_witness_keys(0)->set_valid_until(Rfc3339(t + absl::Hours(1)));
        v1::PublicKeyEntry* next = m.add_witness_keys();
        next->set_ed25519(kz_new.public_key().raw());
        next->set_valid_from(Rfc3339(t));
      }
    }
    REQUIRE(directory.Update(TrustAnchor{{}, {}, {}, b}).ok());
  }
  uint64_t Seconds(absl::Time at) { return static_cast<uint64_t>(absl::ToUnixSeconds(at)); }
  std::vector<std::string> Lines(uint64_t size) {
    absl::StatusOr<v1::StoredCheckpoint> cp = kz->GetCheckpoint("AZ", size);
    REQUIRE(cp.ok());
    return {cp->cosignature_lines().begin(), cp->cosignature_lines().end()};
  }
};

TEST_CASE("a witness key rotation: the new key takes over at its time and cosigns again",
          "[sync][rotation]") {
  Rotation n;
  Witness rotating(n.kz.logs.get(), &n.directory, "KZ", {&n.kz_witness_key, &n.kz_new}, &n.clock,
                   &n.logger);
  // Before the new key's time: the old key, and nothing to cosign again.
  REQUIRE(rotating.CosignLatestOnKeyChange().value_or(-1) == 1);  // AZ's latest, not yet cosigned
  CHECK(n.logger.Count("witness: now cosigning with witness key") == 1);
  REQUIRE(n.Lines(2).size() == 1);
  CHECK(CosignatureVerifies(n.AzNote(2), n.Lines(2)[0], "KZ", n.kz_witness_key.public_key()));
  CHECK(rotating.CosignLatestOnKeyChange().value_or(-1) == 0);

  // From the new key's time on: the latest checkpoint is cosigned again, once, with the new key;
  // the old line stays (it was valid when made).
  n.clock.Advance(absl::Hours(25));
  CHECK(rotating.CosignLatestOnKeyChange().value_or(-1) == 1);
  const std::vector<std::string> lines = n.Lines(2);
  REQUIRE(lines.size() == 2);
  CHECK(CosignatureVerifies(n.AzNote(2), lines[0], "KZ", n.kz_witness_key.public_key()));
  CHECK(CosignatureVerifies(n.AzNote(2), lines[1], "KZ", n.kz_new.public_key()));
  CHECK(n.logger.Count(absl::StrCat("witness: now cosigning with witness key ",
                                    n.kz_new.public_key().KeyId(),
                                    "; cosigned the latest checkpoint of 1 logs again")) == 1);
  CHECK(rotating.CosignLatestOnKeyChange().value_or(-1) == 0);
  CHECK(n.logger.Count("witness: now cosigning with witness key") == 2);
  CHECK(n.Lines(2).size() == 2);
  // Asked again, the witness answers with its new key's line.
  absl::StatusOr<std::string> again = rotating.CosignStored("AZ", 2);
  REQUIRE(again.ok());
  CHECK(*again == lines[1]);
  // Both lines of the rotation count: each key was valid when it cosigned.
  CHECK(rotating.VerifiedCosignatures(n.AzNote(2), lines) == lines);

  // A frozen origin is not cosigned again.
  Rotation frozen;
  REQUIRE(frozen.Check(frozen.ForkNote(2)).code() == absl::StatusCode::kAborted);
  Witness later(frozen.kz.logs.get(), &frozen.directory, "KZ", {&frozen.kz_new}, &frozen.clock,
                &frozen.logger);
  frozen.clock.Advance(absl::Hours(25));
  CHECK(later.CosignLatestOnKeyChange().value_or(-1) == 0);
  CHECK(frozen.Lines(2).empty());
}

TEST_CASE("a cosignature counts only if its key was valid when it cosigned", "[sync][rotation]") {
  Rotation n;
  const std::string note = n.AzNote(2);
  const uint64_t before = n.Seconds(n.t - absl::Hours(1));
  const uint64_t after_end = n.Seconds(n.t + absl::Hours(2));
  const std::string old_in_time = CosignLine(note, "KZ", n.kz_witness_key, before);
  const std::string old_too_late = CosignLine(note, "KZ", n.kz_witness_key, after_end);
  const std::string new_too_early = CosignLine(note, "KZ", n.kz_new, before);
  const std::string new_in_time = CosignLine(note, "KZ", n.kz_new, after_end);
  n.clock.Advance(absl::Hours(48));
  CHECK(n.witness.VerifiedCosignatures(note,
                                       {old_in_time, old_too_late, new_too_early, new_in_time}) ==
        std::vector<std::string>{old_in_time, new_in_time});

  // Verifiers: a line out of its key's time does not count, which a verifier of a proof refuses
  // and a node's own copy sets aside; a line that fails its signature is refused by both.
  auto verify = [&](const std::vector<std::string>& lines, std::vector<std::string>* uncounted) {
    return VerifyCosignatureLines(kTestFederation, note, lines, WitnessKeysOf(n.directory),
                                  WitnessKeyValidityOf(n.directory), uncounted);
  };
  absl::StatusOr<std::vector<CheckedCosignature>> strict =
      verify({old_in_time, old_too_late}, nullptr);
  CHECK(absl::IsInvalidArgument(strict.status()));
  CHECK_THAT(std::string(strict.status().message()),
             Catch::Contains("cosignature line 2 (ots-mx/witness/KZ)") &&
                 Catch::Contains("not valid when it cosigned") &&
                 Catch::Contains("after the key's valid_until"));
  std::vector<std::string> uncounted;
  absl::StatusOr<std::vector<CheckedCosignature>> lenient =
      verify({old_in_time, old_too_late, new_too_early, new_in_time}, &uncounted);
  REQUIRE(lenient.ok());
  CHECK(lenient->size() == 2);
  CHECK(uncounted == std::vector<std::string>{old_too_late, new_too_early});
  std::string flipped = new_in_time;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  CHECK(absl::IsInvalidArgument(verify({flipped}, &uncounted).status()));

  // A witness holding only a key past its end cosigns nothing, and says why.
  Witness stale(n.kz.logs.get(), &n.directory, "KZ", {&n.kz_witness_key}, &n.clock, &n.logger);
  absl::StatusOr<std::string> refused = stale.CosignStored("AZ", 2);
  CHECK(absl::IsFailedPrecondition(refused.status()));
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains("no witness key of KZ held here is valid at"));
  CHECK(absl::IsFailedPrecondition(stale.CosignLatestOnKeyChange().status()));
}

TEST_CASE("a witness without a key cosigns nothing", "[sync]") {
  Net n;
  Witness keyless(n.kz.logs.get(), &n.directory, "KZ", {}, &n.clock, &n.logger);
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
