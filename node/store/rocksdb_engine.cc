#include "node/store/rocksdb_engine.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace ots {
namespace {

// Converts at the RocksDB boundary; the message names the folder.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view where) {
  if (s.ok()) {
    return absl::OkStatus();
  }
  std::string message = absl::StrCat(where, ": ", s.ToString());
  if (s.IsNotFound()) {
    return absl::NotFoundError(message);
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(message);
  }
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(message);
  }
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
    return absl::UnavailableError(message);
  }
  if (s.IsInvalidArgument()) {
    return absl::InvalidArgumentError(message);
  }
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat(message, " (is another process using this data folder?)"));
  }
  return absl::InternalError(message);
}

rocksdb::Slice Slice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
absl::string_view View(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

// One open RocksDB and its column family handles; closed when the last user lets go.
struct OpenDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // [0] is "default", unused

  ~OpenDb() {
    for (rocksdb::ColumnFamilyHandle* h : handles) {
      db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    // A failed close leaves the WAL for the next open to replay; nothing acknowledged is lost.
    db->Close().PermitUncheckedError();
  }
  rocksdb::ColumnFamilyHandle* cf(StoreTable table) const {
    return handles[static_cast<int>(table) + 1];
  }
};

// RocksDB's own diagnostics go to stderr (the node's log), warnings and worse only. Not to the
// LOG file in the data folder: on a full disk, Debian's RocksDB asserts on its failing LOG
// writer and aborts the whole process.
class StderrRocksLogger : public rocksdb::Logger {
 public:
  StderrRocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    absl::string_view text = absl::StripTrailingAsciiWhitespace(line);
    // Said at every creation of a database (it lists a folder before creating it): noise.
    if (absl::StrContains(text, "Error when reading ") && absl::EndsWith(text, "dir NotFound:")) {
      return;
    }
    std::fprintf(stderr, "rocksdb: %.*s\n", static_cast<int>(text.size()), text.data());
  }
};

struct OpenSpec {
  std::string dir;
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
};

absl::StatusOr<std::shared_ptr<OpenDb>> OpenRocks(const OpenSpec& spec, bool read_only,
                                                  bool has_current) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (read_only) {
    s = rocksdb::DB::OpenForReadOnly(spec.db_options, spec.dir, spec.descriptors, &handles, &raw);
  } else {
    s = rocksdb::DB::Open(spec.db_options, spec.dir, spec.descriptors, &handles, &raw);
  }
  if (!s.ok()) {
    // Another process holds the folder's lock: nothing is wrong with the folder itself.
    if (s.IsIOError() && absl::StrContains(s.ToString(), "lock file")) {
      return absl::FailedPreconditionError(
          absl::StrCat(spec.dir,
                       ": the data folder is in use by another process (another ots-node, or an "
                       "ots-ctl import, holds its lock); stop it first (",
                       s.ToString(), ")"));
    }
    // A folder with a CURRENT file holds a database: failing to open it is damage (a CURRENT
    // naming a missing or corrupt manifest, a lost table file), never an empty folder.
    if (has_current && !s.IsNoSpace() &&
        (s.IsIOError() || s.IsCorruption() || s.IsInvalidArgument())) {
      return absl::DataLossError(absl::StrCat(
          spec.dir, ": the data folder is damaged and cannot be opened (", s.ToString(),
          "); restore it from a backup or from the federation (docs/operations.md)"));
    }
    return FromRocks(s, spec.dir);
  }
  auto open = std::make_shared<OpenDb>();
  open->db.reset(raw);
  open->handles = std::move(handles);
  return open;
}

class RocksBatch : public WriteBatch {
 public:
  // `db` (if null, the store is closed: every put fails) stays open while the batch lives.
  RocksBatch(std::shared_ptr<OpenDb> db, size_t reserve_bytes)
      : db_(std::move(db)), batch_(reserve_bytes) {
    if (db_ == nullptr) {
      status_ = rocksdb::Status::IOError("the store is being reopened");
    }
  }
  void Put(StoreTable table, absl::string_view key, absl::string_view value) override {
    if (!status_.ok()) {
      return;
    }
    // A put into an in-memory batch fails only for a key or value over 4 GiB, which the Store
    // never writes; the batch then fails as a whole when written.
    status_ = batch_.Put(db_->cf(table), Slice(key), Slice(value));
  }
  size_t ByteSize() const override { return batch_.GetDataSize(); }
  rocksdb::WriteBatch* batch() { return &batch_; }
  const rocksdb::Status& status() const { return status_; }

 private:
  std::shared_ptr<OpenDb> db_;
  rocksdb::WriteBatch batch_;
  rocksdb::Status status_;  // the first failed put
};

