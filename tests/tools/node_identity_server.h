// What the adversaries of the integration tests (ots_liar, ots_withholder) share: a gRPC server
// presenting a member node's real TLS identity from its node configuration, with mutual TLS.
#ifndef OTS_TESTS_TOOLS_NODE_IDENTITY_SERVER_H_
#define OTS_TESTS_TOOLS_NODE_IDENTITY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "proto/config.pb.h"

namespace ots {

// The PEM files of `node`'s TLS identity.
struct NodeTlsFiles {
  std::string cert;
  std::string key;
  std::string ca;
};

inline absl::StatusOr<NodeTlsFiles> ReadNodeTls(const v1::NodeConfig& node) {
  NodeTlsFiles out;
  OTS_ASSIGN_OR_RETURN(out.cert, ReadFile(node.tls().cert_file()));
  OTS_ASSIGN_OR_RETURN(out.key, ReadFile(node.tls().key_file()));
  OTS_ASSIGN_OR_RETURN(out.ca, ReadFile(node.tls().ca_file()));
  return out;
}

// Serves `service` on `listen` ("127.0.0.1:0" for any port) with `tls`, requiring and verifying
// client certificates of its CA; writes the address it serves on to `ready_file` (if not empty)
// and waits until killed. Returns only on failure, saying why.
inline absl::Status ServeAsNode(const NodeTlsFiles& tls, const std::string& listen,
                                grpc::Service* service, const std::string& ready_file) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls.ca;
  options.pem_key_cert_pairs.push_back({tls.key, tls.cert});
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::SslServerCredentials(options), &port);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  const std::string address = absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  if (!ready_file.empty()) {
    OTS_RETURN_IF_ERROR(WriteFileReplacing(ready_file, absl::StrCat(address, "\n"), 0644));
  }
  server->Wait();
  return absl::OkStatus();
}

}  // namespace ots

#endif  // OTS_TESTS_TOOLS_NODE_IDENTITY_SERVER_H_
