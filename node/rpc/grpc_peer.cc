#include "node/rpc/grpc_peer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "node/rpc/grpc_status.h"

namespace ots {
GrpcPeerTransport::GrpcPeerTransport(const GrpcPeerOptions& options, const Directory* directory)
    : options_(options),
      directory_(directory),
      report_(std::make_shared<ServerCertificateReport>()) {
  Reconnect();
}

void GrpcPeerTransport::Reconnect() {
  ChannelTlsOptions tls;
  tls.cert_pem = options_.cert_pem;
  tls.key_pem = options_.key_pem;
  uint64_t generation = 0;
  if (options_.identity != nullptr) {
    PresentedIdentity::Pems pems = options_.identity->Get();
    tls.cert_pem = std::move(pems.cert_pem);
    tls.key_pem = std::move(pems.key_pem);
    generation = pems.generation;
  }
  tls.ca_pem = options_.ca_pem;
  tls.trusted = options_.trusted_cas;
  tls.endpoint = options_.endpoint;
  tls.clock = std::shared_ptr<const Clock>(options_.clock, [](const Clock*) {});  // outlives us
  tls.report = report_;
  tls.logger = options_.logger;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(options_.server_name);
  args.SetMaxReceiveMessageSize(-1);
  // Reconnect soon after a peer comes back; our own backoff paces the calls.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options_.reconnect_max)));
  // A connection whose peer vanished without a reset is found out by an unanswered ping.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options_.ping_interval)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options_.ping_timeout)));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Each channel its own connection: a new channel is a new connection, never the dead one
  // another channel to the same address still holds.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto stub = std::shared_ptr<v1::Federation::Stub>(v1::Federation::NewStub(
      grpc::CreateCustomChannel(options_.endpoint, NodeChannelCredentials(tls), args)));
  absl::MutexLock lock(&mu_);
  stub_ = std::move(stub);
  identity_generation_ = generation;
  ++connections_;
}

std::shared_ptr<v1::Federation::Stub> GrpcPeerTransport::Stub() {
  if (options_.identity != nullptr) {
    const uint64_t now = options_.identity->generation();
    bool stale = false;
    {
      absl::MutexLock lock(&mu_);
      stale = identity_generation_ != now;
    }
    if (stale) {
      Reconnect();
    }
  }
  absl::MutexLock lock(&mu_);
  return stub_;
}

int GrpcPeerTransport::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

absl::Status GrpcPeerTransport::CheckServer(const grpc::ClientContext& context) {
  absl::Status s = CheckServerIdentity(context);
  if (!s.ok()) {
    // The next call goes over a new connection: the peer may present another certificate by
    // then (a renewal with a new key the bundle lists now).
    Reconnect();
  }
  return s;
}

absl::Status GrpcPeerTransport::CheckServerIdentity(const grpc::ClientContext& context) const {
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

absl::Status GrpcPeerTransport::WithRefusal(const grpc::Status& s) const {
  absl::Status status = FromGrpcStatus(s);
  std::optional<std::string> refusal = report_->refusal();
  if (!absl::IsUnavailable(status) || !refusal.has_value()) {
    return status;
  }
  return absl::UnavailableError(*refusal);
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
  grpc::Status s = Stub()->Checkpoints(&context, v1::CheckpointsRequest(), &response);
  Untrack(&context);
  if (!s.ok()) {
    return WithRefusal(s);
  }
  OTS_RETURN_IF_ERROR(CheckServer(context));
  return response;
}

absl::StatusOr<v1::TrustBundleResponse> GrpcPeerTransport::TrustBundle() {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(options_.call_timeout));
  if (!Track(&context)) {
    return absl::CancelledError("shutting down");
  }
  v1::TrustBundleResponse response;
  grpc::Status s = Stub()->TrustBundle(&context, v1::TrustBundleRequest(), &response);
  Untrack(&context);
  if (!s.ok()) {
    return WithRefusal(s);
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
  std::unique_ptr<grpc::ClientReader<v1::PullChunk>> reader = Stub()->Pull(&context, request);
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
    return WithRefusal(s);
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
  v1::WatchRequest request;
  request.set_keepalive_ms(
      static_cast<uint32_t>(absl::ToInt64Milliseconds(options_.watch_keepalive)));
  std::unique_ptr<grpc::ClientReader<v1::CheckpointsResponse>> reader =
      Stub()->Watch(&context, request);

  // The watchdog: a stream that has not answered within one and a half keepalives is cancelled
  // (before the peer counts as stale, at two). The peer may be gone without a reset (a
  // firewall, a NAT that forgot us): TCP would wait for minutes, and until it gives up nothing
  // here would notice.
  const absl::Duration silence_limit = options_.watch_keepalive * 3 / 2;
  // By the steady clock: a wall clock stepped by NTP must not fire it, nor hold it off.
  using Steady = std::chrono::steady_clock;
  const Steady::duration limit = absl::ToChronoNanoseconds(silence_limit);
  std::mutex watch_mu;
  std::condition_variable watch_cv;
  Steady::time_point last_heard = Steady::now();
  bool done = false, silent = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(watch_mu);
    while (!done) {
      if (watch_cv.wait_until(lock, last_heard + limit, [&] { return done; })) {
        break;
      }
      if (Steady::now() >= last_heard + limit) {
        silent = true;
        context.TryCancel();
        break;
      }
    }
  });

  v1::CheckpointsResponse response;
  absl::Status checked = absl::OkStatus();
  uint64_t checked_version = 0;  // the bundle version the server was last checked against
  while (reader->Read(&response)) {
    {
      std::lock_guard<std::mutex> lock(watch_mu);
      last_heard = Steady::now();
    }
    // At the first answer, and again after a new bundle: one may have removed this identity.
    if (const uint64_t version = directory_->version(); version != checked_version) {
      checked = CheckServer(context);
      checked_version = version;
      if (!checked.ok()) {
        context.TryCancel();
        break;
      }
    }
    on_update(response);
  }
  grpc::Status s = reader->Finish();
  {
    std::lock_guard<std::mutex> lock(watch_mu);
    done = true;
  }
  watch_cv.notify_all();
  watchdog.join();
  Untrack(&context);
  OTS_RETURN_IF_ERROR(checked);
  bool cancelled;
  {
    absl::MutexLock lock(&mu_);
    cancelled = cancelled_;
  }
  if (silent && !cancelled) {
    Reconnect();
    return absl::UnavailableError(
        absl::StrCat("the watch stream of ", options_.endpoint, " was silent for ",
                     absl::FormatDuration(silence_limit), "; reconnecting"));
  }
  absl::Status ended = WithRefusal(s);
  if (!ended.ok() && !cancelled && !absl::IsDeadlineExceeded(ended)) {
    // The connection may be the trouble: the next call gets a new one rather than waiting out
    // gRPC's own reconnect backoff on this one.
    Reconnect();
  }
  return ended;
}

}  // namespace ots
