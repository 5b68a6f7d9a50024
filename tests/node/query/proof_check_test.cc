// VerifyProofFiles (node/query/proof_check.h): a proof verifies only from the bundle key id. A
// flipped, stripped or invented cosignature line, a header and checkpoint signed by a key not in
// the bundle, another bundle key, a bundle byte changed, a header signed outside its key's
// validity and a quorum not met each fail, naming the file.
#include "node/query/proof_check.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/note.h"
#include "node/log/names.h"
#include "node/log/publisher.h"
#include "node/query/query.h"
#include "node/trust/directory.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {
namespace {

// AZ's log of one return, its checkpoint cosigned by KZ and the Secretariat; AZ shares with both.
struct Signed {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ", {"KZ", "OTS"}).Add("KZ").Add("OTS", {}, false);
  TestNode node = OpenNode(dir, "az");

  explicit Signed(const PrivateKey* log_key = nullptr) {
    Publisher publisher(node.logs.get(), log_key ? log_key : &keys.LogKey("AZ"), &clock);
    REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
    absl::StatusOr<v1::StoredCheckpoint> cp = node.store->GetCheckpoint("AZ", 1);
    REQUIRE(cp.ok());
    REQUIRE(node.store
                ->AddCosignatures("AZ", 1,
                                  {CosignLine(cp->note(), "KZ", keys.WitnessKey("KZ")),
                                   CosignLine(cp->note(), "OTS", keys.WitnessKey("OTS"))})
                .ok());
  }

