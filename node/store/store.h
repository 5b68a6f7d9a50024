// The node's store (DESIGN §5) over a storage Engine (node/store/engine.h; RocksDB in every real
// node). One table per kind of record:
//   logs         origin/be64(index)            -> v1::LogEntry (signed header envelope)
//   cells        origin/period/be64(rev)be32(n) -> block n of the return's sorted cell lines,
//                                                each ending in '\n' (kCellsPerBlock a block)
//   current      origin/period                 -> v1::CurrentEntry (latest revision)
//   checkpoints  origin/be64(size)             -> v1::StoredCheckpoint
//   evidence     origin/...                    -> v1::Evidence (misbehaviour, issue 4)
//   meta         name                          -> value (node metadata)
// Every append is one batch written with a synced WAL: after a crash either all of it is there or
// none of it.
//
// Thread-safety: all methods may be called concurrently; appends are serialized internally.
#ifndef OTS_NODE_STORE_STORE_H_
#define OTS_NODE_STORE_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/model/cell_lines.h"
#include "node/model/sealed_cells.h"
#include "node/store/engine.h"
#include "proto/data.pb.h"

namespace ots {

// The layout of a data folder (tables, keys, values) that this release reads and writes. A
// folder records its format (kDataFormatMeta) when this release first opens it for writing; a
// release refuses a folder of a newer format and would migrate an older one (docs/operations.md,
// "Upgrades").
// Format 2 (this release) adds v2 return headers with sealed cells and the openings metadata
// (docs/formats.md §2a): a format 1 folder is a valid format 2 folder, so the migration only
// records the new version, which keeps an older release from misreading a v2 header.
constexpr int kDataFormatVersion = 2;
constexpr absl::string_view kDataFormatMeta = "data_format_version";

// Names of the node metadata (GetMeta, PutMeta) that the layers above keep.
// The one state whose returns this node signs; bound on its first publication.
constexpr absl::string_view kNodeOriginMeta = "node_origin";
// Followed by an origin: the PEM public key the origin's log is signed with on this node; bound
// on its first publication.
constexpr absl::string_view kLogPublicKeyMeta = "log_public_key/";
// The federation whose logs the folder holds (its name is in every log name); bound with the
// first log entry stored.
constexpr absl::string_view kFederationMeta = "federation";
// The newest trust bundle version the node has run with.
constexpr absl::string_view kBundleVersionMeta = "trust_bundle_version";
// The signed trust bundle (DSSE JSON) of that version, once the node has been handed a newer one
// than its configuration file names (pushed, or fetched from a peer): a restart goes on with it.
constexpr absl::string_view kTrustBundleMeta = "trust_bundle";
// Metadata "seen_checkpoint/<origin>": the origin's SeenCheckpoint.
constexpr absl::string_view kSeenCheckpointMeta = "seen_checkpoint/";
// Set by `ots-ctl restore` to when and from where the folder was restored, emptied by the first
// return the node signs after it has taken its own log back from its peers: until then nothing
// signs in this folder offline (docs/operations.md, "Backups and restores").
constexpr absl::string_view kRestoredMeta = "restored_from";

// Followed by "<origin>/<period>/<revision>": the openings (node/model/sealed_cells.h, text form)
// of that return's sealed cells that this node holds, written with the return (docs/formats.md
// §2a). A node not entitled to them holds none.
constexpr absl::string_view kOpeningsMeta = "openings/";
std::string OpeningsMetaName(absl::string_view origin, absl::string_view period, uint64_t revision);

// Cell lines per stored block. Returns are written and read whole, so one RocksDB entry per
// block rather than per cell keeps a million-cell import near the disk's sequential rate.
constexpr size_t kCellsPerBlock = 1024;

class Store {
 public:
  struct Options {
    // Open without writing anything (audit, query, prove). Default: false.
    bool read_only = false;
    // Create the database if the folder holds none. Default: false.
    bool create_if_missing = false;
  };

  // Opens the store in the RocksDB of `dir`. NOT_FOUND if there is none and
  // !create_if_missing; DATA_LOSS or another error, naming the folder, if RocksDB refuses it.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const Options& options);
  // A store over `engine` (tests wrap the real engine to inject faults).
  explicit Store(std::unique_ptr<Engine> engine);
  // Closes the engine cleanly.
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Everything one published return adds to the store.
  struct Append {
    std::string origin;
    uint64_t log_index = 0;  // must equal the current log size of `origin`
    v1::LogEntry entry;
    std::string period;
    uint64_t revision = 0;
    CellLines cells;                  // sorted
    v1::StoredCheckpoint checkpoint;  // of size log_index + 1
    // Metadata set in the same write.
    std::vector<std::pair<std::string, std::string>> meta;
  };
  // Writes `a` atomically with a synced WAL. FAILED_PRECONDITION if log_index is not the log
  // size (somebody else appended); nothing is written then. The cells are freed once copied into
  // the write batch, before the batch goes into RocksDB's memtable: a large return is held twice
  // at most, not three times.
  absl::Status AppendReturn(Append a);

