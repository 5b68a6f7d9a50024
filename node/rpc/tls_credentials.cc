#include "node/rpc/tls_credentials.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpc/support/sync.h>
#include <grpc/support/time.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/version_info.h"

// gRPC takes a socket mutator as a channel argument (grpc::ChannelArguments::SetSocketMutator)
// but does not install the header that defines one, src/core/lib/iomgr/socket_mutator.h. Its
// layout in gRPC 1.51 is repeated here; another gRPC must have it checked before this builds.
#if GRPC_CPP_VERSION_MAJOR != 1 || GRPC_CPP_VERSION_MINOR != 51
#error "check the grpc_socket_mutator layout below against src/core/lib/iomgr/socket_mutator.h"
#endif
typedef enum {
  GRPC_FD_CLIENT_CONNECTION_USAGE,
  GRPC_FD_SERVER_LISTENER_USAGE,
  GRPC_FD_SERVER_CONNECTION_USAGE,
} grpc_fd_usage;
typedef struct {
  int fd;
  grpc_fd_usage usage;
} grpc_mutate_socket_info;
struct grpc_socket_mutator_vtable {
  bool (*mutate_fd)(int fd, grpc_socket_mutator* mutator);
  int (*compare)(grpc_socket_mutator* a, grpc_socket_mutator* b);
  void (*destroy)(grpc_socket_mutator* mutator);
  bool (*mutate_fd_2)(const grpc_mutate_socket_info* info, grpc_socket_mutator* mutator);
};
struct grpc_socket_mutator {
  const grpc_socket_mutator_vtable* vtable;
  gpr_refcount refcount;
};

namespace ots {
namespace {

using grpc::experimental::ExternalCertificateVerifier;
using grpc::experimental::TlsCustomVerificationCheckRequest;

// ------------------------------------------------------------------------------------------
// The socket mutator

// `address` as "1.2.3.4:5" (an IPv4-mapped IPv6 address too) or "[::1]:5"; "" if it is neither
// IPv4 nor IPv6.
std::string AddressText(const sockaddr_storage& address) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host)) != nullptr) {
      return absl::StrCat(host, ":", ntohs(in->sin_port));
    }
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {  // an IPv4 client of a dual-stack listener
      const uint8_t* b = in6->sin6_addr.s6_addr;
      return absl::StrCat(b[12], ".", b[13], ".", b[14], ".", b[15], ":", ntohs(in6->sin6_port));
    }
    if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host)) != nullptr) {
      return absl::StrCat("[", host, "]:", ntohs(in6->sin6_port));
    }
  }
  return "";
}

// The peer's and our own address of the connected socket `fd`; empty strings if it is not one.
std::pair<std::string, std::string> SocketAddresses(int fd) {
  sockaddr_storage peer = {}, local = {};
  socklen_t peer_len = sizeof(peer), local_len = sizeof(local);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) {
    return {"", ""};
  }
  return {AddressText(peer), AddressText(local)};
}

struct AddressMutator {
  grpc_socket_mutator base;  // first: gRPC's pointer to it is a pointer to this
  std::shared_ptr<HandshakeAddresses> addresses;
};

bool MutateFd(int /*fd*/, grpc_socket_mutator* /*mutator*/) { return true; }

bool MutateFd2(const grpc_mutate_socket_info* info, grpc_socket_mutator* mutator) {
  if (info->usage == GRPC_FD_SERVER_CONNECTION_USAGE) {
    reinterpret_cast<AddressMutator*>(mutator)->addresses->Accepted(info->fd);
  }
  return true;
}

