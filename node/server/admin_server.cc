#include "node/server/admin_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "node/base/text.h"

namespace ots {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

std::string SslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) {
    return "unknown TLS error";
  }
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// Splits "HOST:PORT" or "[V6]:PORT".
absl::Status SplitHostPort(absl::string_view address, std::string* host, std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin listen address ", Quoted(address), " is not HOST:PORT"));
  }
  absl::string_view h = address.substr(0, colon);
  if (absl::StartsWith(h, "[") && absl::EndsWith(h, "]")) {
    h = h.substr(1, h.size() - 2);
  }
  int port_number = 0;
  if (h.empty() || !absl::SimpleAtoi(address.substr(colon + 1), &port_number) || port_number < 0 ||
      port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin listen address ", Quoted(address), " is not HOST:PORT"));
  }
  *host = std::string(h);
  *port = std::string(address.substr(colon + 1));
  return absl::OkStatus();
}

std::string FormatAddress(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
    return absl::StrCat("[", text, "]:", ntohs(a->sin6_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
  inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
  return absl::StrCat(text, ":", ntohs(a->sin_port));
}

const char* Reason(int code) {
  switch (code) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// The connection, plain or TLS: reads and writes whole buffers within the socket's timeouts.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  Channel(int fd, std::unique_ptr<SSL, SslFree> ssl) : fd_(fd), ssl_(std::move(ssl)) {}

  // Up to `max` bytes; 0 at the end of the stream or on a timeout or error.
  size_t Read(char* buf, size_t max) {
    if (ssl_ != nullptr) {
      const int n = SSL_read(ssl_.get(), buf, static_cast<int>(max));
      return n > 0 ? static_cast<size_t>(n) : 0;
    }
    for (;;) {
      const ssize_t n = recv(fd_, buf, max, 0);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      return n > 0 ? static_cast<size_t>(n) : 0;
    }
  }
  bool WriteAll(absl::string_view data) {
    while (!data.empty()) {
      if (ssl_ != nullptr) {
        const int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
        if (n <= 0) {
          return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Ends the answer. A plain connection is half-closed and what the client still sends (the
  // rest of a request refused early) is read and dropped, up to a limit: closing a socket with
  // unread data resets it, and the client could lose the answer.
  void Close() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_.get());
      return;
    }
    shutdown(fd_, SHUT_WR);
    char buf[4096];
    size_t drained = 0;
    while (drained < (1 << 20)) {
      const size_t n = Read(buf, sizeof(buf));
      if (n == 0) {
        break;
      }
      drained += n;
    }
  }

 private:
  const int fd_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

// A server context for one connection from the PEM texts of `pems`, verifying client
// certificates against its CAs.
absl::StatusOr<std::unique_ptr<SSL_CTX, SslCtxFree>> MakeContext(const AdminTls::Pems& pems) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr || !SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION)) {
    return absl::InternalError(SslError());
  }
  std::unique_ptr<BIO, BioFree> cert_bio(
      BIO_new_mem_buf(pems.cert.data(), static_cast<int>(pems.cert.size())));
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr || SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1) {
    return absl::FailedPreconditionError(absl::StrCat("node certificate: ", SslError()));
  }
  // The rest of the certificate file: its chain.
  for (;;) {
    X509* extra = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
    if (extra == nullptr) {
      ERR_clear_error();
      break;
    }
    if (SSL_CTX_add0_chain_cert(ctx.get(), extra) != 1) {  // owns `extra` only on success
      X509_free(extra);
      return absl::FailedPreconditionError(absl::StrCat("node certificate chain: ", SslError()));
    }
  }
  std::unique_ptr<BIO, BioFree> key_bio(
      BIO_new_mem_buf(pems.key.data(), static_cast<int>(pems.key.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr || SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) {
    return absl::FailedPreconditionError(absl::StrCat("node key: ", SslError()));
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
  std::unique_ptr<BIO, BioFree> ca_bio(
      BIO_new_mem_buf(pems.cas.data(), static_cast<int>(pems.cas.size())));
  int cas = 0;
  for (;;) {
    std::unique_ptr<X509, X509Free> ca(PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr));
    if (ca == nullptr) {
      ERR_clear_error();
      break;
    }
    X509_STORE_add_cert(store, ca.get());
    ++cas;
  }
  if (cas == 0) {
    return absl::FailedPreconditionError("no CA certificate to verify clients against");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return ctx;
}

std::string PemOf(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// Reads the request head; returns the status code to answer with if it is not a usable GET or
// HEAD, 0 otherwise, with `*path`, `*query` and `*head_only` set.
int ReadRequest(Channel& channel, std::string* path, std::string* query, bool* head_only) {
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    if (request.size() > AdminServer::kMaxRequestBytes) {
      return 431;
    }
    const size_t n = channel.Read(buf, sizeof(buf));
    if (n == 0) {
      return -1;  // gone, or too slow: nothing to answer
    }
    request.append(buf, n);
  }
  if (request.find("\r\n\r\n") > AdminServer::kMaxRequestBytes) {
    return 431;
  }
  const std::string line = request.substr(0, request.find("\r\n"));
  std::vector<std::string> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.") || parts[1].empty() ||
      parts[1][0] != '/') {
    return 400;
  }
  if (parts[0] != "GET" && parts[0] != "HEAD") {
    return 405;
  }
  *head_only = parts[0] == "HEAD";
  const size_t mark = parts[1].find('?');
  *path = parts[1].substr(0, mark);
  *query = mark == std::string::npos ? "" : parts[1].substr(mark + 1);
  return 0;
}

}  // namespace

bool IsLoopbackHost(absl::string_view host) {
  if (absl::AsciiStrToLower(host) == "localhost") {
    return true;
  }
  in_addr v4;
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const std::string& address,
                                                                AdminHandler handler,
                                                                std::optional<AdminTls> tls,
                                                                Logger* logger,
                                                                int connection_seconds) {
  std::string host, port;
  absl::Status split = SplitHostPort(address, &host, &port);
  if (!split.ok()) {
    return split;
  }
  const bool loopback = IsLoopbackHost(host);
  if (loopback) {
    tls.reset();  // plain HTTP on loopback, as the node's own host reaches it
  } else if (!tls.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "admin listen address ", address, " is not loopback: it needs the node's TLS files"));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("admin listen address ", address, ": ", gai_strerror(rc)));
  }
  absl::Cleanup free_found = [found] { freeaddrinfo(found); };
  auto server = std::unique_ptr<AdminServer>(new AdminServer());
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    // Non-blocking, so that a client gone between poll and accept cannot block the loop.
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 16) != 0) {
      error = std::strerror(errno);
      close(fd);
      continue;
    }
    server->listen_fd_ = fd;
    break;
  }
  if (server->listen_fd_ < 0) {
    return absl::UnavailableError(
        absl::StrCat("admin listener: cannot listen on ", address, ": ", error));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(server->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  server->address_ = FormatAddress(bound);
  server->wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (server->wake_fd_ < 0) {
    return absl::InternalError(absl::StrCat("admin listener: eventfd: ", std::strerror(errno)));
  }
  server->connection_seconds_ = connection_seconds;
  server->handler_ = std::move(handler);
  server->tls_ = std::move(tls);
  server->logger_ = logger;
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  const uint64_t one = 1;
  if (wake_fd_ >= 0) {
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
  std::map<uint64_t, Connection> open;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, c] : connections_) {
      if (!c.done) {
        shutdown(c.fd, SHUT_RDWR);  // a read or write in progress returns at once
      }
    }
    open.swap(connections_);
  }
  for (auto& [id, c] : open) {
    c.thread.join();
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
  }
  if (wake_fd_ >= 0) {
    close(wake_fd_);
  }
}

