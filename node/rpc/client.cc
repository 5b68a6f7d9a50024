#include "node/rpc/client.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/cert_check.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "node/rpc/grpc_status.h"
#include "node/rpc/tls_credentials.h"
#include "node/trust/config.h"
#include "node/trust/directory.h"

namespace ots {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;
// A rejected return's message lists up to 100 problems; allow it through the trailers.
constexpr int kMaxMetadataBytes = 1 << 20;

// `s` of a call to the node at `address`; UNAVAILABLE names the address, and the refusal of the
// node's certificate if a reconnection met one.
absl::Status WithAddress(const std::string& address, const grpc::Status& s,
                         const ServerCertificateReport& report) {
  absl::Status status = FromGrpcStatus(s);
  if (status.ok() || status.code() != absl::StatusCode::kUnavailable) {
    return status;
  }
  std::optional<std::string> refusal = report.refusal();
  return absl::UnavailableError(absl::StrCat(address, ": ", status.message(),
                                             refusal.has_value() ? "; we refuse " : "",
                                             refusal.value_or("")));
}

// Why a connection failed, as far as the client's side can tell from what its check of the
// node's certificate found (`report`); `cert_file` is ours.
std::string WhyNotConnected(const ServerCertificateReport& report, const std::string& cert_file) {
  if (std::optional<std::string> refusal = report.refusal()) {
    return absl::StrCat("we refuse it: ", *refusal);
  }
  if (report.accepted_once()) {
    return absl::StrCat("the node refused our certificate ", cert_file,
                        " (its log says why: \"TLS handshake refused: ...\")");
  }
  return "nothing answers TLS 1.3 there (not listening, not a node, or TLS 1.2 only)";
}

}  // namespace

NodeClient::NodeClient(const v1::ClientConfig& config, std::string address,
                       std::shared_ptr<grpc::Channel> channel,
                       std::shared_ptr<ServerCertificateReport> report)
    : config_(config),
      address_(std::move(address)),
      channel_(std::move(channel)),
      report_(std::move(report)),
      submission_(v1::Submission::NewStub(channel_)),
      query_(v1::Query::NewStub(channel_)),
      federation_(v1::Federation::NewStub(channel_)) {}

absl::StatusOr<TrustAnchor> NodeClient::trust() const {
  return LoadTrustAnchor(config_.trust_bundle_file(), config_.bundle_public_key_file(),
                         config_.bundle_key_id());
}

absl::StatusOr<TrustAnchor> NodeClient::NewestTrust() {
  OTS_ASSIGN_OR_RETURN(TrustAnchor own, trust());
  absl::StatusOr<v1::TrustBundleResponse> theirs =
      Call(federation_.get(), &v1::Federation::Stub::TrustBundle, v1::TrustBundleRequest(),
           absl::Seconds(30));
  if (!theirs.ok()) {
    return own;
  }
  Directory directory(own);
  absl::StatusOr<bool> taken = directory.TakeIfNewer(
      theirs->signed_bundle(), absl::StrCat("the trust bundle of the node at ", address_));
  if (!taken.ok() || !*taken) {
    return own;
  }
  return TrustAnchor{directory.signed_bundle(), directory.bundle_key_pem(),
                     directory.bundle_key_id(), directory.bundle()};
}

absl::Status CheckOwnCertificate(const v1::TlsFiles& files, absl::string_view cert_pem,
                                 const TlsKey& key, absl::string_view ca_pem, absl::Time now) {
  absl::StatusOr<std::vector<Certificate>> chain = CertificatesFromPem(cert_pem);
  if (!chain.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(files.cert_file(), ": ", chain.status().message()));
  }
  const Certificate& cert = chain->front();
  if (cert.SpkiSha256Hex() != key.SpkiSha256Hex()) {
    return absl::FailedPreconditionError(absl::StrCat(
        files.key_file(), ": is not the key of ", files.cert_file(), " (", cert.Subject(), ")"));
  }
  absl::StatusOr<std::vector<Certificate>> cas = CertificatesFromPem(ca_pem);
  if (!cas.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(files.ca_file(), ": ", cas.status().message()));
  }
  const CertificateVerdict verdict = CheckCertificate(cert, *chain, *cas, now, TlsRole::kClient);
  if (verdict.ok()) {
    return absl::OkStatus();
  }
  const std::string ours =
      absl::StrCat("our certificate ", files.cert_file(), " (", verdict.subject, ")");
  switch (verdict.problem) {
    case CertificateProblem::kUntrustedIssuer:
      return absl::FailedPreconditionError(absl::StrCat(ours, " is not issued by the CA in ",
                                                        files.ca_file(), " (its issuer is ",
                                                        verdict.issuer, ")"));
    case CertificateProblem::kSelfSigned:
      return absl::FailedPreconditionError(
          absl::StrCat(ours, " is self-signed, not issued by the CA in ", files.ca_file()));
    default:
      return absl::FailedPreconditionError(absl::StrCat(ours, " ", verdict.reason));
  }
}