class RocksCursor : public Cursor {
 public:
  RocksCursor(std::shared_ptr<OpenDb> db, std::unique_ptr<rocksdb::Iterator> it,
              const std::string* where)
      : db_(std::move(db)), it_(std::move(it)), where_(where) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void Seek(absl::string_view key) override { it_->Seek(Slice(key)); }
  void SeekForPrev(absl::string_view key) override { it_->SeekForPrev(Slice(key)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  absl::string_view key() const override { return View(it_->key()); }
  absl::string_view value() const override { return View(it_->value()); }
  absl::Status status() const override { return FromRocks(it_->status(), *where_); }

 private:
  std::shared_ptr<OpenDb> db_;  // kept open while the cursor lives (declared first: freed last)
  std::unique_ptr<rocksdb::Iterator> it_;
  const std::string* where_;
};

// The same, over a store that is being reopened: nothing to walk.
class FailedCursor : public Cursor {
 public:
  explicit FailedCursor(absl::Status status) : status_(std::move(status)) {}
  void SeekToFirst() override {}
  void Seek(absl::string_view) override {}
  void SeekForPrev(absl::string_view) override {}
  bool Valid() const override { return false; }
  void Next() override {}
  absl::string_view key() const override { return {}; }
  absl::string_view value() const override { return {}; }
  absl::Status status() const override { return status_; }

 private:
  absl::Status status_;
};

class RocksDbEngine : public Engine {
 public:
  RocksDbEngine(OpenSpec spec, std::shared_ptr<OpenDb> db, bool read_only)
      : spec_(std::move(spec)), read_only_(read_only), db_(std::move(db)) {}

  std::unique_ptr<WriteBatch> NewBatch(size_t reserve_bytes) override {
    absl::StatusOr<std::shared_ptr<OpenDb>> db = Current();
    return std::make_unique<RocksBatch>(db.ok() ? *std::move(db) : nullptr, reserve_bytes);
  }

  absl::Status Write(WriteBatch& batch, bool sync) override {
    auto& rocks = static_cast<RocksBatch&>(batch);
    if (!rocks.status().ok()) {
      return FromRocks(rocks.status(), spec_.dir);
    }
    OTS_ASSIGN_OR_RETURN(std::shared_ptr<OpenDb> db, Current());
    rocksdb::WriteOptions options;
    options.sync = sync;
    rocksdb::Status s = db->db->Write(options, rocks.batch());
    if (!s.ok()) {
      absl::MutexLock lock(&mu_);
      write_failed_ = true;
    }
    return FromRocks(s, spec_.dir);
  }

  absl::Status Get(StoreTable table, absl::string_view key, std::string* value) override {
    OTS_ASSIGN_OR_RETURN(std::shared_ptr<OpenDb> db, Current());
    return FromRocks(db->db->Get(rocksdb::ReadOptions(), db->cf(table), Slice(key), value),
                     spec_.dir);
  }

  std::unique_ptr<Cursor> NewCursor(StoreTable table) override {
    absl::StatusOr<std::shared_ptr<OpenDb>> db = Current();
    if (!db.ok()) {
      return std::make_unique<FailedCursor>(db.status());
    }
    std::unique_ptr<rocksdb::Iterator> it(
        (*db)->db->NewIterator(rocksdb::ReadOptions(), (*db)->cf(table)));
    return std::make_unique<RocksCursor>(*std::move(db), std::move(it), &spec_.dir);
  }

  absl::Status VerifyChecksums() override {
    OTS_ASSIGN_OR_RETURN(std::shared_ptr<OpenDb> db, Current());
    return FromRocks(db->db->VerifyChecksum(), spec_.dir);
  }

  // RocksDB 7.8 does not resume writing after a failed WAL write (DB::Resume stays "busy"), so
  // recovery is a reopen: once the disk has room and nobody holds the database (a cursor in use
  // makes it wait for the next call), it is closed and opened again; the WAL replays every
  // acknowledged write. Should the reopen fail, it is opened read-only to go on serving reads.
  absl::Status Recover() override {
    absl::MutexLock lock(&mu_);
    if (!write_failed_) {
      return absl::OkStatus();
    }
    const absl::Time now = absl::Now();  // paces real I/O: the real clock
    if (now - last_attempt_ < absl::Milliseconds(500)) {
      return last_result_;
    }
    last_attempt_ = now;
    last_result_ = TryReopen();
    return last_result_;
  }

  const std::string& where() const override { return spec_.dir; }

  EngineStats Stats() override {
    EngineStats stats;
    absl::StatusOr<std::shared_ptr<OpenDb>> db = Current();
    if (!db.ok()) {
      return stats;
    }
    uint64_t value = 0;
    if ((*db)->db->GetAggregatedIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &value)) {
      stats.bytes = value;
    }
    if ((*db)->db->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &value)) {
      stats.write_stopped = value != 0;
    }
    if ((*db)->db->GetIntProperty(rocksdb::DB::Properties::kActualDelayedWriteRate, &value)) {
      stats.delayed_write_rate = value;
    }
    return stats;
  }