int CompareMutators(grpc_socket_mutator* a, grpc_socket_mutator* b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

void DestroyMutator(grpc_socket_mutator* mutator) {
  delete reinterpret_cast<AddressMutator*>(mutator);
}

constexpr grpc_socket_mutator_vtable kAddressMutatorVtable = {MutateFd, CompareMutators,
                                                              DestroyMutator, MutateFd2};

class AddressOption : public grpc::ServerBuilderOption {
 public:
  explicit AddressOption(std::shared_ptr<HandshakeAddresses> addresses)
      : addresses_(std::move(addresses)) {}
  void UpdateArguments(grpc::ChannelArguments* args) override {
    auto* mutator = new AddressMutator{{&kAddressMutatorVtable, {}}, addresses_};
    gpr_ref_init(&mutator->base.refcount, 1);
    args->SetSocketMutator(&mutator->base);  // takes that reference
  }
  void UpdatePlugins(
      std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* /*plugins*/) override {}

 private:
  std::shared_ptr<HandshakeAddresses> addresses_;
};

// ------------------------------------------------------------------------------------------
// Certificate verifiers

// The set given, or else the CA file's.
std::shared_ptr<TrustedCas> TrustedOf(const std::shared_ptr<TrustedCas>& trusted,
                                      const std::string& ca_pem) {
  return trusted != nullptr ? trusted : TrustedCas::FromPem(ca_pem);
}

std::string Text(grpc::string_ref s) { return std::string(s.data(), s.size()); }

// The server's check of a client's certificate.
class ClientCertificateVerifier : public ExternalCertificateVerifier {
 public:
  ClientCertificateVerifier(std::shared_ptr<TrustedCas> trusted, const ServerTlsOptions& options)
      : trusted_(std::move(trusted)),
        clock_(options.clock),
        logger_(options.logger),
        addresses_(options.addresses) {}

  bool Verify(TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    const CertificateVerdict verdict =
        CheckCertificatePem(Text(request->peer_cert()), Text(request->peer_cert_full_chain()),
                            *trusted_->Get(), clock_->Now(), TlsRole::kClient);
    HandshakeAddresses::Claimed from;
    if (addresses_ != nullptr) {
      from = addresses_->Claim();
    }
    if (verdict.ok()) {
      *sync_status = grpc::Status::OK;
      return true;
    }
    std::string message = absl::StrCat("TLS handshake refused: ",
                                       verdict.problem == CertificateProblem::kNoCertificate
                                           ? verdict.reason
                                           : absl::StrCat("client certificate ", verdict.reason));
    if (!verdict.subject.empty()) {
      absl::StrAppend(&message, " (subject ", verdict.subject, "; issuer ", verdict.issuer, ")");
    }
    if (from.address.empty()) {
      absl::StrAppend(&message, "; client address not known", from.ambiguity.empty() ? "" : ": ",
                      from.ambiguity);
    }
    if (logger_ != nullptr) {
      logger_->Log(LogLevel::kWarn, from.address.empty() ? "-" : from.address, message);
    }
    *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, verdict.reason);
    return true;
  }

  void Cancel(TlsCustomVerificationCheckRequest* /*request*/) override {}  // never pending

 private:
  const std::shared_ptr<TrustedCas> trusted_;
  const Clock* const clock_;
  Logger* const logger_;
  const std::shared_ptr<HandshakeAddresses> addresses_;
};

// A client's check of a node's certificate.
class ServerCertificateVerifier : public ExternalCertificateVerifier {
 public:
  ServerCertificateVerifier(std::shared_ptr<TrustedCas> trusted, const ChannelTlsOptions& options)
      : trusted_(std::move(trusted)),
        endpoint_(options.endpoint),
        clock_(options.clock),
        report_(options.report),
        logger_(options.logger) {}

  bool Verify(TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    const std::string name = Text(request->target_name());
    const CertificateVerdict verdict =
        CheckCertificatePem(Text(request->peer_cert()), Text(request->peer_cert_full_chain()),
                            *trusted_->Get(), clock_->Now(), TlsRole::kServer);
    std::string reason = verdict.reason;
    if (verdict.ok()) {
      absl::StatusOr<Certificate> cert = Certificate::FromPem(Text(request->peer_cert()));
      absl::Status named = cert.ok() ? CheckCertificateName(*cert, name) : cert.status();
      reason = std::string(named.message());
    }
    if (reason.empty()) {
      if (report_ != nullptr) {
        report_->Record(std::nullopt);
      }
      *sync_status = grpc::Status::OK;
      return true;
    }
    // "the certificate of the node at 10.0.0.10:7401 (CN=AZ node,O=ots-mx, issuer CN=...)
    // expired on ...", or without a certificate "the node at ...: no server certificate".
    const std::string refusal =
        verdict.subject.empty()
            ? absl::StrCat("the node at ", endpoint_, ": ", reason)
            : absl::StrCat("the certificate of the node at ", endpoint_, " (", verdict.subject,
                           ", issuer ", verdict.issuer, ") ", reason);
    if (report_ != nullptr) {
      report_->Record(refusal);
    }
    if (logger_ != nullptr) {
      logger_->Log(LogLevel::kWarn, endpoint_, absl::StrCat("TLS handshake refused: ", refusal));
    }
    *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, refusal);
    return true;
  }

  void Cancel(TlsCustomVerificationCheckRequest* /*request*/) override {}  // never pending

 private:
  const std::shared_ptr<TrustedCas> trusted_;
  const std::string endpoint_;
  const std::shared_ptr<const Clock> clock_;
  const std::shared_ptr<ServerCertificateReport> report_;
  Logger* const logger_;
};

}  // namespace

