// ots-node as a library: checks everything its configuration names, opens the store, serves
// the gRPC services over TLS 1.3 with verified client certificates (DESIGN §4) and replicates
// with the other members' nodes (sync/).
#ifndef OTS_NODE_SERVER_NODE_SERVER_H_
#define OTS_NODE_SERVER_NODE_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"
#include "node/base/clock.h"
#include "node/base/clock_check.h"
#include "node/base/event_log.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/rpc/federation_service.h"
#include "node/rpc/services.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "proto/config.pb.h"
#include "sync/syncer.h"
#include "sync/witness.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace ots {

class HandshakeAddresses;

// Everything a node's configuration names, loaded and cross-checked against the trust bundle.
struct NodeSetup {
  v1::NodeConfig config;
  std::unique_ptr<Directory> directory;
  std::string cert_pem;
  std::string key_pem;
  std::string ca_pem;
  std::optional<PrivateKey> log_key;      // states only
  std::optional<PrivateKey> witness_key;  // if configured
  std::string listen_address;
};

// Loads `config` (as LoadNodeConfig returns it). Fatal problems, each naming the file: a missing
// or unreadable file, a private key readable by group or others, a TLS key that does not match
// its certificate, a certificate not issued by the CA or not valid now, a bundle whose signature
// does not verify, a node certificate or log key the bundle does not list for this member.
absl::StatusOr<NodeSetup> LoadNodeSetup(const v1::NodeConfig& config, const Clock& clock);

// A serving node. Thread-safe.
class NodeServer {
 public:
  struct Options {
    // Overrides the listen address ("127.0.0.1:0" picks a free port). Default: from setup.
    std::string listen_address;
  };

  // Opens the store, binds the listener and starts serving, and logs a WARN for each certificate
  // or key that expires within 30 days (ExpiryWarnings). `clock` and `logger` must outlive
  // the server. UNAVAILABLE if the address cannot be bound; FAILED_PRECONDITION if the store
  // belongs to another member or federation, or holds a newer trust bundle version.
  static absl::StatusOr<std::unique_ptr<NodeServer>> Start(NodeSetup setup, const Clock* clock,
                                                           Logger* logger, const Options& options);
  ~NodeServer();

  // host:port actually listened on.
  const std::string& address() const { return address_; }

  // Stops accepting calls, lets calls in flight finish for up to `grace` (then cancels them),
  // and closes the store cleanly. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  NodeServer() = default;

  // The steps of Start.
  absl::Status OpenStore();
  void MakeServices(const Clock* clock, absl::Duration max_clock_skew);
  void AddPeers(const SyncOptions& sync_options);
  absl::Status Listen(const std::string& address);

  NodeSetup setup_;
  std::unique_ptr<ClockCheck> clock_check_;
  std::unique_ptr<OwnLogGuard> own_log_;  // null on the Secretariat, which signs no returns
  std::unique_ptr<Store> store_;
  std::unique_ptr<OriginLogs> logs_;
  std::unique_ptr<Publisher> publisher_;
  NodeContext context_;
  std::unique_ptr<SubmissionService> submission_;
  std::unique_ptr<QueryService> query_;
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<FederationService> federation_;
  std::unique_ptr<Syncer> syncer_;
  std::shared_ptr<HandshakeAddresses> handshake_addresses_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  const Clock* clock_ = nullptr;
  Logger* logger_ = nullptr;
};

}  // namespace ots

#endif  // OTS_NODE_SERVER_NODE_SERVER_H_