  absl::Status Checkpoint(const std::string& dir) override {
    OTS_ASSIGN_OR_RETURN(std::shared_ptr<OpenDb> db, Current());
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db->db.get(), &raw);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    if (s.ok()) {
      // 0: the memtable is flushed first, so the copy needs no write-ahead log to be complete.
      s = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
    }
    return FromRocks(s, dir);
  }

 private:
  absl::StatusOr<std::shared_ptr<OpenDb>> Current() {
    absl::MutexLock lock(&mu_);
    if (db_ == nullptr) {
      return absl::UnavailableError(absl::StrCat(spec_.dir, ": the store is being reopened"));
    }
    return db_;
  }

  absl::Status TryReopen() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::error_code error;
    const std::filesystem::space_info space = std::filesystem::space(spec_.dir, error);
    if (!error && space.available < kRoomToReopen) {
      return absl::ResourceExhaustedError(
          absl::StrCat(spec_.dir, ": still only ", space.available >> 20, " MiB free"));
    }
    // Copies of db_ are made under mu_ only: a count of 1 means nobody else holds it now.
    if (db_ != nullptr && db_.use_count() > 1) {
      return absl::UnavailableError(absl::StrCat(spec_.dir, ": in use; reopened at a later call"));
    }
    db_.reset();  // closes it
    absl::StatusOr<std::shared_ptr<OpenDb>> reopened =
        OpenRocks(spec_, read_only_, /*has_current=*/true);
    if (reopened.ok()) {
      db_ = *std::move(reopened);
      write_failed_ = false;
      return absl::OkStatus();
    }
    absl::StatusOr<std::shared_ptr<OpenDb>> reads =
        OpenRocks(spec_, /*read_only=*/true, /*has_current=*/true);
    if (reads.ok()) {
      db_ = *std::move(reads);
    }
    return reopened.status();
  }

  // Below this much free space a reopen is not tried: it would fail the same way.
  static constexpr uintmax_t kRoomToReopen = uintmax_t{8} << 20;

  const OpenSpec spec_;
  const bool read_only_;
  absl::Mutex mu_;
  std::shared_ptr<OpenDb> db_ ABSL_GUARDED_BY(mu_);
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_attempt_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Status last_result_ ABSL_GUARDED_BY(mu_);
};

// Creates the data folder with mode 0700 if it is missing, and takes group and other access away
// from it and from every file in it: the folder holds every return of every origin this node
// stores, whatever each origin's sharing policy lets other members see, so only the node's own
// user may read it. The files RocksDB creates later are private by the process's umask (the
// mains set 077).
absl::Status MakePrivate(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::Status(absl::ErrnoToStatusCode(errno),
                        absl::StrCat(dir, ": cannot create the data folder: ", strerror(errno)));
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, ": not a folder"));
  }
  if ((st.st_mode & 077) != 0 && chmod(dir.c_str(), st.st_mode & 0700) != 0) {
    return absl::Status(
        absl::ErrnoToStatusCode(errno),
        absl::StrCat(dir, ": cannot make the data folder private (mode 0700): ", strerror(errno)));
  }
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    struct stat f;
    const std::string path = entry.path().string();
    if (lstat(path.c_str(), &f) == 0 && S_ISREG(f.st_mode) && (f.st_mode & 077) != 0) {
      chmod(path.c_str(), f.st_mode & 0700);
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& RocksDbColumnFamilies() {
  static const auto* kNames = new std::vector<std::string>{rocksdb::kDefaultColumnFamilyName,
                                                           "logs",
                                                           "cells",
                                                           "current",
                                                           "checkpoints",
                                                           "evidence",
                                                           "meta"};
  return *kNames;
}

absl::StatusOr<std::unique_ptr<Engine>> OpenRocksDbEngine(const std::string& dir,
                                                          const RocksDbOptions& options) {
  // RocksDB creates the folder even when it then finds no database in it: look first.
  std::error_code error;
  const bool has_current = std::filesystem::exists(dir + "/CURRENT", error);
  if (!options.create_if_missing && !has_current) {
    return absl::NotFoundError(absl::StrCat(dir, ": no node data here"));
  }
  if (!options.read_only) {
    OTS_RETURN_IF_ERROR(MakePrivate(dir));
  }
  OpenSpec spec;
  spec.dir = dir;
  rocksdb::DBOptions& db_options = spec.db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  db_options.paranoid_checks = true;
  // A record that fails its checksum in the middle of the WAL is an error, not a silent end
  // of the log; only a torn record at the very end (a write cut off by a crash before it was
  // acknowledged) is dropped.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.max_background_jobs = 2;
  db_options.info_log = std::make_shared<StderrRocksLogger>();

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = 64 << 20;
  cf_options.compression = rocksdb::kLZ4Compression;
  for (const std::string& name : RocksDbColumnFamilies()) {
    spec.descriptors.emplace_back(name, cf_options);
  }
  OTS_ASSIGN_OR_RETURN(std::shared_ptr<OpenDb> db, OpenRocks(spec, options.read_only, has_current));
  return std::unique_ptr<Engine>(
      new RocksDbEngine(std::move(spec), std::move(db), options.read_only));
}

}  // namespace ots
