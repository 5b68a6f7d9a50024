// The Federation gRPC service (proto/services.proto): node identities only. Handlers are thin:
// they read the identified caller, check it is a node and may see the origin, and call
// sync/federation.h or the witness.
#ifndef OTS_NODE_RPC_FEDERATION_SERVICE_H_
#define OTS_NODE_RPC_FEDERATION_SERVICE_H_

#include <atomic>

#include "absl/time/time.h"
#include "node/rpc/services.h"
#include "proto/services.grpc.pb.h"
#include "sync/federation.h"
#include "sync/witness.h"

namespace ots {

class FederationService final : public v1::Federation::Service {
 public:
  // `node` and `witness` must outlive the service. A Watch stream answers at least every
  // `keepalive` (as node->clock counts time).
  FederationService(const NodeContext* node, Witness* witness, const PullLimits& limits,
                    absl::Duration keepalive)
      : node_(node), witness_(witness), limits_(limits), keepalive_(keepalive) {}

  // Ends every Watch stream now and refuses new ones (shutdown). Idempotent.
  void Stop();

  grpc::Status Checkpoints(grpc::ServerContext* context, const v1::CheckpointsRequest* request,
                           v1::CheckpointsResponse* response) override;
  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullChunk>* writer) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::CheckpointsResponse>* writer) override;
  grpc::Status TrustBundle(grpc::ServerContext* context, const v1::TrustBundleRequest* request,
                           v1::TrustBundleResponse* response) override;
  grpc::Status Cosign(grpc::ServerContext* context, const v1::CosignRequest* request,
                      v1::CosignResponse* response) override;

 private:
  // The caller, which must be a NODE identity; PERMISSION_DENIED (logged) otherwise.
  absl::StatusOr<CallerIdentity> Peer(const grpc::ServerContext& context, absl::string_view verb);

  const NodeContext* const node_;
  Witness* const witness_;
  const PullLimits limits_;
  const absl::Duration keepalive_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ots

#endif  // OTS_NODE_RPC_FEDERATION_SERVICE_H_
