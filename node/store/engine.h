// The storage engine under the Store: what the Store needs of a database and nothing more,
// narrow enough that a test can wrap the real one and inject faults (LevelDB's Env, RocksDB's
// FaultInjectionTestFS). Tables of byte keys and byte values, read one key at a time or in key
// order, written in atomic batches.
//
// Thread-safety: an Engine may be used from many threads at once; a WriteBatch or a Cursor by
// one thread at a time.
#ifndef OTS_NODE_STORE_ENGINE_H_
#define OTS_NODE_STORE_ENGINE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ots {

// The tables of the Store (node/store/store.h says what each holds).
enum class StoreTable : int { kLogs = 0, kCells, kCurrent, kCheckpoints, kEvidence, kMeta };
constexpr int kStoreTableCount = 6;

// Writes to apply together, made by Engine::NewBatch.
class WriteBatch {
 public:
  virtual ~WriteBatch() = default;
  virtual void Put(StoreTable table, absl::string_view key, absl::string_view value) = 0;
  // Bytes of keys and values put so far.
  virtual size_t ByteSize() const = 0;
};

// Walks one table in key order, from a consistent view taken when it was made.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void SeekToFirst() = 0;
  // The first key >= `key`.
  virtual void Seek(absl::string_view key) = 0;
  // The last key <= `key`.
  virtual void SeekForPrev(absl::string_view key) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // Valid while the cursor stays on the entry.
  virtual absl::string_view key() const = 0;
  virtual absl::string_view value() const = 0;
  // OK, or the error that ended the walk early (Valid() is then false).
  virtual absl::Status status() const = 0;
};

// What an engine tells about itself for the metrics.
struct EngineStats {
  uint64_t bytes = 0;               // data files on disk
  bool write_stopped = false;       // writes stopped until compaction catches up
  uint64_t delayed_write_rate = 0;  // bytes/s writes are slowed to (0: not slowed)
};

class Engine {
 public:
  virtual ~Engine() = default;

  // An empty batch, with room for about `reserve_bytes` of keys and values.
  virtual std::unique_ptr<WriteBatch> NewBatch(size_t reserve_bytes) = 0;
  // Applies every write of `batch` or none of them. With `sync`, returns OK only once the batch
  // is on stable storage. Errors: RESOURCE_EXHAUSTED when the disk is full; another code,
  // naming the folder, for any other failure. A failed write leaves what readers see unchanged.
  virtual absl::Status Write(WriteBatch& batch, bool sync) = 0;
  // The value of `key` in `*value`; NOT_FOUND if there is none.
  virtual absl::Status Get(StoreTable table, absl::string_view key, std::string* value) = 0;
  virtual std::unique_ptr<Cursor> NewCursor(StoreTable table) = 0;
  // After a failed Write: makes writes work again if it can (RocksDB stays read-only after a
  // failed write until reopened), returning OK once they should; else why not yet (e.g.
  // RESOURCE_EXHAUSTED while the disk is still full). Cheap to call often. Default: OK.
  virtual absl::Status Recover() { return absl::OkStatus(); }
  // Reads every block of every data file and checks its checksum. DATA_LOSS naming the file.
  virtual absl::Status VerifyChecksums() = 0;
  // Writes a consistent copy of everything written so far into the new folder `dir` (its parent
  // must exist), hard-linking files where it can, while reads and writes go on.
  virtual absl::Status Checkpoint(const std::string& dir) = 0;
  // Where the data lives, for messages: the data folder.
  virtual const std::string& where() const = 0;
  // Size and write pressure now. Default: all zero (an engine that does not say).
  virtual EngineStats Stats() { return {}; }
};

}  // namespace ots

#endif  // OTS_NODE_STORE_ENGINE_H_
