// BuildCellProof (node/query/prove.h): the files of one cell's proof verify with crypto/merkle.h
// and the origin's key alone, from the cell line up to the signed checkpoint, and carry the signed
// trust bundle; the checkpoint is the largest one with the witness quorum; a selection that
// matches no cell or several, a period with no return, a bundle without the signer, a quorum no
// checkpoint has, a stored cosignature that does not verify and a stored cell that no longer
// matches its signed header are each refused with their own code.
#include "node/query/prove.h"
#include "node/query/proof_check.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "node/log/checkpoint.h"
#include "node/log/names.h"
#include "node/log/publisher.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"
#include "node/query/query.h"
#include "tests/fakes/faulty_engine.h"
#include "tests/fakes/sync_fixtures.h"

namespace ots {
namespace {

// An inclusion proof file: "index I\nsize N\n" and one hex hash a line.
struct ProofFile {
  uint64_t index = 0;
  uint64_t size = 0;
  std::vector<Hash> path;
};

ProofFile ParseProof(const std::string& text) {
  ProofFile out;
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  REQUIRE(lines.size() >= 2);
  REQUIRE(absl::StartsWith(lines[0], "index "));
  REQUIRE(absl::StartsWith(lines[1], "size "));
  REQUIRE(absl::SimpleAtoi(lines[0].substr(6), &out.index));
  REQUIRE(absl::SimpleAtoi(lines[1].substr(5), &out.size));
  for (size_t i = 2; i < lines.size(); ++i) {
    absl::StatusOr<std::string> bytes = HexDecode(lines[i]);
    Hash h;
    REQUIRE(bytes.ok());
    REQUIRE(HashFromBytes(*bytes, &h));
    out.path.push_back(h);
  }
  return out;
}

// AZ's node: three returns (2020, 2021, 2020 revision 2) in a store over a FaultyEngine, whose
// raw writes let a test tamper with a stored value. AZ shares with KZ and the Secretariat.
struct ProvenLog {
  TempDir dir;
  FakeClock clock;
  TestBundle keys = TestBundle().Add("AZ", {"KZ", "OTS"}).Add("KZ").Add("OTS", {}, false);
  const PrivateKey& key = keys.LogKey("AZ");
  std::unique_ptr<FaultyEngine> owned = *FaultyEngine::OpenRocksDb(dir.File("az"));
  FaultyEngine* engine = owned.get();
  Store store{std::move(owned)};
  OriginLogs logs{&store, kTestFederation};

  ProvenLog() {
    Publisher publisher(&logs, &key, &clock);
    REQUIRE(publisher.Publish(Return("AZ", "2020", 100)).ok());
    REQUIRE(publisher.Publish(Return("AZ", "2021", 200)).ok());
    REQUIRE(publisher.Publish(Return("AZ", "2020", 101)).ok());
  }

  // The cosignature line of `member`'s witness over AZ's checkpoint of `size`.
  std::string Cosign(uint64_t size, const std::string& member) {
    absl::StatusOr<v1::StoredCheckpoint> cp = store.GetCheckpoint("AZ", size);
    REQUIRE(cp.ok());
    return CosignLine(cp->note(), member, keys.WitnessKey(member));
  }

