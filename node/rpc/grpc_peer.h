// PeerTransport over gRPC with mutual TLS: this node's certificate as the client identity, the
// peer's node certificate checked against the federation CA, the name the trust bundle gives it
// and, after the handshake, the bundle's list of that member's node identities.
#ifndef OTS_NODE_RPC_GRPC_PEER_H_
#define OTS_NODE_RPC_GRPC_PEER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "node/base/clock.h"
#include "node/base/event_log.h"
#include "node/rpc/tls_credentials.h"
#include "node/trust/directory.h"
#include "proto/services.grpc.pb.h"
#include "sync/peer_transport.h"

namespace ots {

struct GrpcPeerOptions {
  std::string member;       // the peer's member code
  std::string endpoint;     // host:port
  std::string server_name;  // the subjectAltName its certificate must carry
  std::string cert_pem;     // this node's TLS identity
  std::string key_pem;
  std::string ca_pem;
  // If set, this node's certificate and key as they are now, instead of cert_pem and key_pem: a
  // change is used from the next call on, over a new connection (calls in progress go on).
  std::shared_ptr<PresentedIdentity> identity;
  // If set, the CAs the peer's certificate may chain to instead of ca_pem's (a node's current
  // set, which a new trust bundle may change).
  std::shared_ptr<TrustedCas> trusted_cas;
  // Read for the time the peer's certificate must be valid at; must outlive the transport.
  const Clock* clock = nullptr;
  // Where a refused certificate of the peer is logged (WARN, the endpoint as peer, saying why:
  // "expired on ...", another CA, another name). May be null.
  Logger* logger = nullptr;
  absl::Duration call_timeout = absl::Seconds(10);  // Checkpoints
  absl::Duration pull_timeout = absl::Minutes(10);  // one pull
  absl::Duration watch_timeout = absl::Minutes(1);  // a watch stream is renewed this often
  absl::Duration reconnect_max = absl::Seconds(3);  // gRPC's own reconnect backoff cap
  // The keepalive a watch stream asks of the peer; a stream silent for one and a half times as
  // long is taken for a dead connection (a firewall that drops packets without a reset): the call
  // is ended and the next one goes over a new connection.
  absl::Duration watch_keepalive = absl::Seconds(5);
  // HTTP/2 keepalive pings on the connection: one after this much silence, and the connection
  // is closed if the ping is not answered within the timeout.
  absl::Duration ping_interval = absl::Seconds(10);
  absl::Duration ping_timeout = absl::Seconds(5);
};

class GrpcPeerTransport : public PeerTransport {
 public:
  // `directory` must outlive the transport.
  GrpcPeerTransport(const GrpcPeerOptions& options, const Directory* directory);

  absl::StatusOr<v1::CheckpointsResponse> Checkpoints() override;
  absl::StatusOr<PulledBatch> Pull(const v1::PullRequest& request) override;
  absl::StatusOr<v1::TrustBundleResponse> TrustBundle() override;
  absl::Status Watch(const std::function<void(const v1::CheckpointsResponse&)>& on_update) override;
  void Cancel() override;

  // How many connections (channels) this transport has made so far: 1, plus one per call that
  // failed or went silent (tests).
  int connections() const;

 private:
  // A new channel: its own connection, none shared with earlier channels or other transports.
  void Reconnect();
  // The current channel's stub; a new channel first if this node's identity changed since.
  std::shared_ptr<v1::Federation::Stub> Stub();
  // OK if the server of a finished or started call is a NODE identity of options_.member (in
  // the current bundle); otherwise a new channel is made for the next call.
  absl::Status CheckServer(const grpc::ClientContext& context);
  absl::Status CheckServerIdentity(const grpc::ClientContext& context) const;
  // `s`, the status of a call that failed, with the reason the peer's certificate was refused if
  // it was (gRPC's own message says only that no connection could be made).
  absl::Status WithRefusal(const grpc::Status& s) const;
  // Registers `context` for Cancel; false if already cancelled.
  bool Track(grpc::ClientContext* context);
  void Untrack(grpc::ClientContext* context);

  const GrpcPeerOptions options_;
  const Directory* const directory_;
  // What the check of the peer's certificate found on the connections of this transport.
  const std::shared_ptr<ServerCertificateReport> report_;
  mutable absl::Mutex mu_;
  std::shared_ptr<v1::Federation::Stub> stub_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t identity_generation_ ABSL_GUARDED_BY(mu_) = 0;  // of the identity stub_ presents
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ots

#endif  // OTS_NODE_RPC_GRPC_PEER_H_
