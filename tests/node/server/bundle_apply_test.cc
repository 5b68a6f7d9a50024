// A new trust bundle handed to a running node (NodeServer::ApplyBundle through
// Submission.PushBundle; docs/operations.md, "Changing the trust bundle"), on a real AZ node in
// this process called over gRPC with mutual TLS:
//   refused, and nothing changed: a bundle the federation's key did not sign, an older version, the
//   same version with other contents, a bundle of another federation, one that does not list AZ;
//   accepted: a newer version, in force at once for the next call (an identity it removes is
//   refused), served to peers by Federation.TrustBundle and announced in Checkpoints;
//   the same bundle again is answered as unchanged;
//   a restart goes on with the pushed version, not the older one of the configuration file.
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "grpcpp/grpcpp.h"
#include "proto/services.grpc.pb.h"
#include "tests/fakes/test_server.h"

namespace ots {
namespace {

struct Pushed {
  grpc::Status status;
  v1::PushBundleResponse response;
};

Pushed Push(const TestServer& node, const std::string& signed_bundle) {
  auto stub = v1::Submission::NewStub(node.ChannelAs(node.member(), "operator"));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::PushBundleRequest request;
  request.set_signed_bundle(signed_bundle);
  Pushed out;
  out.status = stub->PushBundle(&context, request, &out.response);
  return out;
}

grpc::Status Status(const TestServer& node, const std::string& member, const std::string& kind,
                    v1::StatusResponse* response) {
  auto stub = v1::Query::NewStub(node.ChannelAs(member, kind));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return stub->Status(&context, v1::StatusRequest(), response);
}

std::string Signed(const v1::TrustBundle& bundle, const PrivateKey& key) {
  absl::StatusOr<std::string> text = SignTrustBundle(bundle, key);
  INFO(text.status().ToString());
  REQUIRE(text.ok());
  return *text;
}

TEST_CASE("a pushed bundle is checked, kept and in force at once", "[bundle][node_server]") {
  TestFederation fed({"AZ", "KZ"});
  const PrivateKey bundle_key = *PrivateKey::LoadPemFile(fed.Path("federation/bundle.key"));
  const v1::TrustBundle v1 = fed.Bundle();
  v1::TrustBundle v2 = v1;
  v2.set_version(2);
  // Version 2 drops AZ's auditor identity.
  for (v1::Member& m : *v2.mutable_members()) {
    if (m.code() == "AZ") {
      for (int i = 0; i < m.tls_identities_size(); ++i) {
        if (m.tls_identities(i).kind() == v1::TlsIdentity::AUDITOR) {
          m.mutable_tls_identities()->DeleteSubrange(i, 1);
          break;
        }
      }
    }
  }
  auto server = std::make_unique<TestServer>(fed, "AZ");
  v1::StatusResponse status;
  REQUIRE(Status(*server, "AZ", "auditor", &status).ok());

  auto refused = [&](const std::string& text, grpc::StatusCode code, const std::string& says) {
    Pushed p = Push(*server, text);
    INFO(p.status.error_message());
    CHECK(p.status.error_code() == code);
    CHECK(absl::StrContains(p.status.error_message(), says));
    v1::StatusResponse now;
    REQUIRE(Status(*server, "AZ", "auditor", &now).ok());
    CHECK(now.bundle_version() == 1);
  };
  refused(Signed(v2, *PrivateKey::Generate()), grpc::StatusCode::PERMISSION_DENIED, "signature");
  v1::TrustBundle same_version = v1;
  same_version.set_issued_at("2027-01-01T00:00:00Z");
  refused(Signed(same_version, bundle_key), grpc::StatusCode::FAILED_PRECONDITION,
          "version 1 is not newer than version 1 this node holds");
  v1::TrustBundle foreign = v2;
  foreign.set_federation("another");
  refused(Signed(foreign, bundle_key), grpc::StatusCode::FAILED_PRECONDITION,
          "is of federation another");
  v1::TrustBundle without_az = v2;
  for (int i = 0; i < without_az.members_size(); ++i) {
    if (without_az.members(i).code() == "AZ") {
      without_az.mutable_members()->DeleteSubrange(i, 1);
      break;
    }
  }
  for (v1::Member& m : *without_az.mutable_members()) {
    m.clear_share_with();
  }
  refused(Signed(without_az, bundle_key), grpc::StatusCode::FAILED_PRECONDITION,
          "does not list AZ, the member this node is");
  refused("not a bundle", grpc::StatusCode::INVALID_ARGUMENT, "");

  const std::string v2_text = Signed(v2, bundle_key);
  Pushed applied = Push(*server, v2_text);
  INFO(applied.status.error_message());
  REQUIRE(applied.status.ok());
  CHECK(applied.response.version() == 2);
  CHECK(applied.response.previous_version() == 1);
  CHECK_FALSE(applied.response.unchanged());
  CHECK(server->logger().Count("trust bundle ots-mx version 2 applied (was 1; from operator "
                               "AZ/operator") == 1);
  // The removed identity is refused from the next call on; the others are not.
  grpc::Status auditor = Status(*server, "AZ", "auditor", &status);
  CHECK(auditor.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  REQUIRE(Status(*server, "KZ", "auditor", &status).ok());
  CHECK(status.bundle_version() == 2);
  // Peers fetch it verbatim, and are told of it.
  {
    auto stub = v1::Federation::NewStub(server->ChannelAs("KZ", "node"));
    grpc::ClientContext context;
    v1::TrustBundleResponse served;
    REQUIRE(stub->TrustBundle(&context, v1::TrustBundleRequest(), &served).ok());
    CHECK(served.version() == 2);
    CHECK(served.signed_bundle() == v2_text);
    grpc::ClientContext context2;
    v1::CheckpointsResponse checkpoints;
    REQUIRE(stub->Checkpoints(&context2, v1::CheckpointsRequest(), &checkpoints).ok());
    CHECK(checkpoints.bundle_version() == 2);
  }
  Pushed again = Push(*server, v2_text);
  REQUIRE(again.status.ok());
  CHECK(again.response.unchanged());
  CHECK(again.response.version() == 2);

  // Restarted from the same configuration (whose file is still version 1): version 2 goes on.
  server.reset();
  server = std::make_unique<TestServer>(fed, "AZ");
  REQUIRE(Status(*server, "KZ", "auditor", &status).ok());
  CHECK(status.bundle_version() == 2);
  CHECK(server->logger().Count("going on with version 2 kept in the data folder") == 1);
}

TEST_CASE("a node trusts its CA file and the CAs of members not revoked", "[bundle][node_server]") {
  TestFederation fed({"AZ"});
  const std::string ca_file = *ReadFile(fed.Path("ca/ca.pem"));
  auto issue = [](const std::string& cn) {
    TlsKey key = *TlsKey::Generate();
    CertificateSpec spec;
    spec.common_name = cn;
    spec.is_ca = true;
    spec.not_before = absl::Now() - absl::Hours(1);
    spec.not_after = absl::Now() + absl::Hours(1);
    return IssueCertificate(spec, key, nullptr, key)->ToPem();
  };
  v1::TrustBundle b = fed.Bundle();
  v1::Member* uz = b.add_members();
  uz->set_code("UZ");
  uz->add_tls_ca_certificates(issue("UZ CA"));
  v1::Member* tm = b.add_members();
  tm->set_code("TM");
  tm->set_revoked_at("2027-01-01T00:00:00Z");
  tm->add_tls_ca_certificates(issue("TM CA"));
  std::vector<std::string> names;
  for (const Certificate& c : TrustedCasOf(ca_file, b)) {
    names.push_back(c.CommonName());
  }
  CHECK(names == std::vector<std::string>{"ots-mx federation CA", "UZ CA"});
}

}  // namespace
}  // namespace ots
