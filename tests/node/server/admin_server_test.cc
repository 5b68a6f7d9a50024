// The admin listener's HTTP: requests it answers, requests it refuses, and a stop that does not
// wait for idle clients.
#include "node/server/admin_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "tests/fakes/fake_clock.h"

namespace ots {
namespace {

class NullLogger : public Logger {
 public:
  void Log(LogLevel, absl::string_view, absl::string_view) override {}
};

// A connected socket to the server's loopback port.
int Connect(const AdminServer& server) {
  const std::string& address = server.address();
  int port = 0;
  REQUIRE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  return fd;
}

// Sends `request` and returns the server's answer: its head and Content-Length bytes of body
// (none for HEAD), or what came before the server closed. The client then closes, as a browser
// or Prometheus does, which also ends the server's wait for the rest of a refused request.
std::string Exchange(const AdminServer& server, const std::string& request) {
  const int fd = Connect(server);
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[4096];
  for (;;) {
    const size_t head_end = answer.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      size_t length = 0;
      const size_t at = answer.find("Content-Length: ");
      if (at != std::string::npos && at < head_end) {
        REQUIRE(
            absl::SimpleAtoi(answer.substr(at + 16, answer.find("\r\n", at) - at - 16), &length));
      }
      if (absl::StartsWith(request, "HEAD ") || answer.size() >= head_end + 4 + length) {
        break;
      }
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      break;
    }
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

std::unique_ptr<AdminServer> StartEcho(Logger* logger) {
  absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(
      "127.0.0.1:0",
      [](absl::string_view path, absl::string_view query) {
        AdminResponse r;
        if (path != "/echo") {
          r.code = 404;
        }
        r.body = absl::StrCat(path, query.empty() ? "" : " ", query);
        return r;
      },
      std::nullopt, logger);
  REQUIRE(server.ok());
  return *std::move(server);
}

TEST_CASE("admin server: answers a GET with the handler's body and closes", "[admin_server]") {
  NullLogger logger;
  std::unique_ptr<AdminServer> server = StartEcho(&logger);
  const std::string answer = Exchange(*server, "GET /echo?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(absl::StartsWith(answer, "HTTP/1.1 200 OK\r\n"));
  CHECK(absl::StrContains(answer, "\r\nContent-Length: 9\r\n"));
  CHECK(absl::StrContains(answer, "\r\nConnection: close\r\n"));
  CHECK(absl::EndsWith(answer, "\r\n\r\n/echo x=1"));
  // HEAD: the same head, no body.
  const std::string head = Exchange(*server, "HEAD /echo HTTP/1.1\r\n\r\n");
  CHECK(absl::StartsWith(head, "HTTP/1.1 200 OK\r\n"));
  CHECK(absl::EndsWith(head, "\r\n\r\n"));
  CHECK(absl::StartsWith(Exchange(*server, "GET /other HTTP/1.0\r\n\r\n"), "HTTP/1.1 404 "));
}

TEST_CASE("admin server: refuses what is not a plain GET", "[admin_server]") {
  NullLogger logger;
  std::unique_ptr<AdminServer> server = StartEcho(&logger);
  CHECK(absl::StartsWith(Exchange(*server, "POST /echo HTTP/1.1\r\n\r\n"), "HTTP/1.1 405 "));
  CHECK(absl::StartsWith(Exchange(*server, "GET echo HTTP/1.1\r\n\r\n"), "HTTP/1.1 400 "));
  CHECK(absl::StartsWith(Exchange(*server, "GET /echo SPDY/3\r\n\r\n"), "HTTP/1.1 400 "));
  CHECK(absl::StartsWith(Exchange(*server, "garbage\r\n\r\n"), "HTTP/1.1 400 "));
  const std::string huge =
      "GET /echo HTTP/1.1\r\nX: " + std::string(AdminServer::kMaxRequestBytes + 10, 'a');
  CHECK(absl::StartsWith(Exchange(*server, huge), "HTTP/1.1 431 "));
  // As long, in one piece with its end.
  CHECK(absl::StartsWith(Exchange(*server, huge + "\r\n\r\n"), "HTTP/1.1 431 "));
  // A client that went away before its request ended gets nothing, and the server goes on.
  close(Connect(*server));
  CHECK(absl::StartsWith(Exchange(*server, "GET /echo HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 "));
}

TEST_CASE("admin server: stops without waiting for clients that send nothing", "[admin_server]") {
  NullLogger logger;
  std::unique_ptr<AdminServer> server = StartEcho(&logger);
  const int idle = Connect(*server);
  // The accept loop has the connection once a request on another one is answered after it.
  CHECK(absl::StartsWith(Exchange(*server, "GET /echo HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 "));
  server->Stop();  // returns although `idle` never sends: its read is shut down
  char c;
  CHECK(recv(idle, &c, 1, 0) <= 0);
  close(idle);
}

TEST_CASE("admin server: a client that trickles its request is cut off", "[admin_server]") {
  NullLogger logger;
  absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(
      "127.0.0.1:0", [](absl::string_view, absl::string_view) { return AdminResponse{}; },
      std::nullopt, &logger,
      /*connection_seconds=*/1);
  REQUIRE(server.ok());
  const int slow = Connect(**server);
  REQUIRE(send(slow, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL) == 16);
  // Each byte comes well within the read timeout, but the connection as a whole overruns: the
  // server ends it, and then answers others as before.
  char c = 'X';
  bool cut = false;
  for (int i = 0; i < 300 && !cut; ++i) {  // a byte every 0.1 s, for 30 s at most
    char got;
    cut = send(slow, &c, 1, MSG_NOSIGNAL) != 1 || recv(slow, &got, 1, MSG_DONTWAIT) == 0;
    usleep(100 * 1000);
  }
  CHECK(cut);
  close(slow);
  CHECK(absl::StartsWith(Exchange(**server, "GET /x HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 "));
}

TEST_CASE("admin server: off loopback only with TLS", "[admin_server]") {
  NullLogger logger;
  absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(
      "0.0.0.0:0", [](absl::string_view, absl::string_view) { return AdminResponse{}; },
      std::nullopt, &logger);
  CHECK(absl::IsInvalidArgument(server.status()));
  CHECK(absl::IsInvalidArgument(
      AdminServer::Start(
          "no-port", [](absl::string_view, absl::string_view) { return AdminResponse{}; },
          std::nullopt, &logger)
          .status()));
}

TEST_CASE("admin server: loopback hosts", "[admin_server]") {
  CHECK(IsLoopbackHost("127.0.0.1"));
  CHECK(IsLoopbackHost("127.1.2.3"));
  CHECK(IsLoopbackHost("::1"));
  CHECK(IsLoopbackHost("localhost"));
  CHECK_FALSE(IsLoopbackHost("0.0.0.0"));
  CHECK_FALSE(IsLoopbackHost("::"));
  CHECK_FALSE(IsLoopbackHost("10.0.0.1"));
  CHECK_FALSE(IsLoopbackHost("example.org"));
}

}  // namespace
}  // namespace ots
