// BuildCellProof (node/query/prove.h): the files of one cell's proof verify with crypto/merkle.h
// and the origin's key alone, from the cell line up to the signed checkpoint; a selection that
// matches no cell or several, a period with no return, a key set without the signer, and a stored
// cell that no longer matches its signed header are each refused with their own code.
#include "node/query/prove.h"

#include <memory>
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
// raw writes let a test tamper with a stored value.
struct ProvenLog {
  TempDir dir;
  FakeClock clock;
  PrivateKey key = *PrivateKey::Generate();
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

  absl::StatusOr<ProofFiles> Prove(const std::string& period, const std::vector<std::string>& cell,
                                   const std::vector<PublicKey>& keys) {
    absl::StatusOr<CellFilter> filter = ParseCellFilter(cell);
    REQUIRE(filter.ok());
    return BuildCellProof(logs, "AZ", period, *filter, keys);
  }
  absl::StatusOr<ProofFiles> Prove(const std::string& period,
                                   const std::vector<std::string>& cell) {
    return Prove(period, cell, {key.public_key()});
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
        "checkpoint.note", "log.pub.pem", "verify.sh"}) {
    CHECK(f.count(name) == 1);
  }
  // The current revision's cell.
  CHECK(f["cell.line"] == "AZ,2020,TJ,_T,F,_T,101,A,F,STK");
  CHECK(f["verify.sh"] == VerifyScript());

  // The key, and the header it signed.
  absl::StatusOr<PublicKey> key = PublicKey::FromPem(f["log.pub.pem"]);
  REQUIRE(key.ok());
  CHECK(key->raw() == az.key.public_key().raw());
  DsseEnvelope env{std::string(kReturnHeaderPayloadType), f["header.txt"], {}};
  env.signatures.push_back({key->KeyId(), f["header.sig"]});
  CHECK(DsseVerify(env, kReturnHeaderPayloadType, *key).ok());
  CHECK(DsseToJson(env) + "\n" == f["header.dsse.json"]);
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
  const PrivateKey other = *PrivateKey::Generate();
  struct Case {
    const char* name;
    std::string period;
    std::vector<std::string> cell;
    std::vector<PublicKey> keys;
    absl::StatusCode code;
    std::vector<std::string> says;
  };
  const PublicKey key = az.key.public_key();
  // clang-format off
  const std::vector<Case> cases = {
      {"no cell matches", "2020", {"CITIZEN=UZ"}, {key}, absl::StatusCode::kInvalidArgument,
       {"matches 0 cells of AZ 2020"}},
      {"two cells match", "2020", {"CITIZEN=TJ", "SEX=F,M"}, {key}, absl::StatusCode::kInvalidArgument,
       {"matches 2 cells of AZ 2020", "\n  AZ,2020,TJ,_T,F,_T,101,A,F,STK", "\n  AZ,2020,TJ,_T,M,_T,7856,A,F,STK"}},
      {"no return of the period", "2019", {"CITIZEN=KG"}, {key}, absl::StatusCode::kNotFound,
       {"no return of AZ for 2019"}},
      {"the signer is not among the keys", "2020", {"CITIZEN=KG"}, {other.public_key()},
       absl::StatusCode::kFailedPrecondition, {"signed by no trusted log key of AZ"}},
      {"no keys at all", "2020", {"CITIZEN=KG"}, {}, absl::StatusCode::kFailedPrecondition,
       {"signed by no trusted log key of AZ"}},
  };
  // clang-format on
  for (const Case& c : cases) {
    absl::StatusOr<ProofFiles> files = az.Prove(c.period, c.cell, c.keys);
    INFO(c.name << ": " << files.status().ToString());
    CHECK(files.status().code() == c.code);
    for (const std::string& text : c.says) {
      CHECK(absl::StrContains(files.status().message(), text));
    }
  }
  // With the signer among other keys, the proof is built.
  CHECK(az.Prove("2020", {"CITIZEN=KG"}, {other.public_key(), az.key.public_key()}).ok());
}

TEST_CASE("a stored cell that no longer matches its signed header is DATA_LOSS", "[prove]") {
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
  std::unique_ptr<WriteBatch> batch = az.engine->NewBatch();
  batch->Put(StoreTable::kCells, key, block);
  REQUIRE(az.engine->Write(*batch, /*sync=*/true).ok());

  // Whichever cell is asked for: the stored cells do not hash to the header's root.
  for (const std::vector<std::string>& cell :
       {std::vector<std::string>{"CITIZEN=TJ", "SEX=M"}, {"CITIZEN=KG"}}) {
    absl::StatusOr<ProofFiles> files = az.Prove("2020", cell);
    INFO(files.status().ToString());
    CHECK(files.status().code() == absl::StatusCode::kDataLoss);
    CHECK(absl::StrContains(files.status().message(),
                            "the stored cells of AZ 2020 do not hash to the cells root of its "
                            "header"));
  }
  // The other period is untouched.
  CHECK(az.Prove("2021", {"CITIZEN=KG"}).ok());
}

}  // namespace
}  // namespace ots
