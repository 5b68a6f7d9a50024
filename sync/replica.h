// Replication of an origin's log between nodes (DESIGN §3–§4): what a node receives from a peer
// (a batch of consecutive entries, their cells and the origin's checkpoint covering them), and
// how the receiver verifies all of it before storing any of it.
//
// Integrity is end to end: a batch is accepted only if the origin's own signatures hold, so a
// batch may come through any relay.
#ifndef OTS_SYNC_REPLICA_H_
#define OTS_SYNC_REPLICA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/base/clock_check.h"
#include "node/log/origin_log.h"
#include "node/model/cell_lines.h"
#include "node/trust/directory.h"
#include "proto/data.pb.h"

namespace ots {

// Entries [from, from + entries.size()) of `origin`'s log.
struct ReplicaBatch {
  std::string origin;
  uint64_t from = 0;
  std::vector<v1::LogEntry> entries;
  std::vector<CellLines> cells;  // one per entry, sorted, as the header's cells root covers
  std::string checkpoint_note;   // the origin's signed checkpoint of size from + entries.size()
};

// Verifies batches from peers and appends them to the local store. Thread-safe as Store is;
// batches of one origin are expected one at a time (a concurrent append is refused by the
// store's size check, not corrupted).
class Replicator {
 public:
  // `logs` and `directory` must outlive the replicator; `self` is this node's member code.
  Replicator(OriginLogs* logs, const Directory* directory, std::string self)
      : logs_(logs), directory_(directory), self_(std::move(self)) {}

  // Before use: with a clock check, a header dated beyond its bound in this node's future is
  // refused (INVALID_ARGUMENT), as a peer with a wrong clock would sign it.
  void set_clock_check(const ClockCheck* clock_check) { clock_check_ = clock_check; }

  // Verifies `batch` completely, then appends it in one synced write. Returns the new log size.
  // Nothing is stored unless every check holds:
  //   PERMISSION_DENIED   the origin is not a member, or does not share its data with `self`;
  //   FAILED_PRECONDITION batch.from is not the local log size, the origin is frozen here, or
  //                       the folder holds another federation's logs;
  //   INVALID_ARGUMENT    a header signature, header field, revision chain, cells root, cell
  //                       count or value sum fails; or the checkpoint's signature, size or root
  //                       does not match the local log extended by the batch.
  // Messages name the origin, the log index and the check. Only the entries of the batch are
  // read and checked: the local log is known to match the checkpoint it was stored with.
  absl::StatusOr<uint64_t> Accept(const ReplicaBatch& batch);

 private:
  // PERMISSION_DENIED or FAILED_PRECONDITION if nothing of `origin` may be accepted here.
  absl::Status CheckOrigin(const std::string& origin);

  OriginLogs* const logs_;
  const Directory* const directory_;
  const std::string self_;
  const ClockCheck* clock_check_ = nullptr;
};

}  // namespace ots

#endif  // OTS_SYNC_REPLICA_H_
