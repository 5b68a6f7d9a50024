// Store, Publisher and AuditStore on a real RocksDB in a temporary folder.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "node/model/return_header.h"
#include "node/query/audit.h"
#include "node/store/backup.h"
#include "node/store/rocksdb_engine.h"
#include "node/store/store.h"
#include "rocksdb/db.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

constexpr char kHeader[] =
    "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
    "STOCK_FLOW\n";

ParsedReturn Return(const std::string& period, uint64_t uz_female, uint64_t uz_male) {
  std::string csv = absl::StrCat(kHeader, "AZ,", period, ",UZ,_T,_T,_T,", uz_female + uz_male,
                                 ",A,F,STK\n", "AZ,", period, ",UZ,_T,F,_T,", uz_female,
                                 ",A,F,STK\n", "AZ,", period, ",UZ,_T,M,_T,", uz_male, ",A,F,STK\n",
                                 "AZ,", period, ",KG,_T,_T,_T,2438,A,F,STK\n");
  auto r = ParseReturnCsv("t.csv", csv, "AZ", nullptr);
  REQUIRE(r.ok());
  return *std::move(r);
}

std::unique_ptr<Store> OpenStore(const std::string& dir, bool read_only = false) {
  Store::Options options;
  options.create_if_missing = !read_only;
  options.read_only = read_only;
  auto store = Store::Open(dir, options);
  REQUIRE(store.ok());
  return *std::move(store);
}

// A data folder with four returns of AZ: 2015, 2020, 2020 revision 2, 2010.
struct Fixture {
  TempDir tmp;
  FakeClock clock;
  PrivateKey key = *PrivateKey::Generate();
  std::string dir = tmp.File("data");

  Fixture() {
    auto store = OpenStore(dir);
    OriginLogs logs(store.get(), kTestFederation);
    Publisher publisher(&logs, &key, &clock);
    for (const ParsedReturn& r : {Return("2015", 100, 90), Return("2020", 8398, 7856),
                                  Return("2020", 8400, 7856), Return("2010", 50, 40)}) {
      REQUIRE(publisher.Publish(r).ok());
      clock.Advance(absl::Hours(24));
    }
  }

  // Publishes `r` signed with `key` on the folder, reopened; how that went.
  absl::Status PublishWith(const PrivateKey& with, const ParsedReturn& r) {
    auto store = OpenStore(dir);
    OriginLogs logs(store.get(), kTestFederation);
    Publisher publisher(&logs, &with, &clock);
    return publisher.Publish(r).status();
  }
  uint64_t LogSize(const std::string& origin) {
    auto store = OpenStore(dir, /*read_only=*/true);
    absl::StatusOr<uint64_t> size = store->LogSize(origin);
    REQUIRE(size.ok());
    return *size;
  }

  absl::Status Audit() {
    auto store = OpenStore(dir, /*read_only=*/true);
    return AuditStore(*store, AuditDirectory({{"AZ", {key.public_key()}}}), nullptr);
  }

  // Opens the database directly, as an attacker with file access would, and runs `fn`.
  void Tamper(
      const std::function<void(rocksdb::DB*, std::vector<rocksdb::ColumnFamilyHandle*>&)>& fn) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const std::string& name : RocksDbColumnFamilies()) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, cfs, &handles, &db).ok());
    fn(db, handles);
    for (auto* h : handles) {
      REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    }
    REQUIRE(db->Close().ok());
    delete db;
  }
};

// Column family indexes, in RocksDbColumnFamilies() order.
constexpr int kLogs = 1, kCells = 2, kCurrent = 3, kCheckpoints = 4;

std::string LogKey(uint64_t index) {
  std::string key = "AZ/";
  PutBigEndian64(&key, index);
  return key;
}

// Rewrites the message stored at `key` of `table` with `edit`.
template <typename Message>
void EditStored(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* table, const std::string& key,
                const std::function<void(Message&)>& edit) {
  std::string value;
  REQUIRE(db->Get({}, table, key, &value).ok());
  Message m;
  REQUIRE(m.ParseFromString(value));
  edit(m);
  REQUIRE(db->Put({}, table, key, m.SerializeAsString()).ok());
}

