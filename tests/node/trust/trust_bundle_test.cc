#include "node/trust/trust_bundle.h"

#include <catch2/catch.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "crypto/bytes.h"
#include "crypto/x509.h"
#include "node/trust/directory.h"

namespace ots {
namespace {

v1::Member MakeMember(const std::string& code, v1::Role role, char fingerprint_digit) {
  v1::Member m;
  m.set_code(code);
  m.set_role(role);
  m.set_endpoint(absl::StrCat("127.0.0.1:", 7000 + fingerprint_digit));  // one per member
  v1::TlsIdentity* id = m.add_tls_identities();
  id->set_kind(v1::TlsIdentity::NODE);
  id->set_spki_sha256(std::string(64, fingerprint_digit));
  v1::PublicKeyEntry* key = m.add_log_keys();
  key->set_ed25519(std::string(32, fingerprint_digit));
  return m;
}

v1::TrustBundle MakeBundle() {
  v1::TrustBundle b;
  b.set_federation("ots-mx");
  b.set_version(1);
  b.set_issued_at("2026-11-24T00:00:00Z");
  *b.add_members() = MakeMember("AZ", v1::MEMBER, 'a');
  *b.add_members() = MakeMember("HU", v1::OBSERVER, 'b');
  *b.add_members() = MakeMember("OTS", v1::SECRETARIAT, 'c');
  b.mutable_members(0)->add_share_with("OTS");
  return b;
}

TEST_CASE("a signed trust bundle verifies and round-trips", "[bundle]") {
  PrivateKey key = *PrivateKey::Generate();
  auto signed_text = SignTrustBundle(MakeBundle(), key);
  REQUIRE(signed_text.ok());
  CHECK(absl::StartsWith(*signed_text, "{\"payload\":\""));
  auto bundle = VerifyTrustBundle("bundle.json", *signed_text, key.public_key());
  REQUIRE(bundle.ok());
  CHECK(bundle->members_size() == 3);
  CHECK(bundle->members(0).share_with(0) == "OTS");
}

TEST_CASE("a bundle signed by another key or altered is refused", "[bundle]") {
  PrivateKey key = *PrivateKey::Generate();
  PrivateKey other = *PrivateKey::Generate();
  auto signed_text = SignTrustBundle(MakeBundle(), other);
  REQUIRE(signed_text.ok());
  auto wrong_key = VerifyTrustBundle("bundle.json", *signed_text, key.public_key());
  CHECK(wrong_key.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(absl::StrContains(wrong_key.status().message(), "bundle.json: trust bundle signature"));

  signed_text = SignTrustBundle(MakeBundle(), key);
  REQUIRE(signed_text.ok());
  // Flip one base64 character of the payload.
  std::string altered = *signed_text;
  size_t pos = altered.find("\"payload\":\"") + 20;
  altered[pos] = altered[pos] == 'A' ? 'B' : 'A';
  auto tampered = VerifyTrustBundle("bundle.json", altered, key.public_key());
  CHECK_FALSE(tampered.ok());

  auto garbage = VerifyTrustBundle("bundle.json", "not json", key.public_key());
  CHECK(garbage.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(garbage.status().message(), "bundle.json: not a DSSE envelope"));
}

TEST_CASE("a kept bundle is taken only if it verifies and is newer", "[bundle][directory]") {
  PrivateKey key = *PrivateKey::Generate();
  auto signed_v1 = SignTrustBundle(MakeBundle(), key);
  REQUIRE(signed_v1.ok());
  Directory directory(
      TrustAnchor{*signed_v1, key.public_key().ToPem(), key.public_key().KeyId(), MakeBundle()});
  v1::TrustBundle next = MakeBundle();
  next.set_version(2);
  auto signed_v2 = SignTrustBundle(next, key);
  REQUIRE(signed_v2.ok());
  // The same version: not taken.
  CHECK(directory.TakeIfNewer(*signed_v1, "kept").value_or(true) == false);
  // Another key's: refused, naming where it was read; nothing changes.
  auto foreign = SignTrustBundle(next, *PrivateKey::Generate());
  REQUIRE(foreign.ok());
  absl::StatusOr<bool> refused = directory.TakeIfNewer(*foreign, "data (kept)");
  CHECK(absl::IsPermissionDenied(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "data (kept): trust bundle signature"));
  CHECK(directory.version() == 1);
  // Newer: taken, with its signed text.
  CHECK(directory.TakeIfNewer(*signed_v2, "kept").value_or(false));
  CHECK(directory.version() == 2);
  CHECK(directory.signed_bundle() == *signed_v2);
  CHECK(directory.TakeIfNewer(*signed_v1, "kept").value_or(true) == false);
  CHECK(directory.version() == 2);
}

TEST_CASE("bundle validation names the member and the field", "[bundle]") {
  auto check = [](const v1::TrustBundle& b, const std::string& want) {
    absl::Status s = ValidateTrustBundle(b);
    INFO(s.message());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(s.message(), want));
  };
  CHECK(ValidateTrustBundle(MakeBundle()).ok());
  v1::TrustBundle b = MakeBundle();
  b.mutable_members(1)->set_code("AZ");
  check(b, "member AZ is listed twice");
  b = MakeBundle();
  b.mutable_members(0)->set_role(v1::SECRETARIAT);
  check(b, "member \"AZ\": expected a state code");
  b = MakeBundle();
  b.mutable_members(0)->mutable_log_keys(0)->set_ed25519("short");
  check(b, "member AZ: log_keys[0] is not a 32-byte Ed25519 key");
  b = MakeBundle();
  b.mutable_members(0)->add_share_with("KZ");
  check(b, "member AZ: share_with names unknown member \"KZ\"");
  b = MakeBundle();
  b.mutable_members(0)->add_confidential_with("KZ");
  check(b, "member AZ: confidential_with names unknown member \"KZ\"");
  b = MakeBundle();
  b.mutable_members(0)->add_confidential_with("HU");  // AZ does not share with HU at all
  check(b, "member AZ: confidential_with names HU, which share_with does not");
  b = MakeBundle();
  b.mutable_members(0)->add_confidential_with("AZ");  // only itself: nobody else
  CHECK(ValidateTrustBundle(b).ok());
  b = MakeBundle();
  b.mutable_members(2)->mutable_tls_identities(0)->set_spki_sha256(std::string(64, 'a'));
  check(b, "is listed twice");
  b = MakeBundle();
  b.mutable_members(0)->clear_log_keys();
  check(b, "member AZ: no log key");
  b = MakeBundle();
  b.set_version(0);
  check(b, "version is not set");
  // One key, two uses: a witness key of two members would count as two witnesses.
  b = MakeBundle();
  b.mutable_members(2)->add_witness_keys()->set_ed25519(std::string(32, 'b'));
  check(b, "member OTS: witness_keys[0] is a key the bundle already lists");
  b = MakeBundle();
  b.mutable_members(0)->add_witness_keys()->set_ed25519(std::string(32, 'a'));
  check(b, "member AZ: witness_keys[0] is a key the bundle already lists");
  // Two members at one address: the second node could not listen there.
  b = MakeBundle();
  b.mutable_members(1)->set_endpoint(b.members(0).endpoint());
  check(b,
        absl::StrCat("member HU: endpoint ", b.members(0).endpoint(), " is already member AZ's"));
  b.mutable_members(1)->set_endpoint(absl::AsciiStrToUpper("LOCALHOST:1"));
  b.mutable_members(0)->set_endpoint("localhost:1");
  check(b, "is already member AZ's");
  // A revoked member needs no endpoint or identity, but a revocation time that parses.
  b = MakeBundle();
  b.mutable_members(0)->set_revoked_at("2027-01-01T00:00:00Z");
  b.mutable_members(0)->clear_endpoint();
  b.mutable_members(0)->clear_tls_identities();
  CHECK(ValidateTrustBundle(b).ok());
  b.mutable_members(0)->set_revoked_at("yesterday");
  check(b, "member AZ: revoked_at \"yesterday\" is not an RFC 3339 time");
}

TEST_CASE("a member's own CA in the bundle must be a PEM CA certificate", "[bundle]") {
  auto issue = [](bool is_ca) {
    TlsKey key = *TlsKey::Generate();
    CertificateSpec spec;
    spec.common_name = is_ca ? "UZ CA" : "UZ node";
    spec.is_ca = is_ca;
    spec.not_before = absl::Now() - absl::Hours(1);
    spec.not_after = absl::Now() + absl::Hours(1);
    absl::StatusOr<Certificate> cert = IssueCertificate(spec, key, nullptr, key);
    REQUIRE(cert.ok());
    return cert->ToPem();
  };
  v1::TrustBundle b = MakeBundle();
  b.mutable_members(0)->add_tls_ca_certificates(issue(true));
  CHECK(ValidateTrustBundle(b).ok());
  b.mutable_members(0)->add_tls_ca_certificates("not PEM");
  absl::Status s = ValidateTrustBundle(b);
  CHECK(
      absl::StrContains(s.message(), "member AZ: tls_ca_certificates[1] is not a PEM certificate"));
  b.mutable_members(0)->set_tls_ca_certificates(1, issue(false));
  s = ValidateTrustBundle(b);
  CHECK(absl::StrContains(s.message(),
                          "tls_ca_certificates[1] (CN=UZ node) is not a CA certificate"));
}

}  // namespace
}  // namespace ots