  absl::StatusOr<ProofFiles> Prove(const std::string& period, const std::vector<std::string>& cell,
                                   const Directory& directory, std::optional<size_t> quorum = 0) {
    absl::StatusOr<CellFilter> filter = ParseCellFilter(cell);
    REQUIRE(filter.ok());
    return BuildCellProof(logs, directory, "AZ", period, *filter, quorum);
  }
  absl::StatusOr<ProofFiles> Prove(const std::string& period,
                                   const std::vector<std::string>& cell) {
    return Prove(period, cell, Directory(keys.Anchor()));
  }
};

TEST_CASE("the proof of one cell verifies from its line to the signed checkpoint", "[prove]") {
  ProvenLog az;
  absl::StatusOr<ProofFiles> files = az.Prove("2020", {"CITIZEN=TJ", "SEX=F"});
  INFO(files.status().ToString());
  REQUIRE(files.ok());
  ProofFiles& f = *files;
  for (const char* name :
       {"cell.line", "cell.proof", "header.txt", "header.sig", "header.dsse.json", "header.proof",
        "checkpoint.note", "log.pub.pem", "trust-bundle.json", "bundle.pub.pem", "verify.sh"}) {
    CHECK(f.count(name) == 1);
  }
  // The current revision's cell.
  CHECK(f["cell.line"] == "AZ,2020,TJ,_T,F,_T,101,A,F,STK");
  CHECK(f["verify.sh"] == VerifyScript());
  // The signed bundle and its key, as the directory holds them.
  CHECK(f["trust-bundle.json"] == az.keys.Anchor().signed_bundle);  // Ed25519 is deterministic
  CHECK(f["bundle.pub.pem"] == az.keys.bundle_key().public_key().ToPem());

  // The key, and the header it signed.
  absl::StatusOr<PublicKey> key = PublicKey::FromPem(f["log.pub.pem"]);
  REQUIRE(key.ok());
  CHECK(key->raw() == az.key.public_key().raw());
  DsseEnvelope env{std::string(kReturnHeaderPayloadType), f["header.txt"], {}};
  env.signatures.push_back({key->KeyId(), f["header.sig"]});
  CHECK(DsseVerify(env, kReturnHeaderPayloadType, *key).ok());
  CHECK(DsseToJson(env) == f["header.dsse.json"]);  // no final newline (docs/formats.md)
  absl::StatusOr<v1::ReturnHeader> header = ParseReturnHeader(f["header.txt"]);
  REQUIRE(header.ok());
  CHECK(header->revision() == 2);

  // The cell is in the header's cells root.
  const ProofFile cell = ParseProof(f["cell.proof"]);
  CHECK(cell.size == header->cell_count());
  Hash cells_root;
  REQUIRE(HashFromBytes(header->cells_root(), &cells_root));
  CHECK(MerkleVerifyInclusion(MerkleLeafHash(f["cell.line"]), cell.index, cell.size, cell.path,
                              cells_root)
            .ok());

  // The header is in the log the checkpoint commits to, which the key signed.
  absl::StatusOr<Note> note = ParseNote(f["checkpoint.note"]);
  REQUIRE(note.ok());
  CHECK(VerifyNote(*note, LogName(kTestFederation, "AZ"), *key).ok());
  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(note->text);
  REQUIRE(cp.ok());
  CHECK(cp->size == 3);
  const ProofFile in_log = ParseProof(f["header.proof"]);
  CHECK(in_log.index == 2);
  CHECK(in_log.size == 3);
  CHECK(MerkleVerifyInclusion(MerkleLeafHash(f["header.txt"]), in_log.index, in_log.size,
                              in_log.path, cp->root)
            .ok());
  // A proof does not verify for another cell.
  CHECK_FALSE(MerkleVerifyInclusion(MerkleLeafHash("AZ,2020,TJ,_T,F,_T,100,A,F,STK"), cell.index,
                                    cell.size, cell.path, cells_root)
                  .ok());
}

TEST_CASE("a proof is refused with a code that says why", "[prove]") {
  ProvenLog az;
  // The same federation, but its bundle lists another log key for AZ.
  TestBundle other_keys = TestBundle().Add("AZ", {"KZ", "OTS"}).Add("KZ").Add("OTS", {}, false);
  const Directory other(other_keys.Anchor());
  const Directory bundle(az.keys.Anchor());
  const Directory bare(az.keys.Bundle());  // no signed bundle to put into the proof
  struct Case {
    const char* name;
    std::string period;
    std::vector<std::string> cell;
    const Directory* directory;
    absl::StatusCode code;
    std::vector<std::string> says;
  };
  // clang-format off
  const std::vector<Case> cases = {
      {"no cell matches", "2020", {"CITIZEN=UZ"}, &bundle, absl::StatusCode::kInvalidArgument,
       {"matches 0 cells of AZ 2020"}},
      {"two cells match", "2020", {"CITIZEN=TJ", "SEX=F,M"}, &bundle, absl::StatusCode::kInvalidArgument,
       {"matches 2 cells of AZ 2020", "\n  AZ,2020,TJ,_T,F,_T,101,A,F,STK", "\n  AZ,2020,TJ,_T,M,_T,7856,A,F,STK"}},
      {"no return of the period", "2019", {"CITIZEN=KG"}, &bundle, absl::StatusCode::kNotFound,
       {"no return of AZ for 2019"}},
      {"the signer is not in the bundle", "2020", {"CITIZEN=KG"}, &other,
       absl::StatusCode::kFailedPrecondition, {"signed by no log key of AZ in the trust bundle"}},
      {"no signed bundle", "2020", {"CITIZEN=KG"}, &bare, absl::StatusCode::kFailedPrecondition,
       {"carries the signed trust bundle"}},
  };
  // clang-format on
  for (const Case& c : cases) {
    absl::StatusOr<ProofFiles> files = az.Prove(c.period, c.cell, *c.directory);
    INFO(c.name << ": " << files.status().ToString());
    CHECK(files.status().code() == c.code);
    for (const std::string& text : c.says) {
      CHECK(absl::StrContains(files.status().message(), text));
    }
  }
}

TEST_CASE("a proof rests on the largest checkpoint with the witness quorum", "[prove]") {
  ProvenLog az;
  const Directory bundle(az.keys.Anchor(/*witness_quorum=*/2));
  CHECK(bundle.WitnessQuorum("AZ") == 2);
  // AZ 2021 is log index 1: checkpoints 2 and 3 cover it; neither is cosigned yet.
  absl::StatusOr<ProofFiles> files = az.Prove("2021", {"CITIZEN=KG"}, bundle, std::nullopt);
  CHECK(files.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(files.status().message(),
                          "has the 2 cosignatures the trust bundle "
                          "requires (the best has 0)"));

  // Size 2 gets both witnesses, size 3 one: the proof rests on size 2.
  REQUIRE(az.store.AddCosignatures("AZ", 2, {az.Cosign(2, "KZ"), az.Cosign(2, "OTS")}).ok());
  REQUIRE(az.store.AddCosignatures("AZ", 3, {az.Cosign(3, "KZ")}).ok());
  files = az.Prove("2021", {"CITIZEN=KG"}, bundle, std::nullopt);
  INFO(files.status().ToString());
  REQUIRE(files.ok());
  CHECK(ParseProof((*files)["header.proof"]).size == 2);
  CHECK(absl::StrContains((*files)["checkpoint.note"], WitnessName(kTestFederation, "OTS")));
  // With a quorum of 1, the latest checkpoint.
  files = az.Prove("2021", {"CITIZEN=KG"}, bundle, 1);
  REQUIRE(files.ok());
  CHECK(ParseProof((*files)["header.proof"]).size == 3);
  // AZ 2020 revision 2 is log index 2: only size 3 covers it, with one cosignature.
  files = az.Prove("2020", {"CITIZEN=KG"}, bundle, std::nullopt);
  CHECK(files.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(files.status().message(), "(the best has 1: KZ)"));

  // A quorum larger than the witnesses that may see AZ is capped at their number.
  CHECK(Directory(az.keys.Anchor(7)).WitnessQuorum("AZ") == 2);
}

TEST_CASE("a stored cosignature that does not verify is DATA_LOSS", "[prove]") {
  ProvenLog az;
  std::string line = az.Cosign(3, "KZ");
  // One base64 character of the signature changed, in the store.
  const size_t at = line.size() - 10;
  line[at] = line[at] == 'A' ? 'B' : 'A';
  REQUIRE(az.store.AddCosignatures("AZ", 3, {line}).ok());
  absl::StatusOr<ProofFiles> files = az.Prove("2020", {"CITIZEN=KG"});
  INFO(files.status().ToString());
  CHECK(files.status().code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(files.status().message(), "AZ checkpoint of size 3: cosignature line 1"));
}

TEST_CASE("a stored cosignature the bundle no longer counts stays out of the proof",
          "[prove][rotation]") {
  ProvenLog az;
  // KZ cosigned with its key, then with a key the bundle does not list (one since removed).
  const std::string listed = az.Cosign(3, "KZ");
  const PrivateKey removed = *PrivateKey::Generate();
  const std::string unlisted = CosignLine(az.store.GetCheckpoint("AZ", 3)->note(), "KZ", removed);
  REQUIRE(az.store.AddCosignatures("AZ", 3, {unlisted, listed}).ok());
  absl::StatusOr<ProofFiles> files =
      az.Prove("2020", {"CITIZEN=KG"}, Directory(az.keys.Anchor()), 1);
  INFO(files.status().ToString());
  REQUIRE(files.ok());
  const std::string& note = (*files)["checkpoint.note"];
  CHECK(absl::StrContains(note, listed));
  CHECK_FALSE(absl::StrContains(note, unlisted));
  // The proof verifies with the bundle alone, which checks every line it carries.
  absl::StatusOr<ProofSummary> checked =
      VerifyProofFiles(*files, az.keys.bundle_key().public_key().KeyId(), 1);
  INFO(checked.status().ToString());
  CHECK(checked.ok());
}

TEST_CASE("a stored cell that no longer matches its signed header is DATA_LOSS", "[prove][query]") {
  ProvenLog az;
  // Block 0 of AZ 2020 revision 2, with one figure changed, written under the store.
  std::string key = "AZ/2020/";
  PutBigEndian64(&key, 2);
  PutBigEndian32(&key, 0);
  std::string block;
  REQUIRE(az.engine->Get(StoreTable::kCells, key, &block).ok());
  const size_t at = block.find(",7856,");
  REQUIRE(at != std::string::npos);
  block.replace(at, 6, ",7857,");
  std::unique_ptr<WriteBatch> batch = az.engine->NewBatch(0);
  batch->Put(StoreTable::kCells, key, block);
  REQUIRE(az.engine->Write(*batch, /*sync=*/true).ok());

  // Whichever cell is asked for: the stored cells do not hash to the header's root.
  for (const std::vector<std::string>& cell :
       {std::vector<std::string>{"CITIZEN=TJ", "SEX=M"}, {"CITIZEN=KG"}}) {
    absl::StatusOr<ProofFiles> files = az.Prove("2020", cell);
    INFO(files.status().ToString());
    CHECK(files.status().code() == absl::StatusCode::kDataLoss);
    CHECK(absl::StrContains(files.status().message(),
                            "AZ 2020 revision 2 (log index 2): the stored cells do not hash to "
                            "the cells root its header signs"));
  }
  // The other period is untouched.
  CHECK(az.Prove("2021", {"CITIZEN=KG"}).ok());

  // A query refuses the return too, whichever of its cells it asks for, and shows none of them;
  // the other period is shown.
  for (const char* filter : {"CITIZEN=KG", "SEX=M"}) {
    absl::StatusOr<Table> t = QueryCells(az.logs, *ParseCellFilter({filter}));
    INFO(t.status().ToString());
    CHECK(t.status().code() == absl::StatusCode::kDataLoss);
    CHECK(absl::StrContains(t.status().message(), "AZ 2020 revision 2 (log index 2)"));
    CHECK(absl::StrContains(t.status().message(), "so none of them is shown"));
  }
  absl::StatusOr<Table> t = QueryTotals(az.logs, *ParseCellFilter({"TIME_PERIOD=2020"}), {});
  CHECK(t.status().code() == absl::StatusCode::kDataLoss);
  t = QueryCells(az.logs, *ParseCellFilter({"TIME_PERIOD=2021"}));
  REQUIRE(t.ok());
  CHECK(t->rows.size() == 3);
}

}  // namespace
}  // namespace ots
