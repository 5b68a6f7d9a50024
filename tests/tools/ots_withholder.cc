// ots_withholder: a relay that withholds, for the integration tests. A gRPC server presenting a
// member node's real certificate (from pki init) with mutual TLS 1.3, whose Federation service
// passes every call on to a real node, as that member's node would relay, except that every pull
// of one origin loses its last part: the relay announces the origin's latest checkpoint,
// cosignatures and all, but never delivers the entries it covers. The honest ots-node is not
// changed to withhold.
//
//   ots_withholder --config NODE_CONFIG --upstream HOST:PORT --upstream-name NAME
//                  --withhold ORIGIN [--listen HOST:PORT] [--ready-file FILE]
//       NODE_CONFIG: the node configuration whose TLS identity the relay presents, to its
//       callers and to the upstream node (whose certificate must carry NAME). Listens on
//       --listen (default 127.0.0.1:0) and writes the address it serves on to --ready-file.
//       Runs until killed.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/files.h"
#include "grpcpp/grpcpp.h"
#include "node/rpc/tls.h"
#include "node/trust/config.h"
#include "proto/services.grpc.pb.h"
#include "tests/tools/node_identity_server.h"

namespace ots {
namespace {

class Withholder final : public v1::Federation::Service {
 public:
  Withholder(std::shared_ptr<grpc::Channel> upstream, std::string origin)
      : stub_(v1::Federation::NewStub(upstream)), origin_(std::move(origin)) {}

  grpc::Status Checkpoints(grpc::ServerContext*, const v1::CheckpointsRequest* request,
                           v1::CheckpointsResponse* response) override {
    grpc::ClientContext upstream;
    return stub_->Checkpoints(&upstream, *request, response);
  }

  grpc::Status Cosign(grpc::ServerContext*, const v1::CosignRequest* request,
                      v1::CosignResponse* response) override {
    grpc::ClientContext upstream;
    return stub_->Cosign(&upstream, *request, response);
  }

  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::CheckpointsResponse>* writer) override {
    grpc::ClientContext upstream;
    std::unique_ptr<grpc::ClientReader<v1::CheckpointsResponse>> reader =
        stub_->Watch(&upstream, *request);
    v1::CheckpointsResponse answer;
    while (reader->Read(&answer)) {
      if (context->IsCancelled() || !writer->Write(answer)) {
        upstream.TryCancel();
        break;
      }
    }
    return reader->Finish();
  }

  // Every part of the pull but, for the withheld origin, the last.
  grpc::Status Pull(grpc::ServerContext*, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullChunk>* writer) override {
    grpc::ClientContext upstream;
    std::unique_ptr<grpc::ClientReader<v1::PullChunk>> reader = stub_->Pull(&upstream, *request);
    std::vector<v1::PullChunk> chunks;
    v1::PullChunk chunk;
    while (reader->Read(&chunk)) {
      chunks.push_back(chunk);
    }
    grpc::Status status = reader->Finish();
    if (!status.ok()) {
      return status;
    }
    if (request->origin() == origin_ && chunks.size() > 1) {
      chunks.pop_back();
      std::cerr << "ots_withholder: withheld the last part of a pull of " << origin_ << " from "
                << request->from() << "\n";
    }
    for (const v1::PullChunk& c : chunks) {
      if (!writer->Write(c)) {
        break;
      }
    }
    return grpc::Status::OK;
  }

 private:
  std::unique_ptr<v1::Federation::Stub> stub_;
  const std::string origin_;
};

int Fail(absl::string_view what) {
  std::cerr << "ots_withholder: " << what << "\n";
  return 2;
}

int Main(int argc, char** argv) {
  RestrictTlsToVersion13();
  std::map<std::string, std::string> f = {{"listen", "127.0.0.1:0"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    f[std::string(argv[i]).substr(2)] = argv[i + 1];
  }
  if (f["upstream"].empty() || f["upstream-name"].empty() || f["withhold"].empty()) {
    return Fail("--config, --upstream, --upstream-name and --withhold are required");
  }
  absl::StatusOr<v1::NodeConfig> node = LoadNodeConfig(f["config"]);
  if (!node.ok()) {
    return Fail(node.status().message());
  }
  absl::StatusOr<NodeTlsFiles> tls = ReadNodeTls(*node);
  if (!tls.ok()) {
    return Fail(tls.status().message());
  }
  grpc::SslCredentialsOptions client_tls;
  client_tls.pem_root_certs = tls->ca;
  client_tls.pem_private_key = tls->key;
  client_tls.pem_cert_chain = tls->cert;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(f["upstream-name"]);
  Withholder relay(grpc::CreateCustomChannel(f["upstream"], grpc::SslCredentials(client_tls), args),
                   f["withhold"]);
  return Fail(ServeAsNode(*tls, f["listen"], &relay, f["ready-file"]).message());
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
