// Tests for crypto/cert_check: the reason, in words, for each way a TLS peer's certificate is
// refused, and that the check refuses exactly what `openssl verify` refuses.
#include "crypto/cert_check.h"

#include <openssl/x509_vfy.h>

#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "crypto/files.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1790000000);  // 2026-09-21 14:13:20 UTC

TlsKey NewKey() {
  absl::StatusOr<TlsKey> key = TlsKey::Generate();
  REQUIRE(key.ok());
  return *key;
}

struct Ca {
  TlsKey key;
  Certificate cert;
};

Ca MakeCa(const std::string& cn, absl::Time not_after = kNow + absl::Hours(24 * 365)) {
  CertificateSpec spec;
  spec.common_name = cn;
  spec.organization = "ots-mx";
  spec.is_ca = true;
  spec.not_before = kNow - absl::Hours(24);
  spec.not_after = not_after;
  const TlsKey key = NewKey();
  absl::StatusOr<Certificate> cert = IssueCertificate(spec, key, nullptr, key);
  REQUIRE(cert.ok());
  return Ca{key, *cert};
}

struct Leaf {
  bool client_auth = true;
  bool server_auth = false;
  absl::Time not_before = kNow - absl::Hours(1);
  absl::Time not_after = kNow + absl::Hours(24 * 30);
};

// A certificate "AZ operator" as `leaf` says, issued by `ca` (nullptr: self-signed).
Certificate Issue(const Ca* ca, const Leaf& leaf = Leaf()) {
  CertificateSpec spec;
  spec.common_name = "AZ operator";
  spec.organization = "ots-mx";
  spec.client_auth = leaf.client_auth;
  spec.server_auth = leaf.server_auth;
  spec.dns_names = {"az.node.ots-mx"};
  spec.ip_addresses = {"127.0.0.1"};
  spec.not_before = leaf.not_before;
  spec.not_after = leaf.not_after;
  const TlsKey key = NewKey();
  absl::StatusOr<Certificate> cert = IssueCertificate(
      spec, key, ca == nullptr ? nullptr : &ca->cert, ca == nullptr ? key : ca->key);
  REQUIRE(cert.ok());
  return *cert;
}

CertificateVerdict Check(const Certificate& leaf, const Ca& trusted,
                         TlsRole role = TlsRole::kClient) {
  return CheckCertificate(leaf, {}, {trusted.cert}, kNow, role);
}

// Whether `openssl verify` accepts `leaf` against `ca` at kNow for `purpose`.
bool OpenSslAccepts(const Certificate& leaf, const Ca& ca, const char* purpose) {
  TempDir dir;
  const std::string leaf_file = dir.File("leaf.pem"), ca_file = dir.File("ca.pem");
  REQUIRE(WriteNewFile(leaf_file, leaf.ToPem(), 0644).ok());
  REQUIRE(WriteNewFile(ca_file, ca.cert.ToPem(), 0644).ok());
  const std::string command =
      absl::StrCat("openssl verify -purpose ", purpose, " -attime ", absl::ToUnixSeconds(kNow),
                   " -CAfile ", ca_file, " ", leaf_file, " >/dev/null 2>&1");
  return std::system(command.c_str()) == 0;
}

TEST_CASE("A certificate of the trusted CA, valid now, for clients, passes") {
  const Ca ca = MakeCa("ots-mx federation CA");
  const Certificate leaf = Issue(&ca);
  const CertificateVerdict v = Check(leaf, ca);
  CHECK(v.ok());
  CHECK(v.reason.empty());
  CHECK(v.subject == "CN=AZ operator,O=ots-mx");
  CHECK(v.issuer == "CN=ots-mx federation CA,O=ots-mx");
  CHECK(OpenSslAccepts(leaf, ca, "sslclient"));
}

