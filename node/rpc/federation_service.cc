#include "node/rpc/federation_service.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/status_macros.h"
#include "node/rpc/grpc_status.h"
#include "node/rpc/identity.h"

namespace ots {

void FederationService::Stop() {
  stopping_ = true;
  node_->store().WakeAll();
}

absl::StatusOr<CallerIdentity> FederationService::Peer(const grpc::ServerContext& context,
                                                       absl::string_view verb) {
  OTS_ASSIGN_OR_RETURN(CallerIdentity caller, CallerOf(context));
  if (caller.kind != v1::TlsIdentity::NODE) {
    absl::Status denied = absl::PermissionDeniedError(absl::StrCat(
        "Federation.", verb, " is for member nodes; ", caller.Describe(), " is not one"));
    node_->logger->Log(LogLevel::kWarn, caller.Describe(), denied.message());
    return denied;
  }
  return caller;
}

grpc::Status FederationService::Checkpoints(grpc::ServerContext* context,
                                            const v1::CheckpointsRequest* /*request*/,
                                            v1::CheckpointsResponse* response) {
  absl::StatusOr<CallerIdentity> caller = Peer(*context, "Checkpoints");
  absl::StatusOr<v1::CheckpointsResponse> latest =
      caller.ok()
          ? LatestCheckpoints(node_->store(), *node_->directory, node_->member, caller->member)
          : caller.status();
  if (!latest.ok()) {
    return ToGrpcStatus(latest.status());
  }
  *response = *std::move(latest);
  response->set_sent_at_unix_ms(absl::ToUnixMillis(node_->clock->Now()));
  return grpc::Status::OK;
}

grpc::Status FederationService::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                                     grpc::ServerWriter<v1::PullChunk>* writer) {
  absl::StatusOr<CallerIdentity> caller = Peer(*context, "Pull");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::Status s = ServePull(*node_->logs, *node_->directory, caller->member, *request, limits_,
                             [&](const v1::PullChunk& chunk) { return writer->Write(chunk); });
  if (absl::IsPermissionDenied(s)) {
    node_->logger->Log(LogLevel::kWarn, caller->Describe(),
                       absl::StrCat("pull refused: ", s.message()));
  }
  return ToGrpcStatus(s);
}

grpc::Status FederationService::Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                                      grpc::ServerWriter<v1::CheckpointsResponse>* writer) {
  absl::StatusOr<CallerIdentity> caller = Peer(*context, "Watch");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  // The watcher's keepalive if it asks for a shorter one: it takes a silent stream for a dead
  // connection after twice its own interval.
  absl::Duration keepalive = keepalive_;
  if (request->keepalive_ms() > 0) {
    keepalive = std::min(keepalive_,
                         std::max(absl::Milliseconds(request->keepalive_ms()), absl::Seconds(1)));
  }
  Store& store = node_->store();
  std::string last_sent;
  absl::Time last_write = absl::InfinitePast();
  while (!stopping_ && !context->IsCancelled()) {
    // A trust bundle applied meanwhile may have revoked the caller: the stream ends at once
    // (applying a bundle writes to the store, which wakes this loop).
    absl::StatusOr<CallerIdentity> still = node_->directory->Identify(caller->spki_sha256);
    if (!still.ok() || still->member != caller->member || still->kind != caller->kind) {
      absl::Status revoked = absl::PermissionDeniedError(
          absl::StrCat("watch ended: ", caller->Describe(), " is no longer a node identity: ",
                       still.ok() ? still->Describe() : still.status().message()));
      node_->logger->Log(LogLevel::kWarn, caller->Describe(), revoked.message());
      return ToGrpcStatus(revoked);
    }
    // Read the counter first: a change made while we answer wakes the next wait at once.
    const uint64_t seen = store.ChangeCount();
    absl::StatusOr<v1::CheckpointsResponse> latest =
        LatestCheckpoints(store, *node_->directory, node_->member, caller->member);
    if (!latest.ok()) {
      return ToGrpcStatus(latest.status());
    }
    std::string serialized;
    latest->SerializeToString(&serialized);
    const absl::Time now = node_->clock->Now();
    if (serialized != last_sent || now - last_write >= keepalive) {
      // Stamped after the comparison: the time alone is no change.
      latest->set_sent_at_unix_ms(absl::ToUnixMillis(now));
      if (!writer->Write(*latest)) {
        break;
      }
      last_sent = std::move(serialized);
      last_write = now;
    }
    // The store wakes this on any change; otherwise it is time for the keepalive answer.
    store.WaitForChange(seen, last_write + keepalive - now);
  }
  return grpc::Status::OK;
}

grpc::Status FederationService::Cosign(grpc::ServerContext* context,
                                       const v1::CosignRequest* request,
                                       v1::CosignResponse* response) {
  absl::StatusOr<CallerIdentity> caller = Peer(*context, "Cosign");
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const std::string& origin = request->origin();
  absl::Status allowed = absl::OkStatus();
  if (!node_->directory->MaySee(caller->member, origin)) {
    allowed = absl::PermissionDeniedError(
        absl::StrCat(origin, " does not share its data with ", caller->member));
    node_->logger->Log(LogLevel::kWarn, caller->Describe(),
                       absl::StrCat("cosign refused: ", allowed.message()));
  } else if (!node_->directory->MaySee(node_->member, origin)) {
    allowed = absl::PermissionDeniedError(
        absl::StrCat(origin, " does not share its data with ", node_->member,
                     ", so this node holds none of it to witness"));
  }
  absl::StatusOr<std::string> line =
      allowed.ok() ? witness_->Cosign(origin, request->checkpoint_note(), caller->Describe())
                   : allowed;
  if (!line.ok()) {
    return ToGrpcStatus(line.status());
  }
  response->set_cosignature_line(*line);
  return grpc::Status::OK;
}

grpc::Status FederationService::TrustBundle(grpc::ServerContext* context,
                                            const v1::TrustBundleRequest* /*request*/,
                                            v1::TrustBundleResponse* response) {
  // Any member identity: the bundle is signed, and every identity already trusts it.
  absl::StatusOr<CallerIdentity> caller = CallerOf(*context);
  if (!caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  response->set_signed_bundle(node_->directory->signed_bundle());
  response->set_version(node_->directory->version());
  return grpc::Status::OK;
}

}  // namespace ots
