// Tests for node/pki and the start-up checks of node/node_server (LoadNodeSetup): what pki init
// writes is self-consistent, and each thing a node refuses to start on is refused, naming it.
#include "node/trust/pki.h"
#include "crypto/files.h"

#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "crypto/x509.h"
#include "node/server/node_server.h"
#include "node/trust/config.h"
#include "node/trust/trust_bundle.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

void InitAzKz(const TempDir& dir, const Clock& clock) {
  PkiOptions options;
  options.out_dir = dir.path();
  options.federation = "ots-mx";
  options.states = {"AZ", "KZ"};
  options.secretariat = true;
  REQUIRE(InitPki(options, clock, nullptr).ok());
}

absl::StatusOr<NodeSetup> Setup(const std::string& config_path, const Clock& clock) {
  absl::StatusOr<v1::NodeConfig> config = LoadNodeConfig(config_path);
  if (!config.ok()) {
    return config.status();
  }
  return LoadNodeSetup(*config, clock);
}

TEST_CASE("pki init writes a consistent federation", "[pki]") {
  TempDir dir;
  FakeClock clock;
  InitAzKz(dir, clock);

  absl::StatusOr<PublicKey> bundle_key =
      PublicKey::LoadPemFile(dir.File("federation/bundle.pub.pem"));
  REQUIRE(bundle_key.ok());
  absl::StatusOr<std::string> text = ReadFile(dir.File("federation/trust-bundle.json"));
  REQUIRE(text.ok());
  absl::StatusOr<v1::TrustBundle> bundle = VerifyTrustBundle("b", *text, *bundle_key);
  REQUIRE(bundle.ok());
  REQUIRE(bundle->members_size() == 3);
  CHECK(bundle->members(0).code() == "OTS");
  CHECK(bundle->members(0).endpoint() == "127.0.0.1:7400");
  CHECK(bundle->members(1).endpoint() == "127.0.0.1:7401");

  absl::StatusOr<Certificate> ca = Certificate::LoadPemFile(dir.File("ca/ca.pem"));
  REQUIRE(ca.ok());
  // The CA outlives the year of its certificates by years: they are renewed from it.
  CHECK(ca->NotAfter() >= clock.Now() + absl::Hours(24 * 3647));
  for (const char* name : {"az/node", "az/operator", "az/auditor", "kz/node", "ots/node"}) {
    absl::StatusOr<Certificate> cert =
        Certificate::LoadPemFile(dir.File(std::string(name) + ".pem"));
    REQUIRE(cert.ok());
    CHECK(VerifyIssuedBy(*cert, *ca, clock.Now()).ok());
    absl::StatusOr<TlsKey> key = TlsKey::LoadPemFile(dir.File(std::string(name) + ".key"));
    REQUIRE(key.ok());  // mode 0600, or this fails
    CHECK(key->SpkiSha256Hex() == cert->SpkiSha256Hex());
    CHECK(Directory(*bundle).Identify(cert->SpkiSha256Hex()).ok());
  }
  // Configurations parse, and every node's start-up checks pass.
  for (const char* member : {"az", "kz", "ots"}) {
    absl::StatusOr<NodeSetup> setup =
        Setup(dir.File(std::string(member) + "/node.textproto"), clock);
    INFO(member << ": " << setup.status().message());
    CHECK(setup.ok());
  }
  absl::StatusOr<NodeSetup> ots = Setup(dir.File("ots/node.textproto"), clock);
  REQUIRE(ots.ok());
  CHECK_FALSE(ots->log_key.has_value());
  absl::StatusOr<v1::ClientConfig> op = LoadClientConfig(dir.File("az/operator.textproto"));
  REQUIRE(op.ok());
  CHECK(op->node_name() == "az.node.ots-mx");
  CHECK(op->tls().ca_file() == dir.File("az/../ca/ca.pem"));
  // Every client configuration names the trust anchor, and pins the bundle key it was made with.
  absl::StatusOr<TrustAnchor> anchor =
      LoadTrustAnchor(op->trust_bundle_file(), op->bundle_public_key_file(), op->bundle_key_id());
  INFO(anchor.status().ToString());
  REQUIRE(anchor.ok());
  CHECK(anchor->bundle.federation() == "ots-mx");
  CHECK(anchor->bundle.witness_quorum() == 2);  // a majority of the 2 others of 3 members
  CHECK(absl::IsPermissionDenied(
      LoadTrustAnchor(op->trust_bundle_file(), op->bundle_public_key_file(), std::string(64, '0'))
          .status()));
  PkiOptions again;
  again.out_dir = dir.path();
  again.federation = "ots-mx";
  again.states = {"AZ"};
  CHECK(absl::IsAlreadyExists(InitPki(again, clock, nullptr)));
  // The federation's name begins every key name: it is required and may not hold a space, '/'
  // or '+'.
  for (const char* bad : {"", "two words", "a/b", "a+b"}) {
    TempDir other;
    PkiOptions named;
    named.out_dir = other.path();
    named.federation = bad;
    named.states = {"AZ"};
    INFO(bad);
    CHECK(absl::IsInvalidArgument(InitPki(named, clock, nullptr)));
  }
}

