// Single gRPC calls as a client of a node makes them, for tests and ots_testtool: gRPC's own
// health check (whose generated stub gRPC does not install, so it goes through the generic stub
// as raw bytes), a submission streamed as ots-ctl streams it, and one Call* function per RPC of
// proto/services.proto that makes the call with a deadline (so that a test whose server never
// answers fails instead of hanging) and returns how it ended: for a stream, its final status.
#ifndef OTS_TESTS_FAKES_RPC_CALLS_H_
#define OTS_TESTS_FAKES_RPC_CALLS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "proto/services.grpc.pb.h"

namespace ots {

// Sets a deadline `timeout` from now on `context`: a test whose server never answers fails
// instead of hanging.
inline void SetTimeout(grpc::ClientContext& context, absl::Duration timeout = absl::Seconds(30)) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

// The bytes of `buffer`.
inline std::string BufferBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) {
    return bytes;
  }
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

// grpc.health.v1.Health/Check of `service` ("": the whole server, "ots.v1.Query": that service).
// On OK, `*out_serving` says whether the answer is SERVING.
inline grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                grpc::ClientContext& context, bool* out_serving,
                                const std::string& service = "") {
  grpc::GenericStub stub(channel);
  // HealthCheckRequest{service}: field 1, length-delimited (names are shorter than 128 bytes).
  std::string bytes;
  if (!service.empty()) {
    bytes = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
  }
  grpc::Slice request_bytes(bytes);
  grpc::ByteBuffer request(&request_bytes, 1), response;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  // HealthCheckResponse{status: SERVING} is field 1, varint 1.
  *out_serving = status.ok() && BufferBytes(response) == std::string("\x08\x01", 2);
  return status;
}

// Streams `contents` (a return file) to Submission.Submit, or Validate if `dry_run`: the start
// message, then the bytes in chunks of `chunk_bytes`.
inline grpc::Status SubmitFile(v1::Submission::Stub& stub, grpc::ClientContext& context,
                               absl::string_view file_name, absl::string_view contents,
                               bool dry_run, v1::SubmitResponse* response,
                               size_t chunk_bytes = 1 << 20) {
  std::unique_ptr<grpc::ClientWriter<v1::SubmitChunk>> writer =
      dry_run ? stub.Validate(&context, response) : stub.Submit(&context, response);
  v1::SubmitChunk chunk;
  chunk.mutable_start()->set_file_name(std::string(file_name));
  chunk.mutable_start()->set_total_bytes(contents.size());
  bool open = writer->Write(chunk);
  for (size_t at = 0; open && at < contents.size(); at += chunk_bytes) {
    chunk.set_data(std::string(contents.substr(at, chunk_bytes)));
    open = writer->Write(chunk);
  }
  writer->WritesDone();
  return writer->Finish();
}

// A channel to a node, shared by the calls below.
using NodeChannel = std::shared_ptr<grpc::Channel>;

// The unary call `method` of `stub`; `*response` (if not null) gets the answer.
template <typename Stub, typename Request, typename Response>
grpc::Status Unary(Stub& stub,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request, Response* response) {
  grpc::ClientContext context;
  SetTimeout(context);
  Response ignored;
  return (stub.*method)(&context, request, response != nullptr ? response : &ignored);
}

// Reads a server stream to its end, each message to `on_message` (if set); how it ended.
template <typename Message>
grpc::Status ReadAll(grpc::ClientReader<Message>& reader,
                     const std::function<void(const Message&)>& on_message) {
  Message message;
  while (reader.Read(&message)) {
    if (on_message) {
      on_message(message);
    }
  }
  return reader.Finish();
}

// Health.Check: OK only if the node answers SERVING.
inline grpc::Status CallHealth(const NodeChannel& channel) {
  grpc::ClientContext context;
  SetTimeout(context);
  bool serving = false;
  grpc::Status s = HealthCheck(channel, context, &serving);
  return s.ok() && !serving ? grpc::Status(grpc::StatusCode::UNKNOWN, "not SERVING") : s;
}

// Submission.Submit, or Validate if `dry_run`, of `contents` as `file_name`.
inline grpc::Status CallSubmit(const NodeChannel& channel, absl::string_view file_name,
                               absl::string_view contents, bool dry_run,
                               v1::SubmitResponse* response = nullptr) {
  grpc::ClientContext context;
  SetTimeout(context);
  v1::SubmitResponse ignored;
  return SubmitFile(*v1::Submission::NewStub(channel), context, file_name, contents, dry_run,
                    response != nullptr ? response : &ignored);
}