// ------------------------------------------------------------------------------------------
// HandshakeAddresses

void HandshakeAddresses::Accepted(int fd) {
  auto [peer, local] = SocketAddresses(fd);
  Connection c{peer.empty() ? "?" : std::move(peer), std::move(local),
               gpr_now(GPR_CLOCK_MONOTONIC)};
  absl::MutexLock lock(&mu_);
  if (connections_.size() >= kMaxConnections && connections_.count(fd) == 0) {
    // A flood of connections: stop telling addresses (forgetting some connections would make
    // another look like the only one) until every connection forgotten is past its handshake.
    connections_.clear();
    blind_until_ = gpr_time_add(
        c.accepted, gpr_time_from_millis(absl::ToInt64Milliseconds(limit_), GPR_TIMESPAN));
  }
  // A connection recorded on this socket before has been closed, or its number could not have
  // been given out again.
  connections_[fd] = std::move(c);
}

HandshakeAddresses::Claimed HandshakeAddresses::Claim() {
  // Monotonic: a wall clock stepped forward must not age a handshake in progress out of the set.
  const gpr_timespec oldest =
      gpr_time_sub(gpr_now(GPR_CLOCK_MONOTONIC),
                   gpr_time_from_millis(absl::ToInt64Milliseconds(limit_), GPR_TIMESPAN));
  absl::MutexLock lock(&mu_);
  std::vector<std::map<int, Connection>::iterator> open;
  for (auto it = connections_.begin(); it != connections_.end();) {
    // Still the connection recorded: the socket still connects the same two addresses (closed,
    // its number may be another socket's by now).
    const bool same =
        gpr_time_cmp(it->second.accepted, oldest) >= 0 &&
        SocketAddresses(it->first) == std::make_pair(it->second.peer, it->second.local);
    if (!same) {
      it = connections_.erase(it);
    } else {
      open.push_back(it++);
    }
  }
  Claimed out;
  if (gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), blind_until_) < 0) {
    out.ambiguity = "too many connections to tell";
    return out;
  }
  if (open.size() == 1) {
    out.address = open[0]->second.peer;
    connections_.erase(open[0]);
    return out;
  }
  std::vector<std::string> peers;
  for (size_t i = 0; i < open.size() && i < 4; ++i) {
    peers.push_back(open[i]->second.peer);
  }
  out.ambiguity =
      open.empty() ? "no connection recorded as in its handshake"
                   : absl::StrCat("one of ", open.size(),
                                  " connections in their handshake: ", absl::StrJoin(peers, ", "),
                                  open.size() > peers.size() ? ", ..." : "");
  return out;
}

std::unique_ptr<grpc::ServerBuilderOption> HandshakeAddresses::Option(
    std::shared_ptr<HandshakeAddresses> addresses) {
  return std::make_unique<AddressOption>(std::move(addresses));
}

// ------------------------------------------------------------------------------------------
// ServerCertificateReport

std::optional<std::string> ServerCertificateReport::refusal() const {
  const gpr_timespec minute_ago =
      gpr_time_sub(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(60, GPR_TIMESPAN));
  absl::MutexLock lock(&mu_);
  if (refusal_.has_value() && gpr_time_cmp(refused_at_, minute_ago) < 0) {
    return std::nullopt;
  }
  return refusal_;
}

bool ServerCertificateReport::accepted_once() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

void ServerCertificateReport::Record(std::optional<std::string> refusal) {
  const gpr_timespec now = gpr_now(GPR_CLOCK_MONOTONIC);
  absl::MutexLock lock(&mu_);
  accepted_ = accepted_ || !refusal.has_value();
  refusal_ = std::move(refusal);
  refused_at_ = now;
}

// ------------------------------------------------------------------------------------------
// Credentials

std::shared_ptr<TrustedCas> TrustedCas::FromPem(const std::string& ca_pem) {
  absl::StatusOr<std::vector<Certificate>> cas = CertificatesFromPem(ca_pem);
  return std::make_shared<TrustedCas>(cas.ok() ? *std::move(cas) : std::vector<Certificate>());
}

