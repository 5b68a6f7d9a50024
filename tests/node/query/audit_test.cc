// AuditStore and CompareWithPeers (node/query/audit.h) against a trust bundle: stored
// cosignatures are verified and their witnesses reported against the quorum; a rewritten one
// fails; a folder that holds less than its witnesses were seen to cosign, or than another node
// holds, fails naming the gap; another root at the same size is a split view; a header signed
// outside its key's validity fails.
#include "node/query/audit.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "node/log/publisher.h"
#include "node/trust/directory.h"
#include "sync/replica.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {
namespace {

// AZ publishes on its node; KZ holds a copy of the first `held` entries. AZ shares with KZ and
// the Secretariat, both of which witness; the bundle's quorum is 2.
struct Folders {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ", {"KZ", "OTS"}).Add("KZ").Add("OTS", {}, false);
  Directory directory{keys.Anchor(/*witness_quorum=*/2)};
  TestNode az = OpenNode(dir, "az");
  TestNode kz = OpenNode(dir, "kz");

  explicit Folders(int published = 3, uint64_t held = 2) {
    Publisher publisher(az.logs.get(), &keys.LogKey("AZ"), &clock);
    for (int i = 0; i < published; ++i) {
      REQUIRE(publisher.Publish(Return("AZ", std::to_string(2020 + i), 100 + i)).ok());
      if (static_cast<uint64_t>(i + 1) == held) {
        Replicator replicator(kz.logs.get(), &directory, "KZ");
        absl::StatusOr<ReplicaBatch> batch = ExportBatch(*az.logs, "AZ", 0);
        REQUIRE(batch.ok());
        REQUIRE(replicator.Accept(*batch).ok());
      }
    }
  }
  // The checkpoint of size 2 of another log of AZ, validly signed with AZ's key (a fork).
  v1::StoredCheckpoint Forked() {
    TestNode fork = OpenNode(dir, "fork");
    Publisher forger(fork.logs.get(), &keys.LogKey("AZ"), &clock);
    REQUIRE(forger.Publish(Return("AZ", "2020", 999)).ok());
    REQUIRE(forger.Publish(Return("AZ", "2021", 999)).ok());
    absl::StatusOr<v1::StoredCheckpoint> forked = fork->GetCheckpoint("AZ", 2);
    REQUIRE(forked.ok());
    return *forked;
  }
  // AZ's checkpoint of `size`, as AZ stores it, with the cosignatures of `witnesses`.
  v1::StoredCheckpoint Cosigned(uint64_t size, const std::vector<std::string>& witnesses) {
    absl::StatusOr<v1::StoredCheckpoint> cp = az->GetCheckpoint("AZ", size);
    REQUIRE(cp.ok());
    for (const std::string& w : witnesses) {
      cp->add_cosignature_lines(CosignLine(cp->note(), w, keys.WitnessKey(w)));
    }
    return *cp;
  }
};

TEST_CASE("stored cosignatures are verified and reported against the quorum", "[audit]") {
  Folders f;
  std::vector<std::string> report;
  const v1::StoredCheckpoint cp = f.Cosigned(2, {"KZ"});
  REQUIRE(f.kz->AddCosignatures("AZ", 2, {cp.cosignature_lines(0)}).ok());
  absl::Status s = AuditStore(*f.kz, f.directory, &report);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(report.size() == 1);
  CHECK(absl::StrContains(report[0], "cosigned by KZ (below the quorum of 2)"));

  REQUIRE(f.kz->AddCosignatures("AZ", 2, {f.Cosigned(2, {"OTS"}).cosignature_lines(0)}).ok());
  REQUIRE(AuditStore(*f.kz, f.directory, &report).ok());
  CHECK(absl::StrContains(report[0], "cosigned by KZ OTS (quorum 2)"));
}

TEST_CASE("a stored cosignature that does not verify fails the audit", "[audit]") {
  Folders f;
  std::string line = f.Cosigned(2, {"OTS"}).cosignature_lines(0);
  const size_t at = line.size() - 10;  // one base64 character of the signature
  line[at] = line[at] == 'A' ? 'B' : 'A';
  REQUIRE(f.kz->AddCosignatures("AZ", 2, {line}).ok());
  absl::Status s = AuditStore(*f.kz, f.directory, nullptr);
  INFO(s.ToString());
  CHECK(absl::IsDataLoss(s));
  CHECK(absl::StrContains(s.message(),
                          "AZ checkpoint of size 2: cosignature line 1 (ots-mx/witness/OTS)"));
}

TEST_CASE("a folder that holds less than was seen cosigned fails, naming the gap", "[audit]") {
  Folders f;
  v1::SeenCheckpoint seen;
  seen.set_size(3);
  *seen.mutable_checkpoint() = f.Cosigned(3, {"OTS"});
  seen.add_cosigned_by("OTS");
  seen.set_first_seen_at("2026-11-27T10:42:00Z");
  seen.set_seen_from("OTS");

  SECTION("a valid record: behind by one entry") {
    REQUIRE(*f.kz->PutSeenCheckpoint("AZ", seen));
    std::vector<std::string> report;
    absl::Status s = AuditStore(*f.kz, f.directory, &report);
    INFO(s.ToString());
    CHECK(absl::IsOutOfRange(s));
    CHECK(absl::StrContains(s.message(),
                            "AZ: data at size 2, size 3 cosigned by OTS since "
                            "2026-11-27T10:42:00Z (seen from OTS)"));
    REQUIRE(report.size() == 2);
    CHECK(absl::StartsWith(report[1], "BEHIND AZ: data at size 2, size 3"));
  }
  SECTION("a record whose cosignature does not verify is itself a failure") {
    std::string& line = *seen.mutable_checkpoint()->mutable_cosignature_lines(0);
    line[line.size() - 10] = line[line.size() - 10] == 'A' ? 'B' : 'A';
    REQUIRE(*f.kz->PutSeenCheckpoint("AZ", seen));
    absl::Status s = AuditStore(*f.kz, f.directory, nullptr);
    CHECK(absl::IsDataLoss(s));
    CHECK(absl::StrContains(s.message(), "recorded as seen cosigned does not verify"));
  }
  SECTION("a record of a size held, but of another log, is a split view") {
    v1::StoredCheckpoint forked = f.Forked();
    forked.add_cosignature_lines(CosignLine(forked.note(), "OTS", f.keys.WitnessKey("OTS")));
    seen.set_size(2);
    *seen.mutable_checkpoint() = forked;
    REQUIRE(*f.kz->PutSeenCheckpoint("AZ", seen));
    absl::Status s = AuditStore(*f.kz, f.directory, nullptr);
    INFO(s.ToString());
    CHECK(absl::IsDataLoss(s));
    CHECK(absl::StrContains(s.message(), "is not this folder's log at that size"));
  }
  SECTION("a smaller record changes nothing") {
    seen.set_size(2);
    *seen.mutable_checkpoint() = f.Cosigned(2, {"OTS"});
    REQUIRE(*f.kz->PutSeenCheckpoint("AZ", seen));
    CHECK(AuditStore(*f.kz, f.directory, nullptr).ok());
    seen.set_size(1);
    CHECK_FALSE(*f.kz->PutSeenCheckpoint("AZ", seen));  // never replaces a larger one
  }
}

TEST_CASE("comparing with other nodes reveals withheld entries and other roots", "[audit]") {
  Folders f;
  std::vector<std::string> report;
  // AZ's node holds size 3, cosigned: the folder lacks one entry.
  absl::Status s = CompareWithPeers(
      *f.kz, f.directory, {PeerCheckpoint{"az-node", "AZ", f.Cosigned(3, {"OTS"})}}, &report);
  INFO(s.ToString());
  CHECK(absl::IsOutOfRange(s));
  CHECK(absl::StrContains(s.message(),
                          "AZ at az-node: size 3 cosigned by OTS; this folder: size "
                          "2: 1 entries missing here"));
  // The same size, and a smaller one, agree.
  report.clear();
  CHECK(CompareWithPeers(*f.kz, f.directory,
                         {PeerCheckpoint{"az-node", "AZ", f.Cosigned(2, {})},
                          PeerCheckpoint{"az-node", "AZ", f.Cosigned(1, {"KZ"})}},
                         &report)
            .ok());
  REQUIRE(report.size() == 2);
  CHECK(absl::StrContains(report[0], ": the same"));
  CHECK(absl::StrContains(report[1], ": a prefix of this folder's"));

  // A fork of AZ's log with AZ's key: the same size, another root.
  s = CompareWithPeers(*f.kz, f.directory, {PeerCheckpoint{"liar", "AZ", f.Forked()}}, nullptr);
  CHECK(absl::IsAborted(s));
  CHECK(absl::StrContains(s.message(), "SPLIT VIEW"));
  // A checkpoint not signed by AZ's key in the bundle, or with an invented cosignature.
  v1::StoredCheckpoint invented = f.Cosigned(3, {});
  invented.add_cosignature_lines(CosignLine(invented.note(), "KZ", *PrivateKey::Generate()));
  s = CompareWithPeers(*f.kz, f.directory, {PeerCheckpoint{"liar", "AZ", invented}}, nullptr);
  CHECK(absl::IsInvalidArgument(s));
  CHECK(absl::StrContains(s.message(), "liar: its checkpoint of AZ does not verify"));
}

TEST_CASE("a header signed outside its log key's validity fails the audit", "[audit]") {
  Folders f(/*published=*/2, /*held=*/2);
  v1::TrustBundle b = f.directory.bundle();
  b.mutable_members(0)->mutable_log_keys(0)->set_valid_until("2001-01-01T00:00:00Z");
  absl::Status s = AuditStore(*f.kz, Directory(b), nullptr);
  INFO(s.ToString());
  CHECK(absl::IsDataLoss(s));
  CHECK(absl::StrContains(s.message(), "is after the key's valid_until 2001-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace ots