absl::StatusOr<std::unique_ptr<NodeClient>> NodeClient::Connect(const v1::ClientConfig& config,
                                                                absl::string_view address,
                                                                absl::Duration connect_timeout,
                                                                const Clock* clock) {
  OTS_ASSIGN_OR_RETURN(TlsKey key, TlsKey::LoadPemFile(config.tls().key_file()));
  OTS_ASSIGN_OR_RETURN(std::string cert, ReadFile(config.tls().cert_file()));
  OTS_ASSIGN_OR_RETURN(std::string ca, ReadFile(config.tls().ca_file()));
  // The channel's checks of the node's certificate may run as long as gRPC keeps a connection,
  // which may be a little longer than this client: they share the clock.
  std::shared_ptr<const Clock> shared_clock =
      clock != nullptr ? std::shared_ptr<const Clock>(clock, [](const Clock*) {})
                       : std::make_shared<SystemClock>();
  OTS_RETURN_IF_ERROR(CheckOwnCertificate(config.tls(), cert, key, ca, shared_clock->Now()));
  std::string target = address.empty() ? config.node_address() : std::string(address);
  ChannelTlsOptions tls;
  tls.cert_pem = cert;
  tls.key_pem = key.ToPem();
  tls.ca_pem = ca;
  tls.endpoint = target;
  tls.clock = shared_clock;
  auto report = std::make_shared<ServerCertificateReport>();
  tls.report = report;
  grpc::ChannelArguments args;
  if (!config.node_name().empty()) {
    args.SetSslTargetNameOverride(config.node_name());
  }
  args.SetMaxReceiveMessageSize(-1);
  args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(target, NodeChannelCredentials(tls), args);
  // Connect now, and give up at the first failed attempt: a refused handshake does not get
  // better by retrying.
  const auto deadline = DeadlineIn(connect_timeout);
  for (grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
       state != GRPC_CHANNEL_READY; state = channel->GetState(/*try_to_connect=*/true)) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to the node at ", target, ": ",
                       WhyNotConnected(*report, config.tls().cert_file())));
    }
    if (!channel->WaitForStateChange(state, deadline)) {
      return absl::UnavailableError(absl::StrCat("no connection to the node at ", target,
                                                 " within ",
                                                 absl::FormatDuration(connect_timeout)));
    }
  }
  return std::unique_ptr<NodeClient>(new NodeClient(config, target, std::move(channel), report));
}

absl::StatusOr<v1::SubmitResponse> NodeClient::Submit(absl::string_view file_name,
                                                      const std::string& path, bool dry_run,
                                                      const Progress& progress) {
  grpc::ClientContext context;
  v1::SubmitResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::SubmitChunk>> writer =
      dry_run ? submission_->Validate(&context, &response)
              : submission_->Submit(&context, &response);
  // The file goes out as it is read, one piece at a time: the node refuses a file larger than
  // it accepts by the size announced first, and stops reading one it has seen enough of, and
  // either way the next write fails and nothing more is read.
  uint64_t total = 0;
  uint64_t sent = 0;
  bool open = true;
  v1::SubmitChunk chunk;
  absl::Status read = ReadFileInPieces(
      path, kChunkBytes,
      [&](uint64_t size) {
        total = size;
        chunk.mutable_start()->set_file_name(std::string(file_name));
        chunk.mutable_start()->set_total_bytes(size);
        open = writer->Write(chunk);
        return absl::OkStatus();
      },
      [&](absl::string_view piece) {
        if (!open) {
          return false;
        }
        chunk.set_data(piece.data(), piece.size());
        open = writer->Write(chunk);
        sent += piece.size();
        if (progress) {
          progress(sent, total);
        }
        return open;
      });
  if (!read.ok()) {
    context.TryCancel();
    writer->Finish();
    return read;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    return WithAddress(address_, status, *report_);
  }
  return response;
}