namespace {

// A new anonymous in-memory file holding `text`; its descriptor.
absl::StatusOr<int> MemoryFile(const char* name, const std::string& text) {
  const int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("memfd_create: ", strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = errno;
      close(fd);
      return absl::InternalError(absl::StrCat("writing an in-memory file: ", strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  return fd;
}

// Makes `target` (-1: a new descriptor) refer to a new in-memory file holding `text`.
absl::Status Replace(int* target, const char* name, const std::string& text) {
  absl::StatusOr<int> fd = MemoryFile(name, text);
  if (!fd.ok()) {
    return fd.status();
  }
  if (*target < 0) {
    *target = *fd;
    return absl::OkStatus();
  }
  // dup3 swaps what the path /proc/self/fd/<target> opens in one step.
  const int swapped = dup3(*fd, *target, O_CLOEXEC);
  const int err = errno;
  close(*fd);
  if (swapped < 0) {
    return absl::InternalError(absl::StrCat("dup3: ", strerror(err)));
  }
  return absl::OkStatus();
}

std::string FdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

}  // namespace

absl::StatusOr<std::unique_ptr<ServedTlsFiles>> ServedTlsFiles::Create(const std::string& cert_pem,
                                                                       const std::string& key_pem,
                                                                       const std::string& ca_pem) {
  std::unique_ptr<ServedTlsFiles> files(new ServedTlsFiles());
  absl::Status s = files->Set(cert_pem, key_pem, ca_pem);
  if (!s.ok()) {
    return s;
  }
  return files;
}

ServedTlsFiles::~ServedTlsFiles() {
  for (int fd : {cert_fd_, key_fd_, ca_fd_}) {
    if (fd >= 0) {
      close(fd);
    }
  }
}

absl::Status ServedTlsFiles::Set(const std::string& cert_pem, const std::string& key_pem,
                                 const std::string& ca_pem) {
  absl::MutexLock lock(&mu_);
  absl::Status s = Replace(&key_fd_, "ots-tls-key", key_pem);
  if (s.ok()) {
    s = Replace(&cert_fd_, "ots-tls-cert", cert_pem);
  }
  if (s.ok()) {
    s = Replace(&ca_fd_, "ots-tls-ca", ca_pem);
  }
  return s;
}

std::string ServedTlsFiles::cert_path() const { return FdPath(cert_fd_); }
std::string ServedTlsFiles::key_path() const { return FdPath(key_fd_); }
std::string ServedTlsFiles::ca_path() const { return FdPath(ca_fd_); }

std::shared_ptr<grpc::ServerCredentials> NodeServerCredentials(const ServerTlsOptions& options) {
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider;
  if (options.files != nullptr) {
    provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        options.files->key_path(), options.files->cert_path(), options.files->ca_path(),
        kServedTlsRefreshSeconds);
  } else {
    provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
        options.ca_pem,
        std::vector<grpc::experimental::IdentityKeyCertPair>{{options.key_pem, options.cert_pem}});
  }
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_root_certs();  // the CA names the server asks client certificates from
  tls.watch_identity_key_cert_pairs();
  // OpenSSL asks for a client certificate and lets any (or none) through the handshake; the
  // verifier then refuses all that OpenSSL's own check would, and says why.
  tls.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  tls.set_certificate_verifier(ExternalCertificateVerifier::Create<ClientCertificateVerifier>(
      TrustedOf(options.trusted, options.ca_pem), options));
  return grpc::experimental::TlsServerCredentials(tls);
}

std::shared_ptr<grpc::ChannelCredentials> NodeChannelCredentials(const ChannelTlsOptions& options) {
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      options.ca_pem,
      std::vector<grpc::experimental::IdentityKeyCertPair>{{options.key_pem, options.cert_pem}}));
  tls.watch_root_certs();
  tls.watch_identity_key_cert_pairs();
  // The verifier checks the chain and the name itself (OpenSSL would only say "certificate
  // verify failed").
  tls.set_verify_server_certs(false);
  tls.set_certificate_verifier(ExternalCertificateVerifier::Create<ServerCertificateVerifier>(
      TrustedOf(options.trusted, options.ca_pem), options));
  return grpc::experimental::TlsCredentials(tls);
}

}  // namespace ots