TEST_CASE("a node refuses to start on what it cannot trust", "[pki]") {
  TempDir dir;
  FakeClock clock;
  InitAzKz(dir, clock);
  const std::string az = dir.File("az/node.textproto");
  absl::StatusOr<v1::NodeConfig> good = LoadNodeConfig(az);
  REQUIRE(good.ok());
  auto refused = [&](const v1::NodeConfig& config, const std::string& a, const std::string& b) {
    absl::StatusOr<NodeSetup> setup = LoadNodeSetup(config, clock);
    REQUIRE_FALSE(setup.ok());
    INFO(setup.status().message());
    CHECK(absl::StrContains(setup.status().message(), a));
    CHECK(absl::StrContains(setup.status().message(), b));
  };

  SECTION("another member's node certificate") {
    v1::NodeConfig c = *good;
    c.mutable_tls()->set_cert_file(dir.File("kz/node.pem"));
    c.mutable_tls()->set_key_file(dir.File("kz/node.key"));
    refused(c, "kz/node.pem", "is not a node identity of AZ");
  }
  SECTION("an operator certificate as node certificate") {
    v1::NodeConfig c = *good;
    c.mutable_tls()->set_cert_file(dir.File("az/operator.pem"));
    c.mutable_tls()->set_key_file(dir.File("az/operator.key"));
    refused(c, "az/operator.pem", "is not a node identity of AZ");
  }
  SECTION("a key that is not the certificate's") {
    v1::NodeConfig c = *good;
    c.mutable_tls()->set_key_file(dir.File("az/operator.key"));
    refused(c, "az/operator.key", "is not the key of");
  }
  SECTION("a certificate that has expired") {
    clock.Advance(absl::Hours(24 * 366));
    refused(*good, "node.pem", "expired");
  }
  SECTION("another state's log key") {
    v1::NodeConfig c = *good;
    c.set_log_key_file(dir.File("kz/log.key"));
    refused(c, "kz/log.key", "is not a log key of AZ");
  }
  SECTION("a witness key the bundle does not list") {
    v1::NodeConfig c = *good;
    c.set_witness_key_file(dir.File("kz/witness.key"));
    refused(c, "kz/witness.key", "is not a witness key of AZ");
  }
  SECTION("a bundle key that did not sign the bundle") {
    v1::NodeConfig c = *good;
    c.set_bundle_public_key_file(dir.File("az/log.pub.pem"));
    refused(c, "trust-bundle.json", "signature does not verify");
  }
  SECTION("a readable private key") {
    REQUIRE(chmod(dir.File("az/log.key").c_str(), 0640) == 0);
    refused(*good, "az/log.key", "readable by group or others");
  }
  SECTION("a missing file") {
    v1::NodeConfig c = *good;
    c.mutable_tls()->set_ca_file(dir.File("az/none.pem"));
    refused(c, "az/none.pem", "No such file");
  }
  SECTION("a member the bundle does not know") {
    v1::NodeConfig c = *good;
    c.set_origin("TM");
    refused(c, "trust-bundle.json", "TM is not a member");
  }
}

