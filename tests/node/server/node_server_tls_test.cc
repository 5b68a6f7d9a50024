// What a real node in this process (tests/fakes/test_server.h) tells about its TLS side: each
// refused handshake logged with the client's address, the certificate's subject and issuer and
// the reason in words; the expiry warnings of its certificates and keys, in its log at start and
// in every Status answer; and gRPC health per service name.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/cert_check.h"
#include "crypto/x509.h"
#include "grpcpp/generic/generic_stub.h"
#include "node/server/expiry.h"
#include "tests/fakes/rpc_calls.h"
#include "tests/fakes/test_server.h"

namespace ots {
namespace {

// A clock that always says `now`; its waits are real.
class FixedClock : public Clock {
 public:
  explicit FixedClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override { return now_; }

 private:
  const absl::Time now_;
};

// Waits up to 10 s for `logger` to hold a line containing `text`; returns that count.
int AwaitLine(RecordingLogger& logger, const std::string& text) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (logger.Count(text) == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  return logger.Count(text);
}

Certificate CertOf(const ClientIdentity& identity) {
  absl::StatusOr<Certificate> cert = Certificate::FromPem(identity.cert_pem);
  REQUIRE(cert.ok());
  return *cert;
}

TEST_CASE("A refused handshake is logged with address, subject, issuer and reason",
          "[server][tls]") {
  TestFederation fed;
  TestFederation other;  // another federation: another CA, of the same name
  TestServer az(fed, "AZ");
  const std::string ca = "CN=ots-mx federation CA,O=ots-mx";
  const ClientIdentity expired =
      fed.Issue("expired operator", absl::Now() - absl::Hours(72), absl::Now() - absl::Hours(24));
  const ClientIdentity early =
      fed.Issue("early operator", absl::Now() + absl::Hours(24), absl::Now() + absl::Hours(48));
  const ClientIdentity foreign = other.Identity("AZ", "operator");
  struct Case {
    const ClientIdentity* identity;
    std::string line;
  };
  const std::vector<Case> cases = {
      {nullptr, "TLS handshake refused: no client certificate"},
      {&expired, absl::StrCat("TLS handshake refused: client certificate expired on ",
                              FormatCertificateTime(CertOf(expired).NotAfter()),
                              " (subject CN=expired operator; issuer ", ca, ")")},
      {&early, absl::StrCat("TLS handshake refused: client certificate not valid before ",
                            FormatCertificateTime(CertOf(early).NotBefore()),
                            " (subject CN=early operator; issuer ", ca, ")")},
      {&foreign, absl::StrCat("TLS handshake refused: client certificate issued by a CA this "
                              "federation does not trust (issuer ",
                              ca, ": a trusted CA has that name, but another key)")},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    CHECK(CallHealth(az.Channel(c.identity)).error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK(AwaitLine(az.logger(), c.line) >= 1);
  }
  // Each refusal names the client's loopback address as its peer (one handshake at a time: the
  // address is known).
  const std::vector<std::string> refused = az.logger().Lines("TLS handshake refused");
  CHECK(refused.size() >= cases.size());  // gRPC may have tried a connection again
  for (const std::string& line : refused) {
    INFO(line);
    CHECK(absl::StartsWith(line, "127.0.0.1:"));
    CHECK_FALSE(absl::StrContains(line, "client address not known"));
  }
  // A valid identity still passes, and the gate still decides who it is.
  CHECK(CallHealth(az.ChannelAs("AZ", "auditor")).ok());
}

TEST_CASE("Expiry warnings: in the log at start and in every Status, from 30 days before",
          "[server][expiry]") {
  TestFederation fed;
  const v1::NodeConfig config = fed.NodeConfig("AZ");
  absl::StatusOr<Certificate> cert = Certificate::LoadPemFile(config.tls().cert_file());
  REQUIRE(cert.ok());
  const absl::Time end = cert->NotAfter();

  SECTION("nothing to say 31 days before") {
    FixedClock clock(end - absl::Hours(24 * 31) - absl::Hours(1));
    absl::StatusOr<NodeSetup> setup = LoadNodeSetup(config, clock);
    REQUIRE(setup.ok());
    CHECK(ExpiryWarnings(*setup, clock.Now()).empty());
  }
  SECTION("every certificate and key 12 days before") {
    FixedClock clock(end - absl::Hours(24 * 12) - absl::Hours(1));
    absl::StatusOr<NodeSetup> setup = LoadNodeSetup(config, clock);
    REQUIRE(setup.ok());
    const std::string date = absl::FormatTime("%Y-%m-%d", end, absl::UTCTimeZone());
    const std::vector<std::string> warnings = ExpiryWarnings(*setup, clock.Now());
    // Not the CA: pki init makes it for ten years.
    REQUIRE(warnings.size() == 3);
    CHECK(warnings[0] == absl::StrCat("TLS certificate ", config.tls().cert_file(), " expires on ",
                                      date, " (in 12 days)"));
    CHECK(warnings[1] == absl::StrCat("log key ", setup->log_key->public_key().KeyId(), " (",
                                      config.log_key_file(), ") expires on ", date,
                                      " (in 12 days) per the trust bundle"));
    CHECK(absl::StartsWith(warnings[2], "witness key "));

    // The node says so at start, and in every Status answer.
    TestServer az(fed, "AZ", absl::Hours(1), &clock);
    for (const std::string& w : warnings) {
      CHECK(az.logger().Count(absl::StrCat("-: ", w)) == 1);
    }
    v1::StatusResponse status;
    REQUIRE(CallStatus(az.ChannelAs("AZ", "auditor"), &status).ok());
    CHECK(std::vector<std::string>(status.expiry_warnings().begin(),
                                   status.expiry_warnings().end()) == warnings);
  }
  SECTION("expired") {
    FixedClock clock(end + absl::Hours(24 * 3) + absl::Hours(1));
    const absl::StatusOr<NodeSetup> setup = LoadNodeSetup(config, FixedClock(end - absl::Hours(1)));
    REQUIRE(setup.ok());
    const std::vector<std::string> warnings = ExpiryWarnings(*setup, clock.Now());
    REQUIRE_FALSE(warnings.empty());
    CHECK(absl::StrContains(warnings[0], " expired on "));
    CHECK(absl::EndsWith(warnings[0], "(3 days ago)"));
  }
}

// One grpc.health.v1.Health/Check of `service` on `channel`: "SERVING", "NOT_SERVING" or the
// status code's name.
std::string Health(const NodeChannel& channel, const std::string& service) {
  grpc::ClientContext context;
  SetTimeout(context);
  bool serving = false;
  grpc::Status s = HealthCheck(channel, context, &serving, service);
  if (!s.ok()) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code()));
  }
  return serving ? "SERVING" : "NOT_SERVING";
}