TEST_CASE("publishing builds revisions, the current view and checkpoints", "[store]") {
  Fixture f;
  auto store = OpenStore(f.dir, true);
  REQUIRE(*store->LogSize("AZ") == 4);
  auto log = store->ReadLog("AZ");
  REQUIRE(log.ok());
  auto h1 = ParseReturnHeader((*log)[1].header().payload());
  auto h2 = ParseReturnHeader((*log)[2].header().payload());
  REQUIRE(h1.ok());
  REQUIRE(h2.ok());
  CHECK(h1->period() == "2020");
  CHECK(h1->revision() == 1);
  CHECK(h1->supersedes().empty());
  CHECK(h2->revision() == 2);
  CHECK(h2->supersedes() == HashBytes(Sha256((*log)[1].header().payload())));
  CHECK(h2->value_sum() == 2 * (8400 + 7856) + 2438);
  CHECK(h2->created_at() == "2026-09-23T14:13:20Z");  // the fake clock, two days on

  auto current = store->GetCurrent("AZ", "2020");
  REQUIRE(current.ok());
  REQUIRE(current->has_value());
  CHECK((*current)->revision() == 2);
  CHECK((*current)->log_index() == 2);

  // History stays: revision 1's cells are still there.
  const std::vector<std::string> old_cells = StoredCells(*store, "AZ", "2020", 1);
  CHECK(old_cells.size() == 4);
  CHECK(old_cells[1] == "AZ,2020,UZ,_T,F,_T,8398,A,F,STK");

  // Each checkpoint is signed, and the latest commits to all four headers.
  auto latest = store->LatestCheckpoint("AZ");
  REQUIRE(latest.ok());
  auto note = ParseNote(latest->note());
  REQUIRE(note.ok());
  CHECK(VerifyNote(*note, "ots-mx/log/AZ", f.key.public_key()).ok());
  auto cp = ParseCheckpoint(note->text);
  REQUIRE(cp.ok());
  CHECK(cp->size == 4);
  std::vector<Hash> leaves;
  for (const v1::LogEntry& e : *log) {
    leaves.push_back(MerkleLeafHash(e.header().payload()));
  }
  CHECK(cp->root == MerkleRoot(leaves));
  int checkpoints = 0;
  REQUIRE(store
              ->ForEachCheckpoint("AZ", 0,
                                  [&](uint64_t size, const v1::StoredCheckpoint&) {
                                    CHECK(size == static_cast<uint64_t>(++checkpoints));
                                    return absl::OkStatus();
                                  })
              .ok());
  CHECK(checkpoints == 4);
  CHECK(*store->Origins() == std::vector<std::string>{"AZ"});
}

TEST_CASE("audit passes on an untouched folder and reports each origin", "[audit]") {
  Fixture f;
  auto store = OpenStore(f.dir, true);
  std::vector<std::string> report;
  REQUIRE(AuditStore(*store, AuditDirectory({{"AZ", {f.key.public_key()}}}), &report).ok());
  REQUIRE(report.size() == 1);
  CHECK(absl::StartsWith(report[0],
                         "AZ: 4 signed returns over 3 periods, 16 cells, 4 "
                         "checkpoints; latest checkpoint size 4"));
}

TEST_CASE("audit refuses a wrong key and a missing key", "[audit]") {
  Fixture f;
  auto store = OpenStore(f.dir, true);
  PrivateKey other = *PrivateKey::Generate();
  absl::Status s = AuditStore(*store, AuditDirectory({{"AZ", {other.public_key()}}}), nullptr);
  CHECK(absl::StrContains(s.message(), "AZ log index 0: header signature"));
  s = AuditStore(*store, AuditDirectory({}), nullptr);
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(s.message(), "AZ: the trust bundle lists no log key of this origin"));
}

TEST_CASE("audit names a tampered header byte", "[audit][tamper]") {
  Fixture f;
  f.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    EditStored<v1::LogEntry>(db, h[kLogs], LogKey(2), [](v1::LogEntry& entry) {
      std::string payload = entry.header().payload();
      size_t pos = payload.find("value_sum ") + 10;
      payload[pos] = payload[pos] == '9' ? '8' : '9';
      entry.mutable_header()->set_payload(payload);
    });
  });
  absl::Status s = f.Audit();
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(s.message(), "AZ log index 2: header signature"));
}

// The key of block `n` of the cells of AZ `period` revision `revision`.
std::string CellBlockKey(const std::string& period, uint64_t revision, uint32_t n = 0) {
  std::string key = absl::StrCat("AZ/", period, "/");
  PutBigEndian64(&key, revision);
  PutBigEndian32(&key, n);
  return key;
}