  ProofFiles Prove(const Directory& directory, std::optional<size_t> quorum = 0) {
    absl::StatusOr<CellFilter> filter = ParseCellFilter({"CITIZEN=KG"});
    REQUIRE(filter.ok());
    absl::StatusOr<ProofFiles> files =
        BuildCellProof(*node.logs, directory, "AZ", "2020", *filter, quorum);
    INFO(files.status().ToString());
    REQUIRE(files.ok());
    return *files;
  }
};

// The cosignature lines of a checkpoint note: every signature line but the origin's.
std::vector<std::string> CosignatureLines(const std::string& note) {
  absl::StatusOr<Note> parsed = ParseNote(note);
  REQUIRE(parsed.ok());
  std::vector<std::string> out;
  for (const NoteSignature& s : parsed->signatures) {
    if (s.name != LogName(kTestFederation, "AZ")) {
      out.push_back(FormatSignatureLine(s));
    }
  }
  return out;
}

void ExpectFails(const ProofFiles& files, const std::string& key_id, const std::string& says,
                 std::optional<size_t> quorum = std::nullopt) {
  absl::StatusOr<ProofSummary> s = VerifyProofFiles(files, key_id, quorum);
  INFO(s.status().ToString());
  CHECK_FALSE(s.ok());
  CHECK(absl::StrContains(s.status().message(), says));
}

TEST_CASE("a proof verifies from the bundle key id alone", "[prove][proof_check]") {
  Signed az;
  const TrustAnchor anchor = az.keys.Anchor(/*witness_quorum=*/2);
  const ProofFiles files = az.Prove(Directory(anchor), std::nullopt);
  absl::StatusOr<ProofSummary> s = VerifyProofFiles(files, anchor.bundle_key_id);
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  CHECK(s->cell_line == "AZ,2020,KG,_T,_T,_T,3456,A,F,STK");
  CHECK(s->cosigners == std::vector<std::string>{"KZ", "OTS"});
  CHECK(s->quorum == 2);
  CHECK(s->log_size == 1);
  CHECK(s->header_key_id == az.keys.LogKey("AZ").public_key().KeyId());

  ExpectFails(files, std::string(64, 'a'), "not the federation's bundle key");
  // Another bundle key, with its own (otherwise identical) bundle.
  TestBundle other = TestBundle().Add("AZ", {"KZ", "OTS"}).Add("KZ").Add("OTS", {}, false);
  ProofFiles swapped = files;
  swapped["bundle.pub.pem"] = other.bundle_key().public_key().ToPem();
  ExpectFails(swapped, anchor.bundle_key_id, "not the federation's bundle key");
  swapped["trust-bundle.json"] = other.Anchor(2).signed_bundle;
  ExpectFails(swapped, other.bundle_key().public_key().KeyId(), "log.pub.pem: key");
  // One byte of the signed bundle changed.
  ProofFiles flipped = files;
  std::string& json = flipped["trust-bundle.json"];
  const size_t at = json.find("\"payload\":\"") + 40;
  json[at] = json[at] == 'A' ? 'B' : 'A';
  ExpectFails(flipped, anchor.bundle_key_id, "trust-bundle.json");
  // A file that no proof has.
  ProofFiles extra = files;
  extra["run-me.sh"] = "true";
  ExpectFails(extra, anchor.bundle_key_id, "run-me.sh: is not a file of a proof");
}

TEST_CASE("every cosignature line must verify under the bundle's witness keys",
          "[prove][proof_check]") {
  Signed az;
  const TrustAnchor anchor = az.keys.Anchor(/*witness_quorum=*/2);
  const ProofFiles files = az.Prove(Directory(anchor), std::nullopt);
  const std::string note = files.at("checkpoint.note");
  const std::vector<std::string> lines = CosignatureLines(note);
  REQUIRE(lines.size() == 2);
  const size_t body = note.find(lines[0]);
  REQUIRE(body != std::string::npos);

  SECTION("every bit flip inside a cosignature line fails") {
    size_t flips = 0;
    for (size_t i = body; i < note.size(); ++i) {
      if (note[i] == '\n') {
        continue;
      }
      for (int bit : {0, 5}) {
        ProofFiles f = files;
        f["checkpoint.note"][i] = static_cast<char>(note[i] ^ (1 << bit));
        absl::StatusOr<ProofSummary> s = VerifyProofFiles(f, anchor.bundle_key_id, 0);
        INFO("byte " << i << " bit " << bit);
        CHECK_FALSE(s.ok());
        ++flips;
      }
    }
    CHECK(flips > 200);
  }
  SECTION("a stripped line is below the quorum, and fine without one") {
    ProofFiles f = files;
    f["checkpoint.note"] = note.substr(0, body) + lines[1];
    ExpectFails(f, anchor.bundle_key_id,
                "cosigned by 1 witness (OTS), the trust bundle requires 2");
    CHECK(VerifyProofFiles(f, anchor.bundle_key_id, 1).ok());
  }
  SECTION("an invented line fails") {
    const PrivateKey stranger = *PrivateKey::Generate();
    const std::string member_line = CosignLine(note, "KZ", stranger);
    ProofFiles f = files;
    f["checkpoint.note"] = note + member_line;
    ExpectFails(f, anchor.bundle_key_id, "made with no witness key of KZ in the trust bundle", 0);
    f["checkpoint.note"] = note + CosignLine(note, "TR", stranger);
    ExpectFails(f, anchor.bundle_key_id, "the trust bundle lists no witness key of TR", 0);
    absl::StatusOr<Note> parsed = ParseNote(note);
    REQUIRE(parsed.ok());
    Note other{parsed->text, {}};
    REQUIRE(CosignNote(&other, "elsewhere/witness/KZ", az.keys.WitnessKey("KZ"), 1).ok());
    f["checkpoint.note"] = note + FormatSignatureLine(other.signatures.back());
    ExpectFails(f, anchor.bundle_key_id, "is not a witness of ots-mx", 0);
  }
  SECTION("a cosignature's timestamp changed fails") {
    absl::StatusOr<Note> parsed = ParseNote(note);
    REQUIRE(parsed.ok());
    NoteSignature sig = parsed->signatures.back();
    sig.signature[7] ^= 1;  // the lowest byte of the 8-byte timestamp
    ProofFiles f = files;
    f["checkpoint.note"] = note.substr(0, note.rfind(lines[1])) + FormatSignatureLine(sig);
    ExpectFails(f, anchor.bundle_key_id, "checkpoint.note: cosignature line 2", 0);
  }
}

TEST_CASE("only witnesses that may see the origin count toward the quorum",
          "[prove][proof_check]") {
  // AZ shares with KZ only: TR holds none of AZ's log, so its cosignature, valid as it is, does
  // not witness anything.
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ", {"KZ"}).Add("KZ").Add("TR");
  TestNode node = OpenNode(dir, "az");
  Publisher publisher(node.logs.get(), &keys.LogKey("AZ"), &clock);
  REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
  const std::string note = node.store->GetCheckpoint("AZ", 1)->note();
  const TrustAnchor anchor = keys.Anchor(/*witness_quorum=*/2);
  const Directory directory(anchor);
  CHECK(directory.WitnessQuorum("AZ") == 1);  // only KZ may see AZ
  const CellFilter filter = *ParseCellFilter({"CITIZEN=KG"});
  REQUIRE(
      node.store->AddCosignatures("AZ", 1, {CosignLine(note, "TR", keys.WitnessKey("TR"))}).ok());
  absl::StatusOr<ProofFiles> files = BuildCellProof(*node.logs, directory, "AZ", "2020", filter);
  CHECK(files.status().code() == absl::StatusCode::kFailedPrecondition);  // TR does not count
  files = BuildCellProof(*node.logs, directory, "AZ", "2020", filter, 0);
  REQUIRE(files.ok());
  ExpectFails(*files, anchor.bundle_key_id, "cosigned by no witness, the trust bundle requires 1");
  REQUIRE(
      node.store->AddCosignatures("AZ", 1, {CosignLine(note, "KZ", keys.WitnessKey("KZ"))}).ok());
  files = BuildCellProof(*node.logs, directory, "AZ", "2020", filter);
  REQUIRE(files.ok());
  absl::StatusOr<ProofSummary> s = VerifyProofFiles(*files, anchor.bundle_key_id);
  REQUIRE(s.ok());
  CHECK(s->cosigners == std::vector<std::string>{"KZ"});
}

TEST_CASE("a proof signed with a key not in the bundle fails", "[prove][proof_check]") {
  // AZ's return and checkpoint signed with a fresh key: self-consistent, but not the bundle's.
  const PrivateKey fake = *PrivateKey::Generate();
  Signed forged(&fake);
  const TrustAnchor real = forged.keys.Anchor(0);
  // The forger's bundle: the real one with AZ's log key replaced, signed by the forger's key.
  v1::TrustBundle b = real.bundle;
  b.mutable_members(0)->mutable_log_keys(0)->set_ed25519(fake.public_key().raw());
  const PrivateKey forger_key = *PrivateKey::Generate();
  absl::StatusOr<std::string> text = SignTrustBundle(b, forger_key);
  REQUIRE(text.ok());
  const TrustAnchor forger{*text, forger_key.public_key().ToPem(), forger_key.public_key().KeyId(),
                           b};
  ProofFiles files = forged.Prove(Directory(forger));
  CHECK(VerifyProofFiles(files, forger.bundle_key_id, 0).ok());  // under the forger's key only
  ExpectFails(files, real.bundle_key_id, "not the federation's bundle key", 0);
  files["trust-bundle.json"] = real.signed_bundle;
  files["bundle.pub.pem"] = real.bundle_key_pem;
  ExpectFails(files, real.bundle_key_id,
              "log.pub.pem: key " + fake.public_key().KeyId() +
                  " is not a log key of AZ in the trust bundle",
              0);
}

TEST_CASE("a header signed outside its key's validity fails", "[prove][proof_check]") {
  Signed az;  // signed at the fake clock's time
  TrustAnchor anchor = az.keys.Anchor(0);
  v1::TrustBundle b = anchor.bundle;
  b.mutable_members(0)->mutable_log_keys(0)->set_valid_from("2100-01-01T00:00:00Z");
  absl::StatusOr<std::string> text = SignTrustBundle(b, az.keys.bundle_key());
  REQUIRE(text.ok());
  ProofFiles files = az.Prove(Directory(anchor));
  files["trust-bundle.json"] = *text;
  ExpectFails(files, anchor.bundle_key_id, "is before the key's valid_from 2100-01-01T00:00:00Z");
}

}  // namespace
}  // namespace ots
