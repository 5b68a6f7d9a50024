// The Federation protocol (proto/services.proto, docs/federation.md) without gRPC: what a node
// answers a peer, and how a pull's stream of chunks becomes a ReplicaBatch. The gRPC service
// and the in-process test transport both use these, so both speak the same protocol.
#ifndef OTS_SYNC_FEDERATION_H_
#define OTS_SYNC_FEDERATION_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/log/origin_log.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"
#include "sync/replica.h"

namespace ots {

struct PullLimits {
  // A pull ends at the first stored checkpoint after this many entries or cells, so that a
  // receiver holds a bounded batch in memory; it pulls again for the rest.
  uint64_t max_entries = 256;
  uint64_t max_cells = uint64_t{4} << 20;
  // Bytes of cell lines per chunk.
  size_t chunk_bytes = size_t{1} << 20;
};

// The latest checkpoint (with cosignatures) of every origin in `store` that `caller` may see,
// and the evidence held against those origins. `self` is the serving node's member code.
absl::StatusOr<v1::CheckpointsResponse> LatestCheckpoints(Store& store, const Directory& directory,
                                                          absl::string_view self,
                                                          absl::string_view caller);

// Serves a pull to `caller`: PERMISSION_DENIED if the origin does not share with it, NOT_FOUND if
// the store holds none of its log, OUT_OF_RANGE if request.from is past the end. Reads only the
// entries it sends; the consistency proof comes from the logs' cached leaf hashes. `write` sends
// one chunk and returns false if the caller has gone (the pull then stops, CANCELLED).
absl::Status ServePull(OriginLogs& logs, const Directory& directory, absl::string_view caller,
                       const v1::PullRequest& request, const PullLimits& limits,
                       const std::function<bool(const v1::PullChunk&)>& write);

// A pull as received: its start and the batch. With headers_only, batch.cells is empty.
struct PulledBatch {
  v1::PullStart start;
  ReplicaBatch batch;
};

// Most cells one pull may bring, whatever its headers say (64 Mi: more than a 1 GiB return
// holds). A node's own pulls stop at PullLimits::max_cells after a whole return.
constexpr uint64_t kMaxPulledCells = uint64_t{64} << 20;

// Builds a PulledBatch from the chunks of a pull, checking their order. INVALID_ARGUMENT saying
// what is out of place (the peer's fault). Headers are not verified here (the Replicator does);
// their cell counts are trusted only up to kMaxPulledCells.
class PullAssembler {
 public:
  PullAssembler(std::string origin, bool headers_only)
      : origin_(std::move(origin)), headers_only_(headers_only) {}
  absl::Status Add(const v1::PullChunk& chunk);
  absl::StatusOr<PulledBatch> Finish();

 private:
  absl::Status CloseEntry();

  const std::string origin_;
  const bool headers_only_;
  bool started_ = false;
  bool entry_open_ = false;
  uint64_t expected_cells_ = 0;
  uint64_t cells_so_far_ = 0;
  PulledBatch out_;
};

}  // namespace ots

#endif  // OTS_SYNC_FEDERATION_H_