TEST_CASE("Each refusal says why in words, and openssl verify refuses it too") {
  const Ca ca = MakeCa("ots-mx federation CA");
  SECTION("expired") {
    Leaf spec;
    spec.not_before = kNow - absl::Hours(24 * 400);
    spec.not_after = absl::FromCivil(absl::CivilSecond(2026, 1, 2, 10, 0, 0), absl::UTCTimeZone());
    const Certificate leaf = Issue(&ca, spec);
    const CertificateVerdict v = Check(leaf, ca);
    CHECK(v.problem == CertificateProblem::kExpired);
    CHECK(v.reason == "expired on 2026-01-02 10:00:00 UTC");
    CHECK_FALSE(OpenSslAccepts(leaf, ca, "sslclient"));
  }
  SECTION("not yet valid") {
    Leaf spec;
    spec.not_before = kNow + absl::Hours(48);
    spec.not_after = kNow + absl::Hours(24 * 30);
    const Certificate leaf = Issue(&ca, spec);
    const CertificateVerdict v = Check(leaf, ca);
    CHECK(v.problem == CertificateProblem::kNotYetValid);
    CHECK(v.reason == absl::StrCat("not valid before ", FormatCertificateTime(leaf.NotBefore())));
    CHECK(v.reason == "not valid before 2026-09-23 14:13:20 UTC");
    CHECK_FALSE(OpenSslAccepts(leaf, ca, "sslclient"));
  }
  SECTION("issued by another CA") {
    const Ca other = MakeCa("other federation CA");
    const Certificate leaf = Issue(&other);
    const CertificateVerdict v = Check(leaf, ca);
    CHECK(v.problem == CertificateProblem::kUntrustedIssuer);
    CHECK(v.reason ==
          "issued by a CA this federation does not trust (issuer CN=other federation CA,O=ots-mx)");
    CHECK(v.issuer == "CN=other federation CA,O=ots-mx");
    CHECK_FALSE(OpenSslAccepts(leaf, ca, "sslclient"));
  }
  SECTION("issued by another CA of the same name") {
    const Ca impostor = MakeCa("ots-mx federation CA");
    const Certificate leaf = Issue(&impostor);
    const CertificateVerdict v = Check(leaf, ca);
    CHECK_FALSE(v.ok());
    CHECK(v.problem != CertificateProblem::kNone);
    CHECK_FALSE(OpenSslAccepts(leaf, ca, "sslclient"));
  }
  SECTION("self-signed") {
    const Certificate leaf = Issue(nullptr);
    const CertificateVerdict v = Check(leaf, ca);
    CHECK(v.problem == CertificateProblem::kSelfSigned);
    CHECK(v.reason == "self-signed");
    CHECK_FALSE(OpenSslAccepts(leaf, ca, "sslclient"));
  }
  SECTION("for servers only") {
    Leaf spec;
    spec.client_auth = false;
    spec.server_auth = true;
    const Certificate leaf = Issue(&ca, spec);
    const CertificateVerdict v = Check(leaf, ca);
    CHECK(v.problem == CertificateProblem::kWrongPurpose);
    CHECK(v.reason == "not for client authentication (extended key usage serverAuth only)");
    CHECK_FALSE(OpenSslAccepts(leaf, ca, "sslclient"));
    // The same certificate is fine for a server.
    CHECK(Check(leaf, ca, TlsRole::kServer).ok());
    CHECK(OpenSslAccepts(leaf, ca, "sslserver"));
  }
  SECTION("for clients only, presented by a server") {
    const Certificate leaf = Issue(&ca);
    const CertificateVerdict v = Check(leaf, ca, TlsRole::kServer);
    CHECK(v.problem == CertificateProblem::kWrongPurpose);
    CHECK(v.reason == "not for server authentication (extended key usage clientAuth only)");
    CHECK_FALSE(OpenSslAccepts(leaf, ca, "sslserver"));
  }
  SECTION("its CA expired") {
    const Ca old = MakeCa("old CA", kNow - absl::Hours(2));
    Leaf spec;
    spec.not_before = kNow - absl::Hours(10);
    spec.not_after = kNow + absl::Hours(24);
    const Certificate leaf = Issue(&old, spec);
    const CertificateVerdict v = Check(leaf, old);
    CHECK(v.problem == CertificateProblem::kExpired);
    CHECK(v.reason == absl::StrCat("its CA certificate (CN=old CA,O=ots-mx) expired on ",
                                   FormatCertificateTime(old.cert.NotAfter())));
    CHECK_FALSE(OpenSslAccepts(leaf, old, "sslclient"));
  }
}

