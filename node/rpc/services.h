// The gRPC services of ots-node (proto/services.proto). Handlers are thin (STYLE §10): each reads
// the caller IdentityGate identified, authorizes it, calls one library function and maps its
// absl::Status to a grpc::Status.
#ifndef OTS_NODE_RPC_SERVICES_H_
#define OTS_NODE_RPC_SERVICES_H_

#include <functional>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "node/base/clock.h"
#include "node/base/clock_check.h"
#include "node/base/event_counts.h"
#include "node/base/event_log.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "proto/services.grpc.pb.h"

namespace ots {

// EventCounts kinds of the submissions: by outcome ("stored", "unchanged", "rejected"), and the
// rejections by reason ("denied", "unreadable", "invalid", "revoked", "disk_full", ...).
inline constexpr absl::string_view kSubmitCount = "submit";
inline constexpr absl::string_view kSubmitRejectionCount = "submit_rejection";

// What the services share. Everything is owned by the server and outlives the services.
struct NodeContext {
  std::string member;  // this node's member code (AZ, ..., OTS)
  OriginLogs* logs = nullptr;
  Publisher* publisher = nullptr;  // nullptr on the Secretariat, which signs no returns
  const Directory* directory = nullptr;
  Logger* logger = nullptr;
  const Clock* clock = nullptr;
  uint64_t max_return_bytes = 0;
  // The DATAFLOW values accepted in a return (empty: the federation's).
  std::vector<std::string> accepted_dataflows;
  std::string started_at;
  // How replication with each peer goes (empty function if the node does not replicate).
  std::function<std::vector<v1::PeerStatus>()> peer_statuses;
  // This node's clock against its peers' (null if the node does not replicate).
  const ClockCheck* clock_check = nullptr;
  // The node's certificates and keys near their end, one line each (empty function: none known).
  std::function<std::vector<std::string>()> expiry_warnings;
  // Every certificate and key of the node with its end, one line each (empty function: none).
  std::function<std::vector<std::string>()> expiries;
  // Why the node signs nothing of its own log just now (empty function or string: it may).
  std::function<std::string()> own_log_recovery;
  // Where submissions are counted (kSubmitCount by outcome, kSubmitRejectionCount by reason);
  // may be null.
  EventCounts* counts = nullptr;
  // Checks a signed trust bundle handed over by `source` (for the log) and applies it if it is
  // newer (NodeServer::ApplyBundle). Empty function: the node takes none.
  std::function<absl::StatusOr<v1::PushBundleResponse>(const std::string& source,
                                                       const std::string& signed_bundle)>
      apply_bundle;

  Store& store() const { return logs->store(); }
  // `s` as a client may see it: the node's data folder, which only its operator needs to know,
  // is not named (the node's own log has the full message).
  absl::Status ForClient(const absl::Status& s) const;
};

// What the node tells `caller` about itself (Query.Status): DescribeNode, with its version, its
// peers, clock, certificates' ends, own-log recovery and store state. Store errors pass through.
absl::StatusOr<v1::StatusResponse> NodeStatus(const NodeContext& node,
                                              const CallerIdentity& caller);

class SubmissionService final : public v1::Submission::Service {
 public:
  explicit SubmissionService(const NodeContext* node) : node_(node) {}
  grpc::Status Submit(grpc::ServerContext* context, grpc::ServerReader<v1::SubmitChunk>* reader,
                      v1::SubmitResponse* response) override;
  grpc::Status Validate(grpc::ServerContext* context, grpc::ServerReader<v1::SubmitChunk>* reader,
                        v1::SubmitResponse* response) override;
  grpc::Status Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;
  grpc::Status PushBundle(grpc::ServerContext* context, const v1::PushBundleRequest* request,
                          v1::PushBundleResponse* response) override;

 private:
  grpc::Status Handle(grpc::ServerContext* context, grpc::ServerReader<v1::SubmitChunk>* reader,
                      bool dry_run, v1::SubmitResponse* response);
  const NodeContext* const node_;
};

class QueryService final : public v1::Query::Service {
 public:
  explicit QueryService(const NodeContext* node) : node_(node) {}
  grpc::Status Cells(grpc::ServerContext* context, const v1::CellsRequest* request,
                     grpc::ServerWriter<v1::TableChunk>* writer) override;
  grpc::Status LatestCheckpoint(grpc::ServerContext* context, const v1::CheckpointRequest* request,
                                v1::CheckpointResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;
  grpc::Status Prove(grpc::ServerContext* context, const v1::ProveRequest* request,
                     v1::ProveResponse* response) override;
  grpc::Status Consolidated(grpc::ServerContext* context, const v1::ConsolidatedRequest* request,
                            v1::ConsolidatedResponse* response) override;
  grpc::Status SignedReturn(grpc::ServerContext* context, const v1::SignedReturnRequest* request,
                            grpc::ServerWriter<v1::SignedReturnChunk>* writer) override;
  grpc::Status Log(grpc::ServerContext* context, const v1::LogRequest* request,
                   grpc::ServerWriter<v1::TableChunk>* writer) override;
  grpc::Status Calendar(grpc::ServerContext* context, const v1::CalendarRequest* request,
                        grpc::ServerWriter<v1::TableChunk>* writer) override;

 private:
  // The caller, if it may see `origin`; PERMISSION_DENIED (logged as `verb` denied) otherwise.
  absl::StatusOr<CallerIdentity> CallerSeeing(const grpc::ServerContext& context,
                                              absl::string_view origin, absl::string_view verb);
  const NodeContext* const node_;
};

}  // namespace ots

#endif  // OTS_NODE_RPC_SERVICES_H_
