// Warnings ahead of expiry (docs/operations.md, "Expiry warnings"): certificates last a year (pki
// init), and a node whose certificate or keys run out stops talking to its peers or signing. A
// node warns in its log at start, and in every Query.Status answer (StatusResponse
// expiry_warnings, which `ots-ctl status` prints), from 30 days before.
#ifndef OTS_NODE_SERVER_EXPIRY_H_
#define OTS_NODE_SERVER_EXPIRY_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "node/base/clock.h"
#include "node/rpc/services.h"
#include "node/server/node_server.h"
#include "proto/services.grpc.pb.h"

namespace ots {

// How long before expiry the warnings start.
constexpr absl::Duration kExpiryWarningTime = absl::Hours(24 * 30);

// One line for each of the node's certificates and keys that expires within `warn_before` of
// `now`, or has expired: its TLS certificate, each CA certificate of its CA file, and its log and
// witness keys as the trust bundle bounds them (valid_until). E.g.
//   "TLS certificate /etc/ots/az/node.pem expires on 2027-01-05 (in 12 days)"
//   "log key 3f2a...c1 (/etc/ots/az/log.key) expired on 2027-01-05 (3 days ago) per the trust
//    bundle"
// In that order; empty if nothing is near its end.
std::vector<std::string> ExpiryWarnings(const NodeSetup& setup, absl::Time now,
                                        absl::Duration warn_before = kExpiryWarningTime);

// The Query service as `query` answers it, with the expiry warnings of `setup` (at `clock`'s
// time) added to every Status answer. The other methods pass through unchanged. `query`,
// `setup` and `clock` must outlive it.
class QueryWithExpiryWarnings final : public v1::Query::Service {
 public:
  QueryWithExpiryWarnings(v1::Query::Service* query, const NodeSetup* setup, const Clock* clock)
      : query_(query), setup_(setup), clock_(clock) {}

  grpc::Status Cells(grpc::ServerContext* context, const v1::CellsRequest* request,
                     grpc::ServerWriter<v1::TableChunk>* writer) override {
    return query_->Cells(context, request, writer);
  }
  grpc::Status LatestCheckpoint(grpc::ServerContext* context, const v1::CheckpointRequest* request,
                                v1::CheckpointResponse* response) override {
    return query_->LatestCheckpoint(context, request, response);
  }
  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;
  grpc::Status Prove(grpc::ServerContext* context, const v1::ProveRequest* request,
                     v1::ProveResponse* response) override {
    return query_->Prove(context, request, response);
  }
  grpc::Status Consolidated(grpc::ServerContext* context, const v1::ConsolidatedRequest* request,
                            v1::ConsolidatedResponse* response) override {
    return query_->Consolidated(context, request, response);
  }
  grpc::Status SignedReturn(grpc::ServerContext* context, const v1::SignedReturnRequest* request,
                            grpc::ServerWriter<v1::SignedReturnChunk>* writer) override {
    return query_->SignedReturn(context, request, writer);
  }

 private:
  v1::Query::Service* const query_;
  const NodeSetup* const setup_;
  const Clock* const clock_;
};

}  // namespace ots

#endif  // OTS_NODE_SERVER_EXPIRY_H_