// Replaces `from` by `to` in one stored cell block.
void EditBlock(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cells, const std::string& key,
               const std::string& from, const std::string& to) {
  std::string block;
  REQUIRE(db->Get({}, cells, key, &block).ok());
  size_t pos = block.find(from);
  REQUIRE(pos != std::string::npos);
  block.replace(pos, from.size(), to);
  REQUIRE(db->Put({}, cells, key, block).ok());
}

TEST_CASE("audit names a tampered cell", "[audit][tamper]") {
  Fixture f;
  f.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    EditBlock(db, h[kCells], CellBlockKey("2020", 2), "UZ,_T,F,_T,8400,", "UZ,_T,F,_T,8401,");
  });
  absl::Status s = f.Audit();
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(s.message(), "AZ log index 2 (2020 revision 2): cells root"));
}

TEST_CASE("audit names a dropped or added cell", "[audit][tamper]") {
  Fixture f;
  f.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    EditBlock(db, h[kCells], CellBlockKey("2010", 1), "AZ,2010,KG,_T,_T,_T,2438,A,F,STK\n", "");
  });
  absl::Status s = f.Audit();
  CHECK(absl::StrContains(s.message(), "AZ log index 3 (2010 revision 1): cell count"));

  Fixture g;
  g.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    // A revision nobody signed.
    REQUIRE(
        db->Put({}, h[kCells], CellBlockKey("2010", 2), "AZ,2010,KG,_T,_T,_T,1,A,F,STK\n").ok());
  });
  s = g.Audit();
  CHECK(absl::StrContains(s.message(), "AZ 2010 revision 2: cell"));
  CHECK(absl::StrContains(s.message(), "belongs to no signed return"));
}

TEST_CASE("audit names a tampered checkpoint", "[audit][tamper]") {
  Fixture f;
  f.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    EditStored<v1::StoredCheckpoint>(db, h[kCheckpoints], LogKey(3), [](v1::StoredCheckpoint& cp) {
      std::string note = cp.note();
      note[note.find('\n') + 1] = '7';  // the size line: "3" -> "7"
      cp.set_note(note);
    });
  });
  absl::Status s = f.Audit();
  CHECK(absl::StrContains(s.message(), "AZ checkpoint of size 3: signature"));
}

TEST_CASE("audit names a rewritten current view and a dropped log entry", "[audit][tamper]") {
  Fixture f;
  f.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    v1::CurrentEntry e;
    e.set_revision(1);
    e.set_log_index(1);
    REQUIRE(db->Put({}, h[kCurrent], "AZ/2020", e.SerializeAsString()).ok());
  });
  absl::Status s = f.Audit();
  CHECK(absl::StrContains(s.message(), "AZ current view of 2020: names revision 1"));

  Fixture g;
  g.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    REQUIRE(db->Delete({}, h[kLogs], LogKey(3)).ok());
  });
  s = g.Audit();
  CHECK(absl::StrContains(s.message(), "AZ checkpoint of size 4: the log holds only 3"));
}

TEST_CASE("audit reports a flipped byte in a table file", "[audit][tamper]") {
  Fixture f;
  // Move everything into table files.
  f.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    for (auto* cf : h) {
      REQUIRE(db->Flush(rocksdb::FlushOptions(), cf).ok());
    }
  });
  std::string victim;
  for (const auto& e : std::filesystem::directory_iterator(f.dir)) {
    if (e.path().extension() == ".sst" &&
        (victim.empty() || e.file_size() > std::filesystem::file_size(victim))) {
      victim = e.path().string();
    }
  }
  REQUIRE_FALSE(victim.empty());
  {
    std::fstream file(victim, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(20);
    char c = 0;
    file.read(&c, 1);
    c ^= 0x01;
    file.seekp(20);
    file.write(&c, 1);
  }
  Store::Options options;
  options.read_only = true;
  auto store = Store::Open(f.dir, options);
  absl::Status s =
      store.ok() ? AuditStore(**store, AuditDirectory({{"AZ", {f.key.public_key()}}}), nullptr)
                 : store.status();
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(s.message(), ".sst"));
}

TEST_CASE("a data folder stays bound to its log key", "[publisher]") {
  Fixture f;
  absl::Status s = f.PublishWith(*PrivateKey::Generate(), Return("2021", 1, 1));
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(s.message(), "signed with another log key"));
  CHECK(f.LogSize("AZ") == 4);
}

