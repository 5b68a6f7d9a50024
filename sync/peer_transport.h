// How the syncer talks to one peer node. The real one is gRPC over mutual TLS (grpc_peer.h);
// unit tests put an in-process peer behind the same interface to inject faults.
#ifndef OTS_SYNC_PEER_TRANSPORT_H_
#define OTS_SYNC_PEER_TRANSPORT_H_

#include <functional>

#include "absl/status/statusor.h"
#include "proto/services.pb.h"
#include "sync/federation.h"

namespace ots {

class PeerTransport {
 public:
  virtual ~PeerTransport() = default;

  // Federation.Checkpoints.
  virtual absl::StatusOr<v1::CheckpointsResponse> Checkpoints() = 0;
  // Federation.Pull, assembled (PullAssembler).
  virtual absl::StatusOr<PulledBatch> Pull(const v1::PullRequest& request) = 0;
  // Federation.Watch: calls `on_update` for every message until the stream ends, then returns
  // how it ended. Must return promptly once Cancel is called.
  virtual absl::Status Watch(
      const std::function<void(const v1::CheckpointsResponse&)>& on_update) = 0;
  // Federation.TrustBundle: the newest signed trust bundle the peer holds.
  virtual absl::StatusOr<v1::TrustBundleResponse> TrustBundle() {
    return absl::UnimplementedError("this peer does not serve its trust bundle");
  }
  // Ends a Watch in progress and fails every later call (shutdown). Thread-safe.
  virtual void Cancel() = 0;
};

}  // namespace ots

#endif  // OTS_SYNC_PEER_TRANSPORT_H_