// Submission.Backup into `dir` on the node's machine.
inline grpc::Status CallBackup(const NodeChannel& channel, const std::string& dir,
                               v1::BackupResponse* response = nullptr) {
  v1::BackupRequest request;
  request.set_dir(dir);
  return Unary(*v1::Submission::NewStub(channel), &v1::Submission::Stub::Backup, request, response);
}

inline grpc::Status CallPushBundle(const NodeChannel& channel, const std::string& signed_bundle,
                                   v1::PushBundleResponse* response = nullptr) {
  v1::PushBundleRequest request;
  request.set_signed_bundle(signed_bundle);
  return Unary(*v1::Submission::NewStub(channel), &v1::Submission::Stub::PushBundle, request,
               response);
}

inline grpc::Status CallTrustBundle(const NodeChannel& channel,
                                    v1::TrustBundleResponse* response = nullptr) {
  return Unary(*v1::Federation::NewStub(channel), &v1::Federation::Stub::TrustBundle,
               v1::TrustBundleRequest(), response);
}

inline grpc::Status CallCells(const NodeChannel& channel, const v1::CellsRequest& request,
                              const std::function<void(const v1::TableChunk&)>& on_chunk = {}) {
  grpc::ClientContext context;
  SetTimeout(context);
  return ReadAll(*v1::Query::NewStub(channel)->Cells(&context, request), on_chunk);
}

inline grpc::Status CallLatestCheckpoint(const NodeChannel& channel, absl::string_view origin,
                                         v1::CheckpointResponse* response = nullptr) {
  v1::CheckpointRequest request;
  request.set_origin(std::string(origin));
  return Unary(*v1::Query::NewStub(channel), &v1::Query::Stub::LatestCheckpoint, request, response);
}

inline grpc::Status CallStatus(const NodeChannel& channel, v1::StatusResponse* response = nullptr) {
  return Unary(*v1::Query::NewStub(channel), &v1::Query::Stub::Status, v1::StatusRequest(),
               response);
}

inline grpc::Status CallProve(const NodeChannel& channel, const v1::ProveRequest& request,
                              v1::ProveResponse* response = nullptr) {
  return Unary(*v1::Query::NewStub(channel), &v1::Query::Stub::Prove, request, response);
}

inline grpc::Status CallConsolidated(const NodeChannel& channel,
                                     const v1::ConsolidatedRequest& request,
                                     v1::ConsolidatedResponse* response = nullptr) {
  return Unary(*v1::Query::NewStub(channel), &v1::Query::Stub::Consolidated, request, response);
}

inline grpc::Status CallSignedReturn(
    const NodeChannel& channel, const v1::SignedReturnRequest& request,
    const std::function<void(const v1::SignedReturnChunk&)>& on_chunk = {}) {
  grpc::ClientContext context;
  SetTimeout(context);
  return ReadAll(*v1::Query::NewStub(channel)->SignedReturn(&context, request), on_chunk);
}

inline grpc::Status CallCheckpoints(const NodeChannel& channel,
                                    v1::CheckpointsResponse* response = nullptr) {
  return Unary(*v1::Federation::NewStub(channel), &v1::Federation::Stub::Checkpoints,
               v1::CheckpointsRequest(), response);
}

inline grpc::Status CallPull(const NodeChannel& channel, const v1::PullRequest& request,
                             const std::function<void(const v1::PullChunk&)>& on_chunk = {}) {
  grpc::ClientContext context;
  SetTimeout(context);
  return ReadAll(*v1::Federation::NewStub(channel)->Pull(&context, request), on_chunk);
}

// Federation.Watch until its first answer (in `*first`, if not null), which makes it OK; the
// stream is then cancelled. Without an answer, how the stream ended.
inline grpc::Status CallWatchFirst(const NodeChannel& channel,
                                   v1::CheckpointsResponse* first = nullptr) {
  grpc::ClientContext context;
  SetTimeout(context);
  auto reader = v1::Federation::NewStub(channel)->Watch(&context, v1::WatchRequest());
  v1::CheckpointsResponse answer;
  if (!reader->Read(first != nullptr ? first : &answer)) {
    return reader->Finish();
  }
  context.TryCancel();
  reader->Finish().IgnoreError();  // CANCELLED, by us
  return grpc::Status::OK;
}

inline grpc::Status CallCosign(const NodeChannel& channel, absl::string_view origin,
                               absl::string_view note, v1::CosignResponse* response = nullptr) {
  v1::CosignRequest request;
  request.set_origin(std::string(origin));
  request.set_checkpoint_note(std::string(note));
  return Unary(*v1::Federation::NewStub(channel), &v1::Federation::Stub::Cosign, request, response);
}

}  // namespace ots

#endif  // OTS_TESTS_FAKES_RPC_CALLS_H_