void AdminServer::Reap() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->second.done) {
      it->second.thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void AdminServer::CutOverdue() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, c] : connections_) {
    if (!c.done && !c.cut && now >= c.deadline) {
      shutdown(c.fd, SHUT_RDWR);  // its reads and writes fail at once; its thread ends
      c.cut = true;
    }
  }
}

void AdminServer::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    // Woken each second at least, to cut off connections that overran.
    const int ready = poll(fds, 2, 1000);
    {
      absl::MutexLock lock(&mu_);
      CutOverdue();
    }
    if (ready == 0) {
      continue;
    }
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      logger_->Log(LogLevel::kError, "-",
                   absl::StrCat("admin listener: poll: ", std::strerror(errno)));
      return;
    }
    if (stopping_ || (fds[1].revents & POLLIN) != 0) {
      return;
    }
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;  // the client went away already, or out of descriptors for a moment
    }
    const timeval timeout{connection_seconds_, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    absl::MutexLock lock(&mu_);
    Reap();
    if (connections_.size() >= static_cast<size_t>(kMaxConnections)) {
      close(fd);
      continue;
    }
    const uint64_t id = next_id_++;
    Connection& c = connections_[id];
    c.fd = fd;
    c.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(connection_seconds_);
    c.thread = std::thread([this, id, fd, client = FormatAddress(peer)] {
      Serve(fd, client);
      absl::MutexLock done_lock(&mu_);
      close(fd);
      auto it = connections_.find(id);
      if (it != connections_.end()) {
        it->second.done = true;
      }
    });
  }
}

