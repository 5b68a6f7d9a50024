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
  // One per entry (or none at all): the openings of its sealed cells, text form
  // (node/model/sealed_cells.h), empty when none came. Kept only by a node the origin entitles to
  // its confidential cells, and only if each opens a sealed cell of the entry.
  std::vector<std::string> openings;
  std::string checkpoint_note;  // the origin's signed checkpoint of size from + entries.size()
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
  //                       count or value sum fails, or an opening opens no sealed cell; or the
  //                       checkpoint's signature, size or root does not match the local log
  //                       extended by the batch.
  // Messages name the origin, the log index and the check. Only the entries of the batch are
  // read and checked: the local log is known to match the checkpoint it was stored with.
  absl::StatusOr<uint64_t> Accept(const ReplicaBatch& batch);

  // The log indexes of `origin`'s entries whose sealed cells this node, entitled to their values,
  // holds without all the openings: they came through a relay the origin does not entitle
  // (Accept records them). Ascending; empty if none.
  absl::StatusOr<std::vector<uint64_t>> MissingOpenings(absl::string_view origin);
  // Takes the openings of such entries from `batch` (a pull from an entitled peer, starting at or
  // before the first of them): each entry of the batch must be byte for byte the one this node
  // holds at its index, its cells must give its header's cells root, and each opening must open
  // one of its sealed cells. Stores what it completes and returns how many entries it completed.
  // INVALID_ARGUMENT, storing nothing more, at the first entry that fails.
  absl::StatusOr<size_t> AcceptOpenings(const ReplicaBatch& batch);

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
