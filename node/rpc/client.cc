#include "node/rpc/client.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "node/rpc/grpc_status.h"
#include "node/trust/config.h"

namespace ots {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;
// A rejected return's message lists up to 100 problems; allow it through the trailers.
constexpr int kMaxMetadataBytes = 1 << 20;

absl::Status WithAddress(const std::string& address, const grpc::Status& s) {
  absl::Status status = FromGrpcStatus(s);
  if (status.ok() || status.code() != absl::StatusCode::kUnavailable) {
    return status;
  }
  return absl::UnavailableError(absl::StrCat(address, ": ", status.message()));
}

}  // namespace

NodeClient::NodeClient(const v1::ClientConfig& config, std::string address,
                       std::shared_ptr<grpc::Channel> channel)
    : config_(config),
      address_(std::move(address)),
      channel_(std::move(channel)),
      submission_(v1::Submission::NewStub(channel_)),
      query_(v1::Query::NewStub(channel_)) {}

absl::StatusOr<TrustAnchor> NodeClient::trust() const {
  return LoadTrustAnchor(config_.trust_bundle_file(), config_.bundle_public_key_file(),
                         config_.bundle_key_id());
}

absl::StatusOr<std::unique_ptr<NodeClient>> NodeClient::Connect(const v1::ClientConfig& config,
                                                                absl::string_view address,
                                                                absl::Duration connect_timeout) {
  OTS_ASSIGN_OR_RETURN(TlsKey key, TlsKey::LoadPemFile(config.tls().key_file()));
  OTS_ASSIGN_OR_RETURN(std::string cert, ReadFile(config.tls().cert_file()));
  OTS_ASSIGN_OR_RETURN(std::string ca, ReadFile(config.tls().ca_file()));
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca;
  tls.pem_private_key = key.ToPem();
  tls.pem_cert_chain = cert;
  grpc::ChannelArguments args;
  if (!config.node_name().empty()) {
    args.SetSslTargetNameOverride(config.node_name());
  }
  args.SetMaxReceiveMessageSize(-1);
  args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  std::string target = address.empty() ? config.node_address() : std::string(address);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(target, grpc::SslCredentials(tls), args);
  // Connect now, and give up at the first failed attempt: a refused handshake does not get
  // better by retrying.
  const auto deadline = DeadlineIn(connect_timeout);
  for (grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
       state != GRPC_CHANNEL_READY; state = channel->GetState(/*try_to_connect=*/true)) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to the node at ", target,
          ": not listening, or the TLS handshake failed (wrong CA, node name or certificate, or "
          "the node refuses ours)"));
    }
    if (!channel->WaitForStateChange(state, deadline)) {
      return absl::UnavailableError(absl::StrCat("no connection to the node at ", target,
                                                 " within ",
                                                 absl::FormatDuration(connect_timeout)));
    }
  }
  return std::unique_ptr<NodeClient>(new NodeClient(config, target, std::move(channel)));
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
    return WithAddress(address_, status);
  }
  return response;
}

absl::StatusOr<Table> NodeClient::Cells(const v1::CellsRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Minutes(10)));
  std::unique_ptr<grpc::ClientReader<v1::TableChunk>> reader = query_->Cells(&context, request);
  Table table;
  v1::TableChunk chunk;
  while (reader->Read(&chunk)) {
    table.columns.insert(table.columns.end(), chunk.columns().begin(), chunk.columns().end());
    table.notes.insert(table.notes.end(), chunk.notes().begin(), chunk.notes().end());
    for (const v1::TableChunk::Row& row : chunk.rows()) {
      table.rows.emplace_back(row.fields().begin(), row.fields().end());
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return WithAddress(address_, status);
  }
  return table;
}

template <typename Request, typename Response>
absl::StatusOr<Response> NodeClient::Call(
    grpc::Status (v1::Query::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
    const Request& request, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  Response response;
  grpc::Status status = (query_.get()->*method)(&context, request, &response);
  if (!status.ok()) {
    return WithAddress(address_, status);
  }
  return response;
}

absl::StatusOr<v1::StatusResponse> NodeClient::Status() {
  return Call(&v1::Query::Stub::Status, v1::StatusRequest(), absl::Seconds(30));
}

absl::StatusOr<v1::CheckpointResponse> NodeClient::LatestCheckpoint(absl::string_view origin) {
  v1::CheckpointRequest request;
  request.set_origin(std::string(origin));
  return Call(&v1::Query::Stub::LatestCheckpoint, request, absl::Seconds(30));
}

absl::StatusOr<v1::ProveResponse> NodeClient::Prove(const v1::ProveRequest& request) {
  return Call(&v1::Query::Stub::Prove, request, absl::Minutes(5));
}

absl::StatusOr<v1::ConsolidatedResponse> NodeClient::Consolidated(
    const v1::ConsolidatedRequest& request) {
  return Call(&v1::Query::Stub::Consolidated, request, absl::Minutes(5));
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
  return status.ok() ? absl::OkStatus() : WithAddress(address_, status);
}

}  // namespace ots
