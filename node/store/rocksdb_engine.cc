#include "node/store/rocksdb_engine.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
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

class RocksBatch : public WriteBatch {
 public:
  explicit RocksBatch(const std::vector<rocksdb::ColumnFamilyHandle*>* handles)
      : handles_(handles) {}
  void Put(StoreTable table, absl::string_view key, absl::string_view value) override {
    // A put into an in-memory batch fails only for a key or value over 4 GiB, which the Store
    // never writes; the batch then fails as a whole when written.
    rocksdb::Status s =
        batch_.Put((*handles_)[static_cast<int>(table) + 1], Slice(key), Slice(value));
    if (status_.ok()) {
      status_ = std::move(s);
    } else {
      s.PermitUncheckedError();
    }
  }
  size_t ByteSize() const override { return batch_.GetDataSize(); }
  rocksdb::WriteBatch* batch() { return &batch_; }
  const rocksdb::Status& status() const { return status_; }

 private:
  const std::vector<rocksdb::ColumnFamilyHandle*>* handles_;
  rocksdb::WriteBatch batch_;
  rocksdb::Status status_;  // the first failed put
};

class RocksCursor : public Cursor {
 public:
  RocksCursor(std::unique_ptr<rocksdb::Iterator> it, const std::string* where)
      : it_(std::move(it)), where_(where) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void Seek(absl::string_view key) override { it_->Seek(Slice(key)); }
  void SeekForPrev(absl::string_view key) override { it_->SeekForPrev(Slice(key)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  absl::string_view key() const override { return View(it_->key()); }
  absl::string_view value() const override { return View(it_->value()); }
  absl::Status status() const override { return FromRocks(it_->status(), *where_); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  const std::string* where_;
};

class RocksDbEngine : public Engine {
 public:
  RocksDbEngine(std::string dir, std::unique_ptr<rocksdb::DB> db,
                std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : dir_(std::move(dir)), db_(std::move(db)), handles_(std::move(handles)) {}

  ~RocksDbEngine() override {
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    // A failed close leaves the WAL for the next open to replay; nothing acknowledged is lost.
    db_->Close().PermitUncheckedError();
  }

  // No room is reserved up front: measured, a batch grown as it is filled is written faster than
  // one reserved at its final size (docs/performance.md).
  std::unique_ptr<WriteBatch> NewBatch() override {
    return std::make_unique<RocksBatch>(&handles_);
  }

  absl::Status Write(WriteBatch& batch, bool sync) override {
    auto& rocks = static_cast<RocksBatch&>(batch);
    if (!rocks.status().ok()) {
      return FromRocks(rocks.status(), dir_);
    }
    rocksdb::WriteOptions options;
    options.sync = sync;
    return FromRocks(db_->Write(options, rocks.batch()), dir_);
  }

  absl::Status Get(StoreTable table, absl::string_view key, std::string* value) override {
    return FromRocks(db_->Get(rocksdb::ReadOptions(), cf(table), Slice(key), value), dir_);
  }

  std::unique_ptr<Cursor> NewCursor(StoreTable table) override {
    return std::make_unique<RocksCursor>(
        std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), cf(table))),
        &dir_);
  }

  absl::Status VerifyChecksums() override { return FromRocks(db_->VerifyChecksum(), dir_); }

  const std::string& where() const override { return dir_; }

 private:
  rocksdb::ColumnFamilyHandle* cf(StoreTable table) const {
    return handles_[static_cast<int>(table) + 1];
  }

  const std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] is "default", unused
};

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
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  db_options.paranoid_checks = true;
  // A record that fails its checksum in the middle of the WAL is an error, not a silent end
  // of the log; only a torn record at the very end (a write cut off by a crash before it was
  // acknowledged) is dropped.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.max_background_jobs = 2;

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = 64 << 20;
  cf_options.compression = rocksdb::kLZ4Compression;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : RocksDbColumnFamilies()) {
    descriptors.emplace_back(name, cf_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw);
  }
  if (!s.ok()) {
    // A folder with a CURRENT file holds a database: failing to open it is damage (a CURRENT
    // naming a missing or corrupt manifest, a lost table file), never an empty folder.
    if (has_current && (s.IsIOError() || s.IsCorruption() || s.IsInvalidArgument())) {
      return absl::DataLossError(
          absl::StrCat(dir, ": the data folder is damaged and cannot be opened (", s.ToString(),
                       "); restore it from a backup or from the federation (docs/operations.md)"));
    }
    return FromRocks(s, dir);
  }
  return std::unique_ptr<Engine>(
      new RocksDbEngine(dir, std::unique_ptr<rocksdb::DB>(raw), std::move(handles)));
}

}  // namespace ots
