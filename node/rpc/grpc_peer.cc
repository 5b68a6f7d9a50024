#include "node/rpc/grpc_peer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "node/rpc/grpc_status.h"

namespace ots {
GrpcPeerTransport::GrpcPeerTransport(const GrpcPeerOptions& options, const Directory* directory)
    : options_(options), directory_(directory) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = options.ca_pem;
  tls.pem_private_key = options.key_pem;
  tls.pem_cert_chain = options.cert_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(options.server_name);
  args.SetMaxReceiveMessageSize(-1);
  // Reconnect soon after a peer comes back; our own backoff paces the calls.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.reconnect_max)));
  channel_ = grpc::CreateCustomChannel(options.endpoint, grpc::SslCredentials(tls), args);
  stub_ = v1::Federation::NewStub(channel_);
}

absl::Status GrpcPeerTransport::CheckServer(const grpc::ClientContext& context) const {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) {
    return absl::UnauthenticatedError("no TLS peer");
  }
  std::vector<grpc::string_ref> pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the node at ", options_.endpoint, " presented no certificate"));
  }
  absl::StatusOr<std::string> spki =
      CertificatePemSpkiSha256Hex(std::string(pems[0].data(), pems[0].size()));
  if (!spki.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("the certificate of the node at ",
                                                   options_.endpoint,
                                                   " does not parse: ", spki.status().message()));
  }
  absl::StatusOr<CallerIdentity> who = directory_->Identify(*spki);
  if (!who.ok() || who->member != options_.member || who->kind != v1::TlsIdentity::NODE) {
    return absl::PermissionDeniedError(
        absl::StrCat("the node at ", options_.endpoint, " is not ", options_.member,
                     "'s node: its certificate key ", spki->substr(0, 16), "... is ",
                     who.ok() ? who->Describe() : "not in the trust bundle"));
  }
  return absl::OkStatus();
}

bool GrpcPeerTransport::Track(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) {
    return false;
  }
  calls_.push_back(context);
  return true;
}

void GrpcPeerTransport::Untrack(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  calls_.erase(std::remove(calls_.begin(), calls_.end(), context), calls_.end());
}

void GrpcPeerTransport::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* c : calls_) {
    c->TryCancel();
  }
}

absl::StatusOr<v1::CheckpointsResponse> GrpcPeerTransport::Checkpoints() {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(options_.call_timeout));
  if (!Track(&context)) {
    return absl::CancelledError("shutting down");
  }
  v1::CheckpointsResponse response;
  grpc::Status s = stub_->Checkpoints(&context, v1::CheckpointsRequest(), &response);
  Untrack(&context);
  if (!s.ok()) {
    return FromGrpcStatus(s);
  }
  OTS_RETURN_IF_ERROR(CheckServer(context));
  return response;
}

absl::StatusOr<PulledBatch> GrpcPeerTransport::Pull(const v1::PullRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(options_.pull_timeout));
  if (!Track(&context)) {
    return absl::CancelledError("shutting down");
  }
  std::unique_ptr<grpc::ClientReader<v1::PullChunk>> reader = stub_->Pull(&context, request);
  PullAssembler assembler(request.origin(), request.headers_only());
  v1::PullChunk chunk;
  absl::Status assembled = absl::OkStatus();
  bool checked = false;
  while (reader->Read(&chunk)) {
    if (!checked) {
      // Before reading on: the answer must come from the node we meant.
      assembled = CheckServer(context);
      checked = true;
    }
    if (assembled.ok()) {
      assembled = assembler.Add(chunk);
    }
    if (!assembled.ok()) {
      context.TryCancel();
    }
  }
  grpc::Status s = reader->Finish();
  Untrack(&context);
  OTS_RETURN_IF_ERROR(assembled);
  if (!s.ok()) {
    return FromGrpcStatus(s);
  }
  return assembler.Finish();
}

absl::Status GrpcPeerTransport::Watch(
    const std::function<void(const v1::CheckpointsResponse&)>& on_update) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(options_.watch_timeout));
  if (!Track(&context)) {
    return absl::CancelledError("shutting down");
  }
  std::unique_ptr<grpc::ClientReader<v1::CheckpointsResponse>> reader =
      stub_->Watch(&context, v1::WatchRequest());
  v1::CheckpointsResponse response;
  absl::Status checked = absl::OkStatus();
  bool first = true;
  while (reader->Read(&response)) {
    if (first) {
      checked = CheckServer(context);
      first = false;
      if (!checked.ok()) {
        context.TryCancel();
        break;
      }
    }
    on_update(response);
  }
  grpc::Status s = reader->Finish();
  Untrack(&context);
  OTS_RETURN_IF_ERROR(checked);
  return FromGrpcStatus(s);
}

}  // namespace ots
