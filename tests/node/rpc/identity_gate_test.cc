// The identity gate (node/rpc/identity.h) of a real node in this process, called over real gRPC
// with mutual TLS 1.3 (tests/fakes/test_server.h): every identity the trust bundle lists is
// identified as its member and kind; a certificate of the federation CA whose key the bundle does
// not list is refused with PERMISSION_DENIED on every service, gRPC's health included, and the
// refusal is logged; a call without a client certificate, or with one from another CA or expired,
// never gets past the TLS handshake; and a server built without the gate serves nobody
// (UNAUTHENTICATED from CallerOf).
#include "node/rpc/identity.h"

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "node/rpc/services.h"
#include "proto/services.grpc.pb.h"
#include "tests/fakes/rpc_calls.h"
#include "tests/fakes/test_server.h"

namespace ots {
namespace {

grpc::Status CallValidate(const NodeChannel& channel) {
  return CallSubmit(channel, "az.csv", ReturnCsv("AZ", "2020", 1), /*dry_run=*/true);
}

// Each service once: what every refused identity must be refused on.
std::vector<std::pair<std::string, grpc::Status>> EveryService(const NodeChannel& channel) {
  return {{"Health", CallHealth(channel)},
          {"Query.Status", CallStatus(channel)},
          {"Submission.Validate", CallValidate(channel)},
          {"Federation.Checkpoints", CallCheckpoints(channel)}};
}

TEST_CASE("the gate identifies every identity the bundle lists", "[rpc][identity]") {
  TestFederation fed;
  TestServer az(fed, "AZ");
  struct Want {
    const char* member;
    const char* kind;
  };
  const Want kIdentities[] = {{"AZ", "node"},  {"AZ", "operator"}, {"AZ", "auditor"},
                              {"KZ", "node"},  {"KZ", "operator"}, {"KZ", "auditor"},
                              {"HU", "node"},  {"HU", "operator"}, {"HU", "auditor"},
                              {"OTS", "node"}, {"OTS", "auditor"}};
  for (const Want& want : kIdentities) {
    INFO(want.member << "/" << want.kind);
    v1::StatusResponse response;
    grpc::Status s = CallStatus(az.ChannelAs(want.member, want.kind), &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK(response.member() == "AZ");
    CHECK(response.caller_member() == want.member);
    CHECK(response.caller_kind() == want.kind);
    CHECK(CallHealth(az.ChannelAs(want.member, want.kind)).ok());
  }
  CHECK(az.logger().Count("call refused") == 0);
}

TEST_CASE("a certificate of the federation CA that the bundle does not list is refused everywhere",
          "[rpc][identity]") {
  TestFederation fed;
  TestServer az(fed, "AZ");
  const ClientIdentity stranger = fed.Issue("stranger");
  for (const auto& [service, s] : EveryService(az.Channel(&stranger))) {
    INFO(service << ": " << s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(absl::StrContains(s.error_message(), "is not a member identity in trust bundle ots-mx"));
  }
  // Each refusal is logged with the certificate's name.
  CHECK(az.logger().Count("unknown(CN=stranger") == 4);
  CHECK(az.logger().Count("call refused") == 4);
}

TEST_CASE("an identity the bundle no longer lists is refused, the member's others still pass",
          "[rpc][identity]") {
  TestFederation fed;
  const ClientIdentity kz_auditor = fed.Identity("KZ", "auditor");
  fed.EditBundle([](v1::TrustBundle& b) {
    for (v1::Member& m : *b.mutable_members()) {
      if (m.code() != "KZ") {
        continue;
      }
      auto* ids = m.mutable_tls_identities();
      for (int i = ids->size() - 1; i >= 0; --i) {
        if (ids->Get(i).kind() == v1::TlsIdentity::AUDITOR) {
          ids->DeleteSubrange(i, 1);
        }
      }
    }
  });
  TestServer az(fed, "AZ");
  for (const auto& [service, s] : EveryService(az.Channel(&kz_auditor))) {
    INFO(service << ": " << s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(absl::StrContains(s.error_message(), "version 2"));
  }
  v1::StatusResponse response;
  REQUIRE(CallStatus(az.ChannelAs("KZ", "node"), &response).ok());
  CHECK(response.caller_member() == "KZ");
  CHECK(response.bundle_version() == 2);
}

TEST_CASE("a call without a valid client certificate does not get past the TLS handshake",
          "[rpc][identity]") {
  TestFederation fed;
  TestFederation other;  // another federation: another CA
  TestServer az(fed, "AZ");
  const ClientIdentity foreign = other.Identity("AZ", "operator");
  const ClientIdentity expired =
      fed.Issue("expired", absl::Now() - absl::Hours(72), absl::Now() - absl::Hours(24));
  struct Case {
    const char* name;
    const ClientIdentity* identity;
  };
  for (const Case& c :
       {Case{"no certificate", nullptr}, Case{"another CA", &foreign}, Case{"expired", &expired}}) {
    for (const auto& [service, s] : EveryService(az.Channel(c.identity))) {
      INFO(c.name << ", " << service << ": " << s.error_message());
      CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
    }
  }
  // The gate, which runs on every call that completes the handshake, never saw one.
  CHECK(az.logger().Count("call refused") == 0);
}

TEST_CASE("a server built without the gate serves nobody", "[rpc][identity]") {
  TestFederation fed;
  const ClientIdentity node = fed.Identity("AZ", "node");
  const Directory directory(fed.Bundle());
  RecordingLogger logger;
  NodeContext context;
  context.member = "AZ";
  context.directory = &directory;
  context.logger = &logger;
  QueryService query(&context);
  SubmissionService submission(&context);

  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = fed.CaPem();
  tls.pem_key_cert_pairs.push_back({node.key_pem, node.cert_pem});
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls), &port);
  builder.RegisterService(&query);
  builder.RegisterService(&submission);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  REQUIRE(port != 0);

  grpc::SslCredentialsOptions client;
  client.pem_root_certs = fed.CaPem();
  const ClientIdentity auditor = fed.Identity("AZ", "auditor");
  client.pem_cert_chain = auditor.cert_pem;
  client.pem_private_key = auditor.key_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(NodeServerName("AZ", kTestFederation));
  NodeChannel channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                                  grpc::SslCredentials(client), args);
  v1::StatusResponse response;
  grpc::Status s = CallStatus(channel, &response);
  CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(absl::StrContains(s.error_message(), "not identified by the identity gate"));
  CHECK(CallValidate(channel).error_code() == grpc::StatusCode::UNAUTHENTICATED);
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
}

}  // namespace
}  // namespace ots