TEST_CASE("No certificate, or one that does not parse, is refused with its reason") {
  const Ca ca = MakeCa("ots-mx federation CA");
  CertificateVerdict v = CheckCertificatePem("", "", {ca.cert}, kNow, TlsRole::kClient);
  CHECK(v.problem == CertificateProblem::kNoCertificate);
  CHECK(v.reason == "no client certificate");
  v = CheckCertificatePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "",
                          {ca.cert}, kNow, TlsRole::kClient);
  CHECK(v.problem == CertificateProblem::kUnreadable);
  // A chain that repeats the leaf, as gRPC may hand it over, changes nothing.
  const Certificate leaf = Issue(&ca);
  v = CheckCertificatePem(leaf.ToPem(), leaf.ToPem(), {ca.cert}, kNow, TlsRole::kClient);
  CHECK(v.ok());
  // Nothing trusted: nothing passes.
  v = CheckCertificatePem(leaf.ToPem(), "", {}, kNow, TlsRole::kClient);
  CHECK(v.problem == CertificateProblem::kUntrustedIssuer);
}

TEST_CASE("Each OpenSSL verification error has its words") {
  const Ca ca = MakeCa("ots-mx federation CA");
  Leaf spec;
  spec.client_auth = false;
  spec.server_auth = true;
  const Certificate leaf = Issue(&ca, spec);
  const std::string until = FormatCertificateTime(leaf.NotAfter());
  const std::string from = FormatCertificateTime(leaf.NotBefore());
  struct Case {
    int error;
    int depth;
    CertificateProblem problem;
    std::string words;
  };
  const std::vector<Case> cases = {
      {X509_V_ERR_CERT_HAS_EXPIRED, 0, CertificateProblem::kExpired, "expired on " + until},
      {X509_V_ERR_CERT_HAS_EXPIRED, 1, CertificateProblem::kExpired,
       "its CA certificate (CN=AZ operator,O=ots-mx) expired on " + until},
      {X509_V_ERR_CERT_NOT_YET_VALID, 0, CertificateProblem::kNotYetValid,
       "not valid before " + from},
      {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, CertificateProblem::kSelfSigned, "self-signed"},
      {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, CertificateProblem::kUntrustedIssuer,
       "issued by a CA this federation does not trust (issuer CN=ots-mx federation CA,O=ots-mx)"},
      {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, CertificateProblem::kUntrustedIssuer,
       "issued by a CA this federation does not trust (issuer CN=ots-mx federation CA,O=ots-mx)"},
      {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1, CertificateProblem::kUntrustedIssuer,
       "issued by a CA this federation does not trust (issuer CN=AZ operator,O=ots-mx)"},
      {X509_V_ERR_INVALID_PURPOSE, 0, CertificateProblem::kWrongPurpose,
       "not for client authentication (extended key usage serverAuth only)"},
      {X509_V_ERR_CERT_SIGNATURE_FAILURE, 0, CertificateProblem::kBadSignature,
       "has a signature that does not verify (issuer CN=ots-mx federation CA,O=ots-mx): altered, "
       "or signed by another key of that name"},
      {X509_V_ERR_INVALID_CA, 1, CertificateProblem::kUntrustedIssuer,
       "issued by CN=AZ operator,O=ots-mx, which is not a CA"},
      {X509_V_ERR_CERT_REVOKED, 0, CertificateProblem::kOther, "certificate revoked"},
  };
  for (const Case& c : cases) {
    CertificateProblem problem = CertificateProblem::kNone;
    INFO("X509_V_ERR " << c.error << " at depth " << c.depth);
    CHECK(DescribeVerifyError(c.error, leaf, c.depth, TlsRole::kClient, &problem) == c.words);
    CHECK(problem == c.problem);
  }
}

TEST_CASE("A node certificate is for the names its subjectAltName carries") {
  const Ca ca = MakeCa("ots-mx federation CA");
  const Certificate node = Issue(&ca);
  CHECK(CheckCertificateName(node, "az.node.ots-mx").ok());
  CHECK(CheckCertificateName(node, "127.0.0.1").ok());
  absl::Status s = CheckCertificateName(node, "kz.node.ots-mx");
  CHECK(absl::IsPermissionDenied(s));
  CHECK(s.message() == "is not for kz.node.ots-mx (it names DNS:az.node.ots-mx, IP:127.0.0.1)");
  CHECK_FALSE(CheckCertificateName(node, "10.0.0.1").ok());
}

}  // namespace
}  // namespace ots