TEST_CASE("Health per service: each of the node's services SERVING, others NOT_FOUND",
          "[server][health]") {
  TestFederation fed;
  TestServer az(fed, "AZ");
  const NodeChannel channel = az.ChannelAs("AZ", "auditor");
  CHECK(Health(channel, "") == "SERVING");
  CHECK(Health(channel, "ots.v1.Query") == "SERVING");
  CHECK(Health(channel, "ots.v1.Submission") == "SERVING");
  CHECK(Health(channel, "ots.v1.Federation") == "SERVING");
  CHECK(Health(channel, "ots.v1.Nothing") == "NOT_FOUND");
  CHECK(Health(channel, "Query") == "NOT_FOUND");

  // A Watch of ots.v1.Query sees SERVING, then NOT_SERVING once the node begins to stop.
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  SetTimeout(context);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&context, "/grpc.health.v1.Health/Watch", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](intptr_t id) {
    return cq.Next(&tag, &ok) && tag == reinterpret_cast<void*>(id) && ok;
  };
  const std::string service = "ots.v1.Query";
  grpc::Slice request_bytes(std::string("\x0a", 1) + static_cast<char>(service.size()) + service);
  grpc::ByteBuffer request(&request_bytes, 1), response;
  call->StartCall(reinterpret_cast<void*>(1));
  REQUIRE(step(1));
  call->Write(request, reinterpret_cast<void*>(2));
  REQUIRE(step(2));
  call->Read(&response, reinterpret_cast<void*>(3));
  REQUIRE(step(3));
  CHECK(BufferBytes(response) == std::string("\x08\x01", 2));  // SERVING
  std::thread stopping([&] { az.Shutdown(absl::Seconds(10)); });
  call->Read(&response, reinterpret_cast<void*>(4));
  REQUIRE(step(4));
  CHECK(BufferBytes(response) == std::string("\x08\x02", 2));  // NOT_SERVING
  context.TryCancel();
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  stopping.join();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace ots
