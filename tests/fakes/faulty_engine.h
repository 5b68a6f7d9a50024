// A storage Engine that wraps another (normally the real RocksDB one, node/store/rocksdb_engine.h)
// and makes its writes fail on command, as RocksDB's FaultInjectionTestFS does below the database:
//   FailNextWrite        the next write fails with an I/O error naming the folder;
//   FailNextSyncedWrite  the next write with `sync` fails as a failed WAL sync does in RocksDB;
//   SetDiskFull(true)    every write fails with RESOURCE_EXHAUSTED "No space left on device" until
//                        SetDiskFull(false).
// A failed write applies nothing of its batch and returns the error, which is what the Engine
// contract promises of a real failure. Reads always go to the wrapped engine. Tests may also
// write raw values through the engine (Write of a batch of their own), to tamper with what the
// store holds without reopening it.
//
// Thread-safe, as the Engine contract requires: faults may be set while other threads write.
#ifndef OTS_TESTS_FAKES_FAULTY_ENGINE_H_
#define OTS_TESTS_FAKES_FAULTY_ENGINE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "node/store/engine.h"
#include "node/store/rocksdb_engine.h"

namespace ots {

class FaultyEngine : public Engine {
 public:
  explicit FaultyEngine(std::unique_ptr<Engine> base) : base_(std::move(base)) {}

  // A FaultyEngine over a RocksDB in `dir` (created if missing); RocksDB's error if it cannot open.
  static absl::StatusOr<std::unique_ptr<FaultyEngine>> OpenRocksDb(const std::string& dir) {
    RocksDbOptions options;
    options.create_if_missing = true;
    absl::StatusOr<std::unique_ptr<Engine>> base = OpenRocksDbEngine(dir, options);
    if (!base.ok()) {
      return base.status();
    }
    return std::make_unique<FaultyEngine>(std::move(*base));
  }

  // The next write fails with an I/O error; later ones work again.
  void FailNextWrite() {
    absl::MutexLock lock(&mu_);
    fail_next_ = true;
  }
  // The next write with `sync` fails as a failed fsync of the WAL does; unsynced writes go on.
  void FailNextSyncedWrite() {
    absl::MutexLock lock(&mu_);
    fail_next_sync_ = true;
  }
  // While `full`, every write fails with RESOURCE_EXHAUSTED; reads keep working.
  void SetDiskFull(bool full) {
    absl::MutexLock lock(&mu_);
    disk_full_ = full;
  }

  // Writes asked of this engine, and how many of them failed (were not applied).
  struct Writes {
    int asked = 0;
    int failed = 0;
  };
  Writes writes() const {
    absl::MutexLock lock(&mu_);
    return writes_;
  }

  std::unique_ptr<WriteBatch> NewBatch(size_t reserve_bytes) override {
    return base_->NewBatch(reserve_bytes);
  }

  absl::Status Write(WriteBatch& batch, bool sync) override {
    absl::Status fault = NextFault(sync);
    if (!fault.ok()) {
      return fault;  // the batch is dropped unapplied, as RocksDB drops a failed write group
    }
    return base_->Write(batch, sync);
  }

  absl::Status Get(StoreTable table, absl::string_view key, std::string* value) override {
    return base_->Get(table, key, value);
  }
  std::unique_ptr<Cursor> NewCursor(StoreTable table) override { return base_->NewCursor(table); }
  // Recovers (OK) unless the disk is still full; counts the calls.
  absl::Status Recover() override {
    {
      absl::MutexLock lock(&mu_);
      ++recoveries_;
      if (disk_full_) {
        return absl::ResourceExhaustedError(absl::StrCat(where(), ": still no space"));
      }
    }
    return base_->Recover();
  }
  int recoveries() const {
    absl::MutexLock lock(&mu_);
    return recoveries_;
  }
  absl::Status VerifyChecksums() override { return base_->VerifyChecksums(); }
  absl::Status Checkpoint(const std::string& dir) override { return base_->Checkpoint(dir); }
  const std::string& where() const override { return base_->where(); }

 private:
  // Counts the write and says whether (and how) it fails. Messages read as RocksDB's do once
  // converted at the engine boundary ("<folder>: IO error: ...").
  absl::Status NextFault(bool sync) {
    absl::MutexLock lock(&mu_);
    ++writes_.asked;
    absl::Status fault = absl::OkStatus();
    if (disk_full_) {
      fault = absl::ResourceExhaustedError(absl::StrCat(
          where(), ": IO error: No space left on device: While appending to file: ", where(),
          "/000009.log: No space left on device"));
    } else if (fail_next_) {
      fail_next_ = false;
      fault = absl::InternalError(absl::StrCat(where(),
                                               ": IO error: While appending to file: ", where(),
                                               "/000009.log: Input/output "
                                               "error (injected write failure)"));
    } else if (sync && fail_next_sync_) {
      fail_next_sync_ = false;
      fault = absl::InternalError(absl::StrCat(where(), ": IO error: While fdatasync: ", where(),
                                               "/000009.log: Input/output error (injected WAL "
                                               "sync failure)"));
    }
    writes_.failed += fault.ok() ? 0 : 1;
    return fault;
  }

  const std::unique_ptr<Engine> base_;
  mutable absl::Mutex mu_;
  bool fail_next_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_next_sync_ ABSL_GUARDED_BY(mu_) = false;
  bool disk_full_ ABSL_GUARDED_BY(mu_) = false;
  Writes writes_ ABSL_GUARDED_BY(mu_);
  int recoveries_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ots

#endif  // OTS_TESTS_FAKES_FAULTY_ENGINE_H_