TEST_CASE("a node signs for its own state only", "[publisher]") {
  Fixture f;
  auto r = ParseReturnCsv("kz.csv", absl::StrCat(kHeader, "KZ,2020,UZ,_T,_T,_T,5,A,F,STK\n"), "",
                          nullptr);
  REQUIRE(r.ok());
  absl::Status s = f.PublishWith(f.key, *r);
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(s.message(),
                          "this data folder is the node of AZ; it does not sign returns of KZ"));
  CHECK(f.LogSize("KZ") == 0);
}

TEST_CASE("the publisher refuses to sign over a log that contradicts its checkpoint",
          "[publisher]") {
  Fixture f;
  f.Tamper([](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& h) {
    EditStored<v1::LogEntry>(db, h[kLogs], LogKey(0), [](v1::LogEntry& entry) {
      entry.mutable_header()->set_payload(entry.header().payload() + " ");
    });
  });
  absl::Status s = f.PublishWith(f.key, Return("2021", 1, 1));
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(s.message(), "refusing to sign"));
  CHECK(f.LogSize("AZ") == 4);
}

TEST_CASE("an append at a stale log index writes nothing", "[store]") {
  Fixture f;
  auto store = OpenStore(f.dir);
  CellLines lines;
  lines.Add("AZ,2030,UZ,_T,_T,_T,1,A,F,STK");
  Store::Append a;
  a.origin = "AZ";
  a.log_index = 2;  // the log already has 4 entries
  a.period = "2030";
  a.revision = 1;
  a.cells = lines;
  absl::Status s = store->AppendReturn(a);
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(*store->LogSize("AZ") == 4);
  auto current = store->GetCurrent("AZ", "2030");
  REQUIRE(current.ok());
  CHECK_FALSE(current->has_value());
  CHECK(StoredCells(*store, "AZ", "2030", 1).empty());
}

