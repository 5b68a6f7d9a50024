#include "node/rpc/federation_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "node/rpc/grpc_status.h"

namespace ots {

void FederationService::Stop() {
  stopping_ = true;
  node_->store->WakeAll();
}

absl::StatusOr<CallerIdentity> FederationService::Peer(grpc::ServerContext* context,
                                                       absl::string_view verb) {
  absl::StatusOr<CallerIdentity> caller =
      IdentifyCaller(*context->auth_context(), *node_->directory);
  if (!caller.ok()) {
    return caller.status();
  }
  if (caller->kind != v1::TlsIdentity::NODE) {
    absl::Status denied = absl::PermissionDeniedError(absl::StrCat(
        "Federation.", verb, " is for member nodes; ", caller->Describe(), " is not one"));
    node_->logger->Log(LogLevel::kWarn, caller->Describe(), denied.message());
    return denied;
  }
  return caller;
}

grpc::Status FederationService::Checkpoints(grpc::ServerContext* context,
                                            const v1::CheckpointsRequest* /*request*/,
                                            v1::CheckpointsResponse* response) {
  absl::StatusOr<CallerIdentity> caller = Peer(context, "Checkpoints");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<v1::CheckpointsResponse> latest =
      LatestCheckpoints(*node_->store, *node_->directory, node_->member, caller->member);
  if (!latest.ok()) {
    return ToGrpcStatus(latest.status());
  }
  *response = *std::move(latest);
  return grpc::Status::OK;
}

grpc::Status FederationService::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                                     grpc::ServerWriter<v1::PullChunk>* writer) {
  absl::StatusOr<CallerIdentity> caller = Peer(context, "Pull");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::Status s = ServePull(*node_->store, *node_->directory, caller->member, *request, limits_,
                             [&](const v1::PullChunk& chunk) { return writer->Write(chunk); });
  if (s.code() == absl::StatusCode::kPermissionDenied) {
    node_->logger->Log(LogLevel::kWarn, caller->Describe(),
                       absl::StrCat("pull refused: ", s.message()));
  }
  return ToGrpcStatus(s);
}

grpc::Status FederationService::Watch(grpc::ServerContext* context,
                                      const v1::WatchRequest* /*request*/,
                                      grpc::ServerWriter<v1::CheckpointsResponse>* writer) {
  absl::StatusOr<CallerIdentity> caller = Peer(context, "Watch");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  std::string last_sent;
  absl::Time last_write = absl::InfinitePast();
  while (!stopping_ && !context->IsCancelled()) {
    // Read the counter first: a change made while we answer wakes the next wait at once.
    const uint64_t seen = node_->store->ChangeCount();
    absl::StatusOr<v1::CheckpointsResponse> latest =
        LatestCheckpoints(*node_->store, *node_->directory, node_->member, caller->member);
    if (!latest.ok()) {
      return ToGrpcStatus(latest.status());
    }
    std::string serialized;
    latest->SerializeToString(&serialized);
    const absl::Time now = absl::Now();
    if (serialized != last_sent || now - last_write >= keepalive_) {
      if (!writer->Write(*latest)) {
        break;
      }
      last_sent = std::move(serialized);
      last_write = now;
    }
    node_->store->WaitForChange(seen, last_write + keepalive_);
  }
  return grpc::Status::OK;
}

grpc::Status FederationService::Cosign(grpc::ServerContext* context,
                                       const v1::CosignRequest* request,
                                       v1::CosignResponse* response) {
  absl::StatusOr<CallerIdentity> caller = Peer(context, "Cosign");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  if (!node_->directory->MaySee(caller->member, request->origin())) {
    absl::Status denied = absl::PermissionDeniedError(
        absl::StrCat(request->origin(), " does not share its data with ", caller->member));
    node_->logger->Log(LogLevel::kWarn, caller->Describe(),
                       absl::StrCat("cosign refused: ", denied.message()));
    return ToGrpcStatus(denied);
  }
  if (!node_->directory->MaySee(node_->member, request->origin())) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat(request->origin(), " does not share its data with ", node_->member,
                     ", so this node holds none of it to witness")));
  }
  absl::StatusOr<std::string> line =
      witness_->Cosign(request->origin(), request->checkpoint_note(), caller->Describe());
  if (!line.ok()) {
    return ToGrpcStatus(line.status());
  }
  response->set_cosignature_line(*line);
  return grpc::Status::OK;
}

}  // namespace ots