TEST_CASE("pki renew issues new certificates for the same keys, or new keys", "[pki]") {
  TempDir dir;
  FakeClock clock;
  InitAzKz(dir, clock);
  const std::string az = dir.path() + "/az";
  const Certificate old = *Certificate::LoadPemFile(az + "/node.pem");
  const std::string old_key = *ReadFile(az + "/node.key");
  clock.Advance(absl::Hours(24 * 300));

  RenewOptions options;
  options.ca_dir = dir.path() + "/ca";
  options.member_dir = az;
  options.names = {"node"};
  options.validity = absl::Hours(24 * 30);
  std::vector<std::string> summary;
  REQUIRE(RenewCertificates(options, clock, &summary).ok());
  const Certificate renewed = *Certificate::LoadPemFile(az + "/node.pem");
  CHECK(renewed.NotAfter() == clock.Now() + absl::Hours(24 * 30));
  CHECK(renewed.SpkiSha256Hex() == old.SpkiSha256Hex());
  CHECK(*ReadFile(az + "/node.key") == old_key);
  REQUIRE(summary.size() == 1);
  CHECK(absl::StrContains(summary[0], "same key: the trust bundle needs no change"));
  // The operator's certificate was not asked for.
  CHECK(Certificate::LoadPemFile(az + "/operator.pem")->NotAfter() == old.NotAfter());

  // Longer than the CA lasts (ten years from pki init): refused, nothing written.
  options.validity = absl::Hours(24 * 4000);
  absl::Status too_long = RenewCertificates(options, clock, nullptr);
  CHECK(absl::IsFailedPrecondition(too_long));
  CHECK(absl::StrContains(too_long.message(), "renew the CA first"));
  CHECK(Certificate::LoadPemFile(az + "/node.pem")->NotAfter() == renewed.NotAfter());

  // Another member's CA: refused.
  options.validity = absl::Hours(24);
  options.ca_dir = az;  // no ca.pem there
  CHECK_FALSE(RenewCertificates(options, clock, nullptr).ok());
  options.ca_dir = dir.path() + "/ca";

  // New keys: a new key file, mode 0600, and a fingerprint to list in the bundle.
  options.new_keys = true;
  summary.clear();
  REQUIRE(RenewCertificates(options, clock, &summary).ok());
  const Certificate rekeyed = *Certificate::LoadPemFile(az + "/node.pem");
  CHECK(rekeyed.SpkiSha256Hex() != old.SpkiSha256Hex());
  CHECK(TlsKey::LoadPemFile(az + "/node.key")->SpkiSha256Hex() == rekeyed.SpkiSha256Hex());
  struct stat st;
  REQUIRE(stat((az + "/node.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(absl::StrContains(summary.at(0), "new key " + rekeyed.SpkiSha256Hex()));

  // Nothing to renew.
  options.names = {"auditor"};
  options.member_dir = dir.path() + "/federation";
  CHECK(absl::IsNotFound(RenewCertificates(options, clock, nullptr)));
}

TEST_CASE("client configurations are validated", "[pki][config]") {
  CHECK(absl::StrContains(ParseClientConfig("c", "node_address: \"h\"").status().message(),
                          "c: node_address \"h\" is not host:port"));
  CHECK(absl::StrContains(
      ParseClientConfig("c", "node_address: \"h:1\" tls { cert_file: \"x\" }").status().message(),
      "c: tls needs cert_file, key_file and ca_file"));
  CHECK(
      absl::StrContains(ParseClientConfig("c", "nod_address: \"h:1\"").status().message(), "c:1:"));
  const std::string tls =
      "node_address: \"h:1\" tls { cert_file: \"x\" key_file: \"y\" ca_file: \"z\" } ";
  CHECK(absl::StrContains(ParseClientConfig("c", tls).status().message(),
                          "c: trust_bundle_file and bundle_public_key_file must name"));
  const std::string anchored =
      tls + "trust_bundle_file: \"b.json\" bundle_public_key_file: \"b.pem\" ";
  CHECK(ParseClientConfig("c", anchored).ok());
  CHECK(absl::StrContains(
      ParseClientConfig("c", anchored + "bundle_key_id: \"ABC\"").status().message(),
      "c: bundle_key_id \"ABC\" is not a key id"));
}

}  // namespace
}  // namespace ots
