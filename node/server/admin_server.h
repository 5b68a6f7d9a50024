// The admin listener of ots-node: a small HTTP/1.1 server for Prometheus metrics and load
// balancers' health checks (docs/operations.md, "Monitoring"). GET and HEAD only, one request per
// connection, answers of a few kilobytes to a few megabytes. On a loopback address it speaks
// plain HTTP; elsewhere only HTTPS (TLS 1.3) with a client certificate that chains to the
// federation's CAs and that the trust bundle lists.
#ifndef OTS_NODE_SERVER_ADMIN_SERVER_H_
#define OTS_NODE_SERVER_ADMIN_SERVER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "node/base/event_log.h"

namespace ots {

struct AdminResponse {
  int code = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers a GET of `path` (the request target without its query string) with `query` (what
// follows the '?', undecoded; empty if none).
using AdminHandler = std::function<AdminResponse(absl::string_view path, absl::string_view query)>;

// What HTTPS needs, asked for at each connection so that a renewed certificate is used from the
// next one on.
struct AdminTls {
  struct Pems {
    std::string cert;  // the node's certificate (and chain)
    std::string key;
    std::string cas;  // every CA a client certificate may chain to
  };
  std::function<Pems()> current;
  // OK if the client behind the (verified) certificate `cert_pem` may scrape; why not otherwise.
  std::function<absl::Status(const std::string& cert_pem)> authorize;
};

// Whether `host` (of HOST:PORT, brackets removed) is a loopback address or "localhost".
bool IsLoopbackHost(absl::string_view host);

// Thread-safe.
class AdminServer {
 public:
  // Connections served at once; more are closed at once (a scraper retries).
  static constexpr int kMaxConnections = 8;
  // A connection lasts at most this long, handshake, request, answer and all: a client that
  // trickles its bytes is cut off then (within a second), so that no client holds a slot.
  static constexpr int kConnectionSeconds = 10;
  // Requests (line and headers) longer than this are refused (431).
  static constexpr size_t kMaxRequestBytes = 16 * 1024;

  // Listens on `address` (HOST:PORT; port 0 picks one) and serves `handler` until Stop. An
  // address that is not loopback needs `tls` (INVALID_ARGUMENT otherwise); UNAVAILABLE if the
  // address cannot be bound. `logger` must outlive the server.
  // `connection_seconds`: how long a connection may last (kConnectionSeconds).
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(
      const std::string& address, AdminHandler handler, std::optional<AdminTls> tls, Logger* logger,
      int connection_seconds = kConnectionSeconds);
  ~AdminServer();

  // host:port listened on.
  const std::string& address() const { return address_; }
  bool tls() const { return tls_.has_value(); }

  // Stops accepting, ends the connections open and joins every thread. Idempotent.
  void Stop();

 private:
  AdminServer() = default;
  void AcceptLoop();
  void Serve(int fd, std::string client);
  // Joins the threads of connections that have ended.
  void Reap() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  AdminHandler handler_;
  std::optional<AdminTls> tls_;
  Logger* logger_ = nullptr;
  std::string address_;
  int connection_seconds_ = kConnectionSeconds;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd that wakes the accept loop to stop
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  // Shuts down the connections open longer than kConnectionSeconds.
  void CutOverdue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct Connection {
    std::thread thread;
    int fd = -1;
    bool done = false;
    bool cut = false;
    std::chrono::steady_clock::time_point deadline;
  };
  std::map<uint64_t, Connection> connections_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ots

#endif  // OTS_NODE_SERVER_ADMIN_SERVER_H_