namespace {

// A table streamed in parts (Query.Cells, Query.Log), reassembled.
void ReadTableChunks(grpc::ClientReaderInterface<v1::TableChunk>& reader, Table* table) {
  v1::TableChunk chunk;
  while (reader.Read(&chunk)) {
    table->columns.insert(table->columns.end(), chunk.columns().begin(), chunk.columns().end());
    table->notes.insert(table->notes.end(), chunk.notes().begin(), chunk.notes().end());
    for (const v1::TableChunk::Row& row : chunk.rows()) {
      table->rows.emplace_back(row.fields().begin(), row.fields().end());
    }
  }
}

}  // namespace

absl::StatusOr<Table> NodeClient::StreamedTable(
    const std::function<std::unique_ptr<grpc::ClientReader<v1::TableChunk>>(grpc::ClientContext*)>&
        start) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Minutes(10)));
  std::unique_ptr<grpc::ClientReader<v1::TableChunk>> reader = start(&context);
  Table table;
  ReadTableChunks(*reader, &table);
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return WithAddress(address_, status, *report_);
  }
  return table;
}

absl::StatusOr<Table> NodeClient::Cells(const v1::CellsRequest& request) {
  return StreamedTable(
      [&](grpc::ClientContext* context) { return query_->Cells(context, request); });
}

absl::StatusOr<Table> NodeClient::Log(const v1::LogRequest& request) {
  return StreamedTable([&](grpc::ClientContext* context) { return query_->Log(context, request); });
}

absl::StatusOr<Table> NodeClient::Calendar() {
  const v1::CalendarRequest request;
  return StreamedTable(
      [&](grpc::ClientContext* context) { return query_->Calendar(context, request); });
}

template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> NodeClient::Call(Stub* stub,
                                          grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                       const Request&, Response*),
                                          const Request& request, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  Response response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) {
    return WithAddress(address_, status, *report_);
  }
  return response;
}

absl::StatusOr<v1::StatusResponse> NodeClient::Status() {
  return Call(query_.get(), &v1::Query::Stub::Status, v1::StatusRequest(), absl::Seconds(30));
}

absl::StatusOr<v1::PushBundleResponse> NodeClient::PushBundle(const std::string& signed_bundle) {
  v1::PushBundleRequest request;
  request.set_signed_bundle(signed_bundle);
  return Call(submission_.get(), &v1::Submission::Stub::PushBundle, request, absl::Seconds(30));
}

absl::StatusOr<v1::BackupResponse> NodeClient::Backup(const std::string& dir) {
  v1::BackupRequest request;
  request.set_dir(dir);
  // A large folder is mostly hard links; the flush before it is what takes time.
  return Call(submission_.get(), &v1::Submission::Stub::Backup, request, absl::Minutes(30));
}

absl::StatusOr<v1::CheckpointResponse> NodeClient::LatestCheckpoint(absl::string_view origin) {
  v1::CheckpointRequest request;
  request.set_origin(std::string(origin));
  return Call(query_.get(), &v1::Query::Stub::LatestCheckpoint, request, absl::Seconds(30));
}

absl::StatusOr<v1::ProveResponse> NodeClient::Prove(const v1::ProveRequest& request) {
  return Call(query_.get(), &v1::Query::Stub::Prove, request, absl::Minutes(5));
}

absl::StatusOr<v1::ConsolidatedResponse> NodeClient::Consolidated(
    const v1::ConsolidatedRequest& request) {
  return Call(query_.get(), &v1::Query::Stub::Consolidated, request, absl::Minutes(5));
}

absl::Status NodeClient::SignedReturn(
    const v1::SignedReturnRequest& request,
    const std::function<absl::Status(const v1::SignedReturnChunk&)>& on_chunk) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Minutes(10)));
  std::unique_ptr<grpc::ClientReader<v1::SignedReturnChunk>> reader =
      query_->SignedReturn(&context, request);
  v1::SignedReturnChunk chunk;
  absl::Status taken;
  while (taken.ok() && reader->Read(&chunk)) {
    taken = on_chunk(chunk);
  }
  if (!taken.ok()) {
    context.TryCancel();
  }
  grpc::Status status = reader->Finish();
  if (!taken.ok()) {
    return taken;
  }
  return status.ok() ? absl::OkStatus() : WithAddress(address_, status, *report_);
}

}  // namespace ots