  // Several consecutive log entries of one origin (replication): each entry with its return's
  // cells, the origin's checkpoint covering them all, and metadata to set with them.
  struct Entries {
    struct Entry {
      v1::LogEntry entry;
      std::string period;
      uint64_t revision = 0;
      const CellLines* cell_lines = nullptr;
    };
    std::string origin;
    uint64_t from = 0;  // must equal the current log size of `origin`
    std::vector<Entry> entries;
    v1::StoredCheckpoint checkpoint;  // of size from + entries.size()
    // Metadata set in the same write.
    std::vector<std::pair<std::string, std::string>> meta;
  };
  // Writes `e` atomically with a synced WAL; the current view names the last revision of each
  // period. FAILED_PRECONDITION, writing nothing, if `from` is not the log size.
  absl::Status AppendEntries(const Entries& e) {
    return AppendEntries(e, [] {});
  }

  // Number of entries in `origin`'s log (0 if none).
  absl::StatusOr<uint64_t> LogSize(absl::string_view origin);
  // NOT_FOUND if there is no such entry; DATA_LOSS if it does not parse.
  absl::StatusOr<v1::LogEntry> GetLogEntry(absl::string_view origin, uint64_t index);
  // Every entry of `origin`'s log in order.
  absl::StatusOr<std::vector<v1::LogEntry>> ReadLog(absl::string_view origin);
  // Entries [from, to) of `origin`'s log. DATA_LOSS if one of them is missing.
  absl::StatusOr<std::vector<v1::LogEntry>> ReadLogRange(absl::string_view origin, uint64_t from,
                                                         uint64_t to);

  // The latest revision of (origin, period), or nullopt.
  absl::StatusOr<std::optional<v1::CurrentEntry>> GetCurrent(absl::string_view origin,
                                                             absl::string_view period);
  // Calls `fn(origin, period, entry)` for every current entry, in key order. Stops at the
  // first error `fn` returns and returns it.
  absl::Status ForEachCurrent(const std::function<absl::Status(absl::string_view, absl::string_view,
                                                               const v1::CurrentEntry&)>& fn);

  // Calls `fn(line)` for each cell of a return in sorted line order.
  absl::Status ForEachCell(absl::string_view origin, absl::string_view period, uint64_t revision,
                           const std::function<absl::Status(absl::string_view)>& fn);
  // The same cells as blocks of whole lines, each line ending in '\n', for sending: `fn(block)`
  // gets a block as soon as it holds at least `block_bytes` (and once more for the rest, if any).
  absl::Status ForEachCellBlock(absl::string_view origin, absl::string_view period,
                                uint64_t revision, size_t block_bytes,
                                const std::function<absl::Status(absl::string_view)>& fn);
  // The openings this node holds of a return's sealed cells, parsed; empty if none. DATA_LOSS
  // if the stored text does not parse.
  absl::StatusOr<Openings> GetOpenings(absl::string_view origin, absl::string_view period,
                                       uint64_t revision);
  // Calls `fn(leaf, line)` for each cell of a return in sorted leaf order: `leaf` as stored (a
  // leaf of the cells root), `line` the same unless it is sealed and `open` and this node holds
  // its opening, then the cell line it seals.
  absl::Status ForEachOpenedCell(
      absl::string_view origin, absl::string_view period, uint64_t revision, bool open,
      const std::function<absl::Status(absl::string_view, absl::string_view)>& fn);
  // Calls `fn(origin, period, revision, line)` for every cell of every stored return.
  absl::Status ForEachStoredCell(
      const std::function<absl::Status(absl::string_view, absl::string_view, uint64_t,
                                       absl::string_view)>& fn);

  // Every stored checkpoint of `origin` of at least `min_size`, in increasing size:
  // `fn(size, checkpoint)`. Stops at the first error `fn` returns and returns it.
  absl::Status ForEachCheckpoint(
      absl::string_view origin, uint64_t min_size,
      const std::function<absl::Status(uint64_t, const v1::StoredCheckpoint&)>& fn);
  // The sizes of at most `limit` stored checkpoints of `origin` of at least `min_size`, in
  // increasing order (keys only: no value is read).
  absl::StatusOr<std::vector<uint64_t>> CheckpointSizes(absl::string_view origin, uint64_t min_size,
                                                        size_t limit);
  // The checkpoint of the largest size; NOT_FOUND if there is none.
  absl::StatusOr<v1::StoredCheckpoint> LatestCheckpoint(absl::string_view origin);
  // The checkpoint of exactly `size`; NOT_FOUND if none is stored.
  absl::StatusOr<v1::StoredCheckpoint> GetCheckpoint(absl::string_view origin, uint64_t size);
  // Adds to the stored checkpoint of `size` each of `lines` (full note signature lines, already
  // verified by the caller) it does not yet carry, in one synced write. Returns how many were
  // new. NOT_FOUND if no checkpoint of that size is stored.
  absl::StatusOr<size_t> AddCosignatures(absl::string_view origin, uint64_t size,
                                         const std::vector<std::string>& lines);