void AdminServer::Serve(int fd, std::string client) {
  std::unique_ptr<Channel> channel;
  absl::Status allowed;  // plain HTTP on loopback: whoever reaches this host's loopback
  if (tls_.has_value()) {
    absl::StatusOr<std::unique_ptr<SSL_CTX, SslCtxFree>> ctx = MakeContext(tls_->current());
    if (!ctx.ok()) {
      logger_->Log(LogLevel::kError, client,
                   absl::StrCat("admin listener: ", ctx.status().message()));
      return;
    }
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx->get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) != 1) {
      logger_->Log(LogLevel::kWarn, client,
                   absl::StrCat("admin listener: TLS handshake failed: ", SslError()));
      return;
    }
    std::unique_ptr<X509, X509Free> peer_cert(SSL_get1_peer_certificate(ssl.get()));
    allowed = peer_cert == nullptr ? absl::UnauthenticatedError("no client certificate")
                                   : tls_->authorize(PemOf(peer_cert.get()));
    if (!allowed.ok()) {
      logger_->Log(LogLevel::kWarn, client,
                   absl::StrCat("admin listener: refused: ", allowed.message()));
    }
    channel = std::make_unique<Channel>(fd, std::move(ssl));
  } else {
    channel = std::make_unique<Channel>(fd);
  }
  // The request is read before any answer, a refusal too: a connection closed with a request
  // unread is reset, and the client would not see why.
  std::string path, query;
  bool head_only = false;
  const int bad = ReadRequest(*channel, &path, &query, &head_only);
  if (bad < 0) {
    return;
  }
  AdminResponse response;
  if (!allowed.ok()) {
    response.code = 403;
    response.body = absl::StrCat("refused: ", allowed.message(), "\n");
  } else if (bad > 0) {
    response.code = bad;
    response.body = absl::StrCat(Reason(bad), "\n");
  } else {
    response = handler_(path, query);
  }
  std::string out = absl::StrCat("HTTP/1.1 ", response.code, " ", Reason(response.code),
                                 "\r\nContent-Type: ", response.content_type,
                                 "\r\nContent-Length: ", response.body.size(),
                                 "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
  if (!head_only) {
    out += response.body;
  }
  channel->WriteAll(out);
  channel->Close();
}

}  // namespace ots