TEST_CASE("opening a folder without node data is NOT_FOUND", "[store]") {
  TempDir tmp;
  Store::Options options;
  options.read_only = true;
  auto store = Store::Open(tmp.File("nothing"), options);
  CHECK(store.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a folder whose CURRENT file is damaged is DATA_LOSS, not an empty folder", "[store]") {
  TempDir tmp;
  const std::string dir = tmp.File("data");
  Store::Options create;
  create.create_if_missing = true;
  REQUIRE(Store::Open(dir, create).ok());
  REQUIRE(WriteFileReplacing(dir + "/CURRENT", "MANIFEST-999999\n", 0644).ok());
  for (bool read_only : {true, false}) {
    Store::Options options;
    options.read_only = read_only;
    auto store = Store::Open(dir, options);
    INFO(store.status().ToString());
    CHECK(store.status().code() == absl::StatusCode::kDataLoss);
    CHECK(absl::StrContains(store.status().message(),
                            dir + ": the data folder is damaged and cannot be opened"));
  }
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

TEST_CASE("a return larger than one cell block is stored, read back and audited in order",
          "[store]") {
  TempDir tmp;
  FakeClock clock;
  PrivateKey key = *PrivateKey::Generate();
  ParsedReturn r;
  r.origin = "AZ";
  r.period = "2024";
  for (int age = 0; age < 150; ++age) {
    for (const char* sex : {"F", "M"}) {
      for (const char* citizen : {"KG", "KZ", "TM", "TR", "UZ", "HU", "RU", "CN"}) {
        r.lines.Add(
            absl::StrCat("AZ,2024,", citizen, ",_T,", sex, ",Y", age, ",", age, ",A,F,STK"));
        r.value_sum += age;
      }
    }
  }
  r.lines.Sort();
  REQUIRE(r.lines.size() > 2 * kCellsPerBlock);
  auto store = OpenStore(tmp.File("data"));
  OriginLogs logs(store.get(), kTestFederation);
  Publisher publisher(&logs, &key, &clock);
  REQUIRE(publisher.Publish(r).ok());
  CHECK(StoredCells(*store, "AZ", "2024", 1) == r.lines.ToVector());
  CHECK(AuditStore(*store, AuditDirectory({{"AZ", {key.public_key()}}}), nullptr).ok());
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

// A copy of tests/fixtures/data-v1 in `dir`: the fixture itself is never opened.
void CopyFixture(const std::string& dir) {
  std::filesystem::copy(std::string(OTS_SOURCE_DIR) + "/tests/fixtures/data-v1", dir,
                        std::filesystem::copy_options::recursive);
}

TEST_CASE("a folder of the release before format versions opens as format 1, migrated to 2",
          "[store]") {
  TempDir tmp;
  const std::string dir = tmp.File("data");
  CopyFixture(dir);
  absl::StatusOr<PublicKey> key =
      PublicKey::LoadPemFile(std::string(OTS_SOURCE_DIR) + "/tests/fixtures/data-v1.az-log.pub");
  REQUIRE(key.ok());
  {
    auto store = OpenStore(dir, /*read_only=*/true);  // read-only: nothing is recorded
    CHECK(absl::IsNotFound(store->GetMeta(kDataFormatMeta).status()));
    std::vector<std::string> report;
    absl::Status audit = AuditStore(*store, AuditDirectory({{"AZ", {*key}}}), &report);
    INFO(audit.message());
    REQUIRE(audit.ok());
    CHECK(absl::StartsWith(report[0], "AZ: 2 signed returns over 2 periods, 30 cells"));
  }
  {
    auto store = OpenStore(dir);
    CHECK(*store->GetMeta(kDataFormatMeta) == "2");
    CHECK(*store->LogSize("AZ") == 2);
    // A folder that recorded format 1 is migrated as well, but only when opened for writing.
    REQUIRE(store->PutMeta(kDataFormatMeta, "1").ok());
  }
  CHECK(*OpenStore(dir, /*read_only=*/true)->GetMeta(kDataFormatMeta) == "1");
  CHECK(*OpenStore(dir)->GetMeta(kDataFormatMeta) == "2");
}

TEST_CASE("a folder of a newer data format is refused, unchanged", "[store]") {
  TempDir tmp;
  const std::string dir = tmp.File("data");
  CHECK(*OpenStore(dir)->GetMeta(kDataFormatMeta) == absl::StrCat(kDataFormatVersion));
  REQUIRE(OpenStore(dir)->PutMeta(kDataFormatMeta, absl::StrCat(kDataFormatVersion + 1)).ok());
  for (bool read_only : {false, true}) {
    Store::Options options;
    options.read_only = read_only;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir, options);
    INFO(store.status().message());
    CHECK(absl::IsFailedPrecondition(store.status()));
    CHECK(absl::StrContains(
        store.status().message(),
        absl::StrCat("was written by a newer release (data format ", kDataFormatVersion + 1)));
  }
}

TEST_CASE("a backup taken while writing restores to a folder marked restored", "[store]") {
  Fixture f;
  auto store = OpenStore(f.dir);
  const std::string backup = f.tmp.File("backup");
  absl::StatusOr<BackupInfo> taken = BackupStore(*store, backup);
  INFO(taken.status().message());
  REQUIRE(taken.ok());
  CHECK(taken->log_sizes == std::map<std::string, uint64_t>{{"AZ", 4}});
  CHECK(taken->bytes > 0);
  // A later write is not in the backup.
  OriginLogs logs(store.get(), kTestFederation);
  Publisher publisher(&logs, &f.key, &f.clock);
  REQUIRE(publisher.Publish(Return("2021", 1, 2)).ok());
  CHECK(*store->LogSize("AZ") == 5);

  // Refused: a relative path, an existing folder, a missing parent; nothing is left behind.
  CHECK(absl::IsInvalidArgument(BackupStore(*store, "relative/backup").status()));
  CHECK(absl::IsAlreadyExists(BackupStore(*store, backup).status()));
  CHECK(absl::IsFailedPrecondition(BackupStore(*store, f.tmp.File("no/such/parent")).status()));
  store.reset();

  // Restored only into an absent or empty folder.
  CHECK(absl::IsAlreadyExists(RestoreStore(backup, f.dir, "test").status()));
  const std::string restored_dir = f.tmp.File("restored");
  absl::StatusOr<BackupInfo> restored = RestoreStore(backup, restored_dir, "backup b, restored t");
  INFO(restored.status().message());
  REQUIRE(restored.ok());
  CHECK(restored->log_sizes == std::map<std::string, uint64_t>{{"AZ", 4}});
  auto back = OpenStore(restored_dir);
  CHECK(*back->GetMeta(kRestoredMeta) == "backup b, restored t");
  CHECK(AuditStore(*back, AuditDirectory({{"AZ", {f.key.public_key()}}}), nullptr).ok());
  // Not a backup at all.
  CHECK_FALSE(RestoreStore(f.tmp.File("nothing"), f.tmp.File("r2"), "x").ok());
}

}  // namespace
}  // namespace ots