  // The largest cosigned checkpoint of `origin` this node has seen (proto/data.proto
  // SeenCheckpoint), verified by the caller. Kept only if larger than the one recorded: returns
  // whether it was.
  absl::StatusOr<bool> PutSeenCheckpoint(absl::string_view origin, const v1::SeenCheckpoint& seen);
  // Every origin's SeenCheckpoint, by origin.
  absl::StatusOr<std::map<std::string, v1::SeenCheckpoint>> SeenCheckpoints();

  // Proof that an origin signed two inconsistent checkpoints (verified by the caller). Storing
  // the same pair twice keeps one. Returns whether it was new.
  absl::StatusOr<bool> PutEvidence(const v1::Evidence& evidence);
  // Evidence against `origin`, or against every origin if `origin` is empty.
  absl::StatusOr<std::vector<v1::Evidence>> ListEvidence(absl::string_view origin);

  // Change notification for watchers: a counter bumped by every successful append, cosignature
  // and evidence write. WaitForChange blocks until the counter differs from `seen`, `timeout`
  // passes or WakeAll has been called, and returns the counter.
  // Counts a change that is not a log write (a new trust bundle in force) and wakes every
  // WaitForChange, as an append does.
  void NoteChange();
  uint64_t ChangeCount();
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout);
  // Wakes every waiter now, and makes every later WaitForChange return at once (shutdown: a
  // watcher between two waits must not sleep through it).
  void WakeAll();

  // Origins with at least one log entry, sorted.
  absl::StatusOr<std::vector<std::string>> Origins();

  // Node metadata. GetMeta returns NOT_FOUND for an unknown name. A write does not wake
  // WaitForChange: call NoteChange once what it changes is in force.
  absl::StatusOr<std::string> GetMeta(absl::string_view name);
  absl::Status PutMeta(absl::string_view name, absl::string_view value);
  // Several in one atomic write.
  absl::Status PutMetas(
      std::initializer_list<std::pair<absl::string_view, absl::string_view>> values);

  // Reads every block of every table file and checks its checksum. DATA_LOSS naming the file.
  absl::Status VerifyChecksums();
  // A consistent copy of the store in the new folder `dir` (Engine::Checkpoint); see BackupStore.
  absl::Status Checkpoint(const std::string& dir) { return engine_->Checkpoint(dir); }

  // The data folder, for messages.
  const std::string& where() const { return engine_->where(); }
  // The engine's size and write pressure, for the metrics.
  EngineStats Stats() { return engine_->Stats(); }

  // Write health. After a failed write (a full disk, an I/O error) the store is degraded: reads
  // go on, and every later write first asks the engine to recover (RocksDB is reopened once the
  // disk has room), so that the node heals without a restart. WriteFailure asks the same and
  // returns OK when writes work, else the failure that made the store degraded.
  absl::Status WriteFailure();
  // How many writes have failed since the store became degraded (0 when healthy).
  uint64_t FailedWrites();
  // Called (outside any lock of the store) when the store becomes degraded, with the failure,
  // and when it recovers, with OK. Before use; not thread-safe.
  void SetHealthListener(std::function<void(const absl::Status&)> listener) {
    health_listener_ = std::move(listener);
  }

 private:
  // Records the data format in a folder that has none (unless `read_only`); FAILED_PRECONDITION
  // for a folder of a newer format.
  absl::Status CheckFormat(bool read_only);
  // AppendEntries, calling `batched` once the write batch holds everything and before it is
  // written.
  absl::Status AppendEntries(const Entries& e, absl::FunctionRef<void()> batched);
  // The value of `key` in `table`, parsed: NOT_FOUND "no <what>", DATA_LOSS if it does not parse.
  template <typename Message>
  absl::StatusOr<Message> GetValue(StoreTable table, absl::string_view key, absl::string_view what);
  // Writes `batch` with a synced WAL and wakes the watchers.
  absl::Status Commit(WriteBatch& batch);
  // Every write goes through here: recovery first if degraded, then the synced write, then the
  // health it shows.
  absl::Status WriteSynced(WriteBatch& batch);
  // If degraded, has the engine try to recover; notes the result.
  void TryRecover();
  void NoteWrite(const absl::Status& result);

  std::unique_ptr<Engine> engine_;
  std::function<void(const absl::Status&)> health_listener_;

  absl::Mutex health_mu_;
  absl::Status write_failure_ ABSL_GUARDED_BY(health_mu_);
  uint64_t failed_writes_ ABSL_GUARDED_BY(health_mu_) = 0;

  absl::Mutex append_mu_;
  // Standard library, not absl::Mutex: WaitForChange waits by the steady clock.
  std::mutex change_mu_;
  std::condition_variable changed_;
  uint64_t changes_ = 0;  // guarded by change_mu_
  bool woken_ = false;    // guarded by change_mu_
};

}  // namespace ots

#endif  // OTS_NODE_STORE_STORE_H_
