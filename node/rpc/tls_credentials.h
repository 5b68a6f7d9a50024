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
#include "crypto/x509.h"
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

// The CAs a peer's certificate may chain to: the CA file's, and those the current trust bundle
// lists for its members (Member.tls_ca_certificates). A node replaces them when a new bundle
// is applied; every handshake after that uses the new set. Thread-safe.
class TrustedCas {
 public:
  explicit TrustedCas(std::vector<Certificate> cas)
      : cas_(std::make_shared<const std::vector<Certificate>>(std::move(cas))) {}
  // The certificates of a PEM text (a CA file); none if it holds none.
  static std::shared_ptr<TrustedCas> FromPem(const std::string& ca_pem);

  std::shared_ptr<const std::vector<Certificate>> Get() const {
    absl::MutexLock lock(&mu_);
    return cas_;
  }
  void Set(std::vector<Certificate> cas) {
    auto next = std::make_shared<const std::vector<Certificate>>(std::move(cas));
    absl::MutexLock lock(&mu_);
    cas_ = std::move(next);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const std::vector<Certificate>> cas_ ABSL_GUARDED_BY(mu_);
};

// The certificate (chain), key and CA file a listener presents, held as anonymous in-memory files
// of this process (memfd, never on disk) that gRPC's FileWatcherCertificateProvider reads by
// their /proc/self/fd paths. Set replaces all three: each handshake after gRPC's next refresh
// (within kServedTlsRefresh) presents the new ones; connections already open stay as they are.
// Thread-safe.
class ServedTlsFiles {
 public:
  static absl::StatusOr<std::unique_ptr<ServedTlsFiles>> Create(const std::string& cert_pem,
                                                                const std::string& key_pem,
                                                                const std::string& ca_pem);
  ~ServedTlsFiles();
  ServedTlsFiles(const ServedTlsFiles&) = delete;
  ServedTlsFiles& operator=(const ServedTlsFiles&) = delete;

  // The key first, then the certificate, then the CAs: a refresh that reads between them sees
  // a key that does not match its certificate, which gRPC skips until its next refresh.
  absl::Status Set(const std::string& cert_pem, const std::string& key_pem,
                   const std::string& ca_pem);
  std::string cert_path() const;
  std::string key_path() const;
  std::string ca_path() const;

 private:
  ServedTlsFiles() = default;
  absl::Mutex mu_;
  int cert_fd_ = -1;
  int key_fd_ = -1;
  int ca_fd_ = -1;
};
// How often gRPC reads a listener's ServedTlsFiles again.
constexpr int kServedTlsRefreshSeconds = 1;

// The certificate and key a node presents to its peers as a client, replaced when it reloads
// them; each peer channel made after a change uses the new ones. Thread-safe.
class PresentedIdentity {
 public:
  struct Pems {
    std::string cert_pem;
    std::string key_pem;
    uint64_t generation = 0;  // counts the changes
  };
  PresentedIdentity(std::string cert_pem, std::string key_pem) {
    pems_.cert_pem = std::move(cert_pem);
    pems_.key_pem = std::move(key_pem);
  }
  Pems Get() const {
    absl::MutexLock lock(&mu_);
    return pems_;
  }
  uint64_t generation() const {
    absl::MutexLock lock(&mu_);
    return pems_.generation;
  }
  void Set(std::string cert_pem, std::string key_pem) {
    absl::MutexLock lock(&mu_);
    pems_.cert_pem = std::move(cert_pem);
    pems_.key_pem = std::move(key_pem);
    ++pems_.generation;
  }

 private:
  mutable absl::Mutex mu_;
  Pems pems_ ABSL_GUARDED_BY(mu_);
};

struct ServerTlsOptions {
  std::string cert_pem;  // the node's certificate (chain)
  std::string key_pem;
  std::string ca_pem;  // the CA file: client certificates must chain to one of these
  // If set, client certificates must chain to one of these instead (ca_pem still names the CAs
  // the server asks for).
  std::shared_ptr<TrustedCas> trusted;
  // If set, the listener presents these files' certificate and key, and names their CAs, instead
  // of the three fields above: a node replaces them without a restart.
  std::shared_ptr<ServedTlsFiles> files;
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
  // If set, the node's certificate must chain to one of these instead.
  std::shared_ptr<TrustedCas> trusted;
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
