// The origin logs of one store (DESIGN §3.4): one append-only log per origin whose leaves are
// its signed return headers, and the tree head each has reached. OriginLogs keeps, per origin,
// the leaf hashes of what the store holds, checked against the checkpoint stored at that size
// (the verified prefix); it reads from the store only the entries appended since it last
// looked, so neither a pull served nor a batch accepted re-reads a whole log.
//
// Thread-safe: every method may be called from any thread.
#ifndef OTS_NODE_LOG_ORIGIN_LOG_H_
#define OTS_NODE_LOG_ORIGIN_LOG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "crypto/sha256.h"
#include "node/store/store.h"
#include "proto/data.pb.h"

namespace ots {

// The leaf hash of one log entry: the Merkle leaf hash of its signed header text.
Hash LogLeafHash(const v1::LogEntry& entry);

// The federation whose logs `store` holds: the name it recorded with its first entry, or for a
// folder that recorded none, the one its checkpoints name. NOT_FOUND if it holds no log.
absl::StatusOr<std::string> StoredFederation(Store& store);

class OriginLogs {
 public:
  // `store` must outlive this. `federation` names the logs (node/log/names.h).
  OriginLogs(Store* store, std::string federation)
      : store_(store), federation_(std::move(federation)) {}

  OriginLogs(const OriginLogs&) = delete;
  OriginLogs& operator=(const OriginLogs&) = delete;

  Store& store() const { return *store_; }
  const std::string& federation() const { return federation_; }
  // The name of `origin`'s log ("ots-mx/log/AZ").
  std::string LogName(absl::string_view origin) const;

  struct TreeHead {
    uint64_t size = 0;
    Hash root{};
  };
  // The size and root of `origin`'s log as the store holds it (size 0 if it holds none).
  // DATA_LOSS if the stored entries do not hash to the root of the checkpoint stored with them.
  absl::StatusOr<TreeHead> Head(absl::string_view origin);

  // The root of the first `size` entries of `origin`'s log. OUT_OF_RANGE past its end.
  absl::StatusOr<Hash> Root(absl::string_view origin, uint64_t size);
  // The leaf hashes of the first `size` entries. OUT_OF_RANGE past the end.
  absl::StatusOr<std::vector<Hash>> Leaves(absl::string_view origin, uint64_t size);
  // RFC 9162 proofs over the first `size` entries. OUT_OF_RANGE past the end; INVALID_ARGUMENT
  // for an index or old size the tree does not have.
  absl::StatusOr<std::vector<Hash>> InclusionProof(absl::string_view origin, uint64_t index,
                                                   uint64_t size);
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(absl::string_view origin, uint64_t old_size,
                                                     uint64_t new_size);
  // Reads that check what they read (docs/audit.md "Reads verify"). The header of `origin`'s
  // log entry `index`, parsed, once the entry is checked against the verified log (its leaf hash
  // is the one the checkpoint commits to). DATA_LOSS naming the entry otherwise; OUT_OF_RANGE past
  // the log's end.
  absl::StatusOr<v1::ReturnHeader> VerifiedHeader(absl::string_view origin, uint64_t index);
  // Whether the cells of the return at `origin`'s entry `index`, which is `period` revision
  // `revision`, were found to hash to its header's cells root by this OriginLogs
  // (MarkCellsVerified): each return is checked once. An entry recorded as another return is
  // not verified.
  bool CellsVerified(absl::string_view origin, uint64_t index, absl::string_view period,
                     uint64_t revision);
  void MarkCellsVerified(absl::string_view origin, uint64_t index, absl::string_view period,
                         uint64_t revision);

  // Binds the data folder to this federation: OK if it is bound to it already; adds the
  // binding to `meta` (to be written with the next append) if it is bound to none;
  // FAILED_PRECONDITION, naming both, if it holds another federation's logs.
  absl::Status BindFederation(std::vector<std::pair<std::string, std::string>>* meta);

  // The root the log would have if `appended` leaves followed its first `from` entries, which
  // must be all of it: FAILED_PRECONDITION, naming both sizes, otherwise.
  absl::StatusOr<Hash> RootWith(absl::string_view origin, uint64_t from,
                                absl::Span<const Hash> appended);

 private:
  struct Cached {
    std::vector<Hash> leaves;
  };
  // `origin`'s cache brought up to the store's log size: only entries it has not seen are read
  // and hashed, and the result checked against the checkpoint stored at the new size.
  absl::StatusOr<const Cached*> Sync(absl::string_view origin) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The first `size` leaves of a synced log; OUT_OF_RANGE past its end.
  absl::StatusOr<absl::Span<const Hash>> Prefix(absl::string_view origin, uint64_t size)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  const std::string federation_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
  // (origin, log index) -> (period, revision) of the returns whose cells verified.
  absl::flat_hash_map<std::pair<std::string, uint64_t>, std::pair<std::string, uint64_t>>
      cells_verified_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ots

#endif  // OTS_NODE_LOG_ORIGIN_LOG_H_
