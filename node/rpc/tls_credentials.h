// The TLS credentials of every gRPC server and channel of the federation (DESIGN §4), with the
// peer's certificate checked by our own code (crypto/cert_check.h) rather than inside OpenSSL, so
// that a refused handshake says who and why (docs/operations.md, "Reading handshake refusals"):
//
//   NodeServerCredentials   the node's listener: TLS 1.3 (RestrictTlsToVersion13), a client
//                           certificate required, checked against the federation CA file for
//                           client authentication. Each refusal is logged (WARN) with the client's
//                           address, the certificate's subject and issuer, and the reason.
//   NodeChannelCredentials  a client of a node (ots-ctl, a peer node): our certificate offered,
//                           the node's checked against the CA file for server authentication and
//                           for the name the channel expects. A ServerCertificateReport says what
//                           the check found, for the message of a connection that failed.
//
// The check is never weaker than OpenSSL's own (CheckCertificate). Which member a certificate
// belongs to is decided afterwards, per call, by IdentityGate (node/rpc/identity.h).
#ifndef OTS_NODE_RPC_TLS_CREDENTIALS_H_
#define OTS_NODE_RPC_TLS_CREDENTIALS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/cert_check.h"
#include "grpc/support/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/server_builder_option.h"
#include "node/base/clock.h"
#include "node/base/event_log.h"

namespace ots {

// Which address each TLS handshake of a server comes from. gRPC's certificate verifier is told
// the certificate but not the connection, so a socket mutator (GRPC_ARG_SOCKET_MUTATOR) records
// every accepted connection, and a verifier Claim()s the address when exactly one recorded
// connection can be the one being verified: one still open, on the same socket, accepted less
// than `handshake_limit` ago (the server's handshake timeout: an older connection is past its
// handshake). With several such connections the address is not known, and Claim says so rather
// than guess: an address is never attributed to the wrong handshake. Thread-safe.
class HandshakeAddresses {
 public:
  explicit HandshakeAddresses(absl::Duration handshake_limit) : limit_(handshake_limit) {}

  // Records the connection just accepted on socket `fd`.
  void Accepted(int fd);

  struct Claimed {
    std::string address;  // "127.0.0.1:40312", "[::1]:40312"; empty if not known
    // If not known, why: "one of 2 connections in their handshake: 10.0.0.7:5123, 10.0.0.9:4711".
    std::string ambiguity;
  };
  // The address of the handshake being verified now (see above); forgets it once known.
  Claimed Claim();

  // A ServerBuilder option that installs the socket mutator calling Accepted. The mutator holds
  // `addresses`, so it may outlive everything else.
  static std::unique_ptr<grpc::ServerBuilderOption> Option(
      std::shared_ptr<HandshakeAddresses> addresses);

 private:
  struct Connection {
    std::string peer;   // getpeername, as text
    std::string local;  // getsockname, as text
    gpr_timespec accepted;
  };
  // More connections than this at once in the last `limit_` (a flood), and addresses are not
  // told until those are past their handshake.
  static constexpr size_t kMaxConnections = 4096;
  const absl::Duration limit_;
  absl::Mutex mu_;
  std::map<int, Connection> connections_ ABSL_GUARDED_BY(mu_);  // by socket
  gpr_timespec blind_until_ ABSL_GUARDED_BY(mu_) = gpr_inf_past(GPR_CLOCK_MONOTONIC);
};

struct ServerTlsOptions {
  std::string cert_pem;  // the node's certificate (chain)
  std::string key_pem;
  std::string ca_pem;  // the CA file: client certificates must chain to one of these
  // Read for the time certificates must be valid at (required); logs refusals; the addresses of
  // handshakes (may be null: refusals are then logged without an address). The clock and logger
  // must outlive the server.
  const Clock* clock = nullptr;
  Logger* logger = nullptr;
  std::shared_ptr<HandshakeAddresses> addresses;
};

// The node listener's credentials, as the header comment says. A CA file without a certificate
// trusts nobody.
std::shared_ptr<grpc::ServerCredentials> NodeServerCredentials(const ServerTlsOptions& options);

// What a client's checks of a node's certificate found, for the message of a failed connection.
// Thread-safe.
class ServerCertificateReport {
 public:
  // The last refusal, in words: "the certificate of the node at 127.0.0.1:7401 (CN=AZ node,
  // O=ots-mx) expired on 2026-01-02 10:00:00 UTC"; nullopt if the last check passed, none ran,
  // or the refusal is more than a minute old (gRPC retries a connection more often than that, so
  // an older one no longer explains a failure: the node may since be down for another reason).
  std::optional<std::string> refusal() const;
  // Whether a check of the node's certificate passed since the report was made (the handshake
  // then got as far as the node's check of ours).
  bool accepted_once() const;

  // Records the outcome of one check: a refusal in words, or nullopt if it passed.
  void Record(std::optional<std::string> refusal);

 private:
  mutable absl::Mutex mu_;
  std::optional<std::string> refusal_ ABSL_GUARDED_BY(mu_);
  gpr_timespec refused_at_ ABSL_GUARDED_BY(mu_) = gpr_inf_past(GPR_CLOCK_MONOTONIC);
  bool accepted_ ABSL_GUARDED_BY(mu_) = false;
};

struct ChannelTlsOptions {
  std::string cert_pem;  // our certificate (chain), offered to the node
  std::string key_pem;
  std::string ca_pem;  // the node's certificate must chain to one of these
  // The endpoint, for messages ("127.0.0.1:7401").
  std::string endpoint;
  // Read for the time certificates must be valid at (required). Shared with the channel's
  // checks, which gRPC may run until its last connection closes (a node's clock, which outlives
  // every channel, may be given without ownership:
  // std::shared_ptr<const Clock>(clock, [](const Clock*) {})).
  std::shared_ptr<const Clock> clock;
  // Gets every check's outcome (may be null).
  std::shared_ptr<ServerCertificateReport> report;
  // Each refusal is also logged here, WARN with the endpoint as peer (may be null).
  Logger* logger = nullptr;
};

// A node client's channel credentials, as the header comment says. The name checked is the
// channel's target name (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG if set, else the target's host). A CA
// file without a certificate trusts nobody.
std::shared_ptr<grpc::ChannelCredentials> NodeChannelCredentials(const ChannelTlsOptions& options);

}  // namespace ots

#endif  // OTS_NODE_RPC_TLS_CREDENTIALS_H_
