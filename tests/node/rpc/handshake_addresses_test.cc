// Tests for HandshakeAddresses (node/rpc/tls_credentials.h): the address of a refused handshake
// is given when exactly one recorded connection can be it, and never guessed otherwise. Real
// loopback TCP connections, accepted as gRPC's listener accepts them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "node/rpc/tls_credentials.h"

namespace ots {
namespace {

// A loopback listener; Connect() makes a connection and returns the accepted end, whose peer
// address `*out_client` is set to.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof(a);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { close(fd_); }

  // The accepted end; `*out_client` gets the client end and `*out_address` its address.
  int Connect(int* out_client, std::string* out_address) {
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(client >= 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    sockaddr_in mine = {};
    socklen_t len = sizeof(mine);
    REQUIRE(getsockname(client, reinterpret_cast<sockaddr*>(&mine), &len) == 0);
    *out_client = client;
    *out_address = absl::StrCat("127.0.0.1:", ntohs(mine.sin_port));
    const int accepted = accept(fd_, nullptr, nullptr);
    REQUIRE(accepted >= 0);
    return accepted;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_CASE("The one connection in its handshake is the one verified") {
  Listener listener;
  HandshakeAddresses addresses(absl::Seconds(30));
  int client = -1;
  std::string address;
  const int fd = listener.Connect(&client, &address);
  addresses.Accepted(fd);
  HandshakeAddresses::Claimed c = addresses.Claim();
  CHECK(c.address == address);
  CHECK(c.ambiguity.empty());
  // Claimed once, it is forgotten: another verification cannot be it.
  c = addresses.Claim();
  CHECK(c.address.empty());
  CHECK(c.ambiguity == "no connection recorded as in its handshake");
  close(fd);
  close(client);
}

TEST_CASE("Two connections in their handshake: no address is guessed") {
  Listener listener;
  HandshakeAddresses addresses(absl::Seconds(30));
  int client1 = -1, client2 = -1;
  std::string address1, address2;
  const int fd1 = listener.Connect(&client1, &address1);
  const int fd2 = listener.Connect(&client2, &address2);
  addresses.Accepted(fd1);
  addresses.Accepted(fd2);
  HandshakeAddresses::Claimed c = addresses.Claim();
  CHECK(c.address.empty());
  CHECK(c.ambiguity ==
        absl::StrCat("one of 2 connections in their handshake: ", fd1 < fd2 ? address1 : address2,
                     ", ", fd1 < fd2 ? address2 : address1));
  // Once one is closed (gRPC closes a refused connection), the other is the only candidate.
  close(fd1);
  close(client1);
  c = addresses.Claim();
  CHECK(c.address == address2);
  close(fd2);
  close(client2);
}

TEST_CASE("A socket number given to a new connection stands for the new one") {
  Listener listener;
  HandshakeAddresses addresses(absl::Seconds(30));
  int client1 = -1, client2 = -1;
  std::string address1, address2;
  const int fd1 = listener.Connect(&client1, &address1);
  addresses.Accepted(fd1);
  close(fd1);
  close(client1);
  const int fd2 = listener.Connect(&client2, &address2);
  REQUIRE(fd2 == fd1);  // the lowest free number, as the kernel gives them out
  addresses.Accepted(fd2);
  CHECK(addresses.Claim().address == address2);
  close(fd2);
  close(client2);
}

TEST_CASE("A connection older than the handshake limit is past its handshake") {
  Listener listener;
  HandshakeAddresses addresses(absl::ZeroDuration());
  int client = -1;
  std::string address;
  const int fd = listener.Connect(&client, &address);
  addresses.Accepted(fd);
  HandshakeAddresses::Claimed c = addresses.Claim();
  CHECK(c.address.empty());
  CHECK(c.ambiguity == "no connection recorded as in its handshake");
  close(fd);
  close(client);
}

}  // namespace
}  // namespace ots
