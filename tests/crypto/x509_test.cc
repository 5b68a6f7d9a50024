// Tests for crypto/x509: TLS keys, certificates issued by a CA, verification in time, and the
// SPKI fingerprints the trust bundle names identities by (checked against the openssl CLI).
#include "crypto/x509.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/fakes/key_files.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1790000000);

CertificateSpec Spec(const std::string& cn, bool ca) {
  CertificateSpec spec;
  spec.common_name = cn;
  spec.organization = "ots-mx";
  spec.is_ca = ca;
  spec.not_before = kNow - absl::Hours(1);
  spec.not_after = kNow + absl::Hours(24 * 30);
  return spec;
}

TlsKey NewTlsKey() {
  absl::StatusOr<TlsKey> key = TlsKey::Generate();
  REQUIRE(key.ok());
  return *key;
}

struct Ca {
  TlsKey key;
  Certificate cert;
};

Ca MakeCa(const std::string& cn) {
  const TlsKey key = NewTlsKey();
  absl::StatusOr<Certificate> cert = IssueCertificate(Spec(cn, true), key, nullptr, key);
  REQUIRE(cert.ok());
  return Ca{key, *cert};
}

std::string Run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) {
    out += buf;
  }
  pclose(p);
  return out;
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST_CASE("a TLS key round-trips through PEM and matches its certificate", "[x509]") {
  Ca ca = MakeCa("test CA");
  absl::StatusOr<TlsKey> again = TlsKey::FromPem(ca.key.ToPem());
  REQUIRE(again.ok());
  CHECK(again->SpkiSha256Hex() == ca.key.SpkiSha256Hex());
  CHECK(ca.cert.SpkiSha256Hex() == ca.key.SpkiSha256Hex());
  CHECK(ca.key.SpkiSha256Hex().size() == 64);
  CHECK(ca.cert.IsCa());
  CHECK(ca.cert.CommonName() == "test CA");
  CHECK(ca.cert.NotAfter() == kNow + absl::Hours(24 * 30));
  absl::StatusOr<std::string> from_pem = CertificatePemSpkiSha256Hex(ca.cert.ToPem());
  REQUIRE(from_pem.ok());
  CHECK(*from_pem == ca.cert.SpkiSha256Hex());
  CHECK_FALSE(CertificatePemSpkiSha256Hex("not a certificate").ok());
  CHECK_FALSE(
      TlsKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
}

TEST_CASE("a leaf verifies against its CA only while valid", "[x509]") {
  Ca ca = MakeCa("federation CA");
  const TlsKey key = NewTlsKey();
  CertificateSpec spec = Spec("AZ node", false);
  spec.dns_names = {"az.node.ots-mx"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  spec.server_auth = spec.client_auth = true;
  absl::StatusOr<Certificate> leaf = IssueCertificate(spec, key, &ca.cert, ca.key);
  REQUIRE(leaf.ok());
  CHECK_FALSE(leaf->IsCa());
  CHECK(VerifyIssuedBy(*leaf, ca.cert, kNow).ok());

  absl::Status expired = VerifyIssuedBy(*leaf, ca.cert, kNow + absl::Hours(24 * 31));
  CHECK(absl::IsPermissionDenied(expired));
  CHECK(absl::StrContains(expired.message(), "expired"));
  absl::Status early = VerifyIssuedBy(*leaf, ca.cert, kNow - absl::Hours(2));
  CHECK(absl::IsPermissionDenied(early));

  Ca other = MakeCa("another CA");
  CHECK(absl::IsPermissionDenied(VerifyIssuedBy(*leaf, other.cert, kNow)));

  // The subjectAltName carries what the spec asked for.
  GENERAL_NAMES* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf->get(), NID_subject_alt_name, nullptr, nullptr));
  REQUIRE(names != nullptr);
  int dns = 0, ips = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    dns += n->type == GEN_DNS;
    ips += n->type == GEN_IPADD;
  }
  GENERAL_NAMES_free(names);
  CHECK(dns == 1);
  CHECK(ips == 2);
  CHECK(X509_check_host(leaf->get(), "az.node.ots-mx", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(leaf->get(), "kz.node.ots-mx", 0, 0, nullptr) == 0);
  CHECK(X509_check_ip_asc(leaf->get(), "127.0.0.1", 0) == 1);
}

TEST_CASE("bad certificate specs are refused", "[x509]") {
  Ca ca = MakeCa("CA");
  const TlsKey key = NewTlsKey();
  CertificateSpec bad_ip = Spec("x", false);
  bad_ip.ip_addresses = {"127.0.0.300"};
  CHECK(absl::IsInvalidArgument(IssueCertificate(bad_ip, key, &ca.cert, ca.key).status()));
  CertificateSpec backwards = Spec("x", false);
  backwards.not_after = backwards.not_before - absl::Seconds(1);
  CHECK(absl::IsInvalidArgument(IssueCertificate(backwards, key, &ca.cert, ca.key).status()));
}

TEST_CASE("TLS key files must be private", "[x509]") {
  TempDir dir;
  CheckPrivateKeyFile<TlsKey>(
      NewTlsKey(), dir.File("tls.key"), TlsKey::LoadPemFile,
      [](const TlsKey& a, const TlsKey& b) { return a.SpkiSha256Hex() == b.SpkiSha256Hex(); });
}

TEST_CASE("TLS keys: EC PRIVATE KEY is accepted, encrypted or non-P-256 keys are not", "[x509]") {
  const TlsKey key = NewTlsKey();
  CHECK(absl::StartsWith(key.ToPem(), "-----BEGIN PRIVATE KEY-----\n"));
  auto write = [](EVP_PKEY* pkey, const EVP_CIPHER* cipher, bool traditional) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    REQUIRE(bio != nullptr);
    char pass[] = "secret";
    unsigned char* kstr = cipher == nullptr ? nullptr : reinterpret_cast<unsigned char*>(pass);
    const int klen = cipher == nullptr ? 0 : static_cast<int>(sizeof(pass) - 1);
    REQUIRE((traditional ? PEM_write_bio_PrivateKey_traditional(bio.get(), pkey, cipher, kstr, klen,
                                                                nullptr, nullptr)
                         : PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, cipher, pass, klen,
                                                         nullptr, nullptr)) == 1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
  };

  const std::string sec1 = write(key.get(), nullptr, /*traditional=*/true);
  REQUIRE(absl::StartsWith(sec1, "-----BEGIN EC PRIVATE KEY-----\n"));
  absl::StatusOr<TlsKey> from_sec1 = TlsKey::FromPem(sec1);
  REQUIRE(from_sec1.ok());
  CHECK(from_sec1->SpkiSha256Hex() == key.SpkiSha256Hex());

  // Encrypted keys fail (a prompt would hang the test on a terminal).
  CHECK(absl::IsInvalidArgument(
      TlsKey::FromPem(write(key.get(), EVP_aes_256_cbc(), /*traditional=*/false)).status()));
  CHECK(absl::IsInvalidArgument(
      TlsKey::FromPem(write(key.get(), EVP_aes_256_cbc(), /*traditional=*/true)).status()));

  for (const char* curve : {"P-384", "ED25519"}) {
    INFO(curve);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> other(
        absl::string_view(curve) == "ED25519" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                              : EVP_EC_gen(curve),
        EVP_PKEY_free);
    REQUIRE(other != nullptr);
    absl::StatusOr<TlsKey> refused = TlsKey::FromPem(write(other.get(), nullptr, false));
    CHECK(absl::IsInvalidArgument(refused.status()));
    CHECK(absl::StrContains(refused.status().message(), "P-256"));
  }
}

TEST_CASE("plain openssl accepts our certificates and computes the same fingerprints", "[x509]") {
  TempDir dir;
  Ca ca = MakeCa("federation CA");
  const TlsKey key = NewTlsKey();
  CertificateSpec spec = Spec("AZ operator", false);
  spec.not_before = absl::Now() - absl::Hours(1);
  spec.not_after = absl::Now() + absl::Hours(24);
  spec.client_auth = true;
  CertificateSpec ca_spec = Spec("federation CA", true);
  ca_spec.not_before = spec.not_before;
  ca_spec.not_after = spec.not_after;
  absl::StatusOr<Certificate> ca_now = IssueCertificate(ca_spec, ca.key, nullptr, ca.key);
  REQUIRE(ca_now.ok());
  absl::StatusOr<Certificate> leaf = IssueCertificate(spec, key, &*ca_now, ca.key);
  REQUIRE(leaf.ok());
  WriteText(dir.File("ca.pem"), ca_now->ToPem());
  WriteText(dir.File("leaf.pem"), leaf->ToPem());
  const std::string verify =
      Run(absl::StrCat("openssl verify -purpose sslclient -CAfile ", dir.File("ca.pem"), " ",
                       dir.File("leaf.pem"), " 2>&1"));
  CHECK(absl::StrContains(verify, "leaf.pem: OK"));
  const std::string fingerprint =
      Run(absl::StrCat("openssl x509 -in ", dir.File("leaf.pem"),
                       " -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum"));
  CHECK(fingerprint.substr(0, 64) == leaf->SpkiSha256Hex());
}

TEST_CASE("a renewed certificate keeps the subject and extensions, with new dates and serial",
          "[x509]") {
  Ca ca = MakeCa("federation CA");
  const TlsKey key = NewTlsKey();
  CertificateSpec spec = Spec("AZ node", false);
  spec.dns_names = {"az.node.ots-mx"};
  spec.ip_addresses = {"127.0.0.1"};
  spec.server_auth = spec.client_auth = true;
  absl::StatusOr<Certificate> old = IssueCertificate(spec, key, &ca.cert, ca.key);
  REQUIRE(old.ok());
  const absl::Time later = kNow + absl::Hours(24 * 20);
  absl::StatusOr<Certificate> renewed =
      RenewCertificate(*old, key, ca.cert, ca.key, later, later + absl::Hours(24 * 365));
  REQUIRE(renewed.ok());
  CHECK(renewed->Subject() == old->Subject());
  CHECK(renewed->SpkiSha256Hex() == old->SpkiSha256Hex());
  CHECK(renewed->NotAfter() == later + absl::Hours(24 * 365));
  CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(renewed->get()),
                         X509_get0_serialNumber(old->get())) != 0);
  // Issued by the CA, valid from its new start (the CA of this test lasts 30 days), for the same
  // name and uses.
  CHECK(VerifyIssuedBy(*renewed, ca.cert, later + absl::Hours(1)).ok());
  CHECK_FALSE(VerifyIssuedBy(*renewed, ca.cert, later - absl::Hours(1)).ok());
  CHECK(X509_check_host(renewed->get(), "az.node.ots-mx", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(renewed->get(), "127.0.0.1", 0) == 1);
  CHECK((X509_get_extended_key_usage(renewed->get()) & (XKU_SSL_SERVER | XKU_SSL_CLIENT)) ==
        (XKU_SSL_SERVER | XKU_SSL_CLIENT));
  CHECK_FALSE(renewed->IsCa());
  // For a new key: the same, with that key.
  const TlsKey other = NewTlsKey();
  absl::StatusOr<Certificate> rekeyed =
      RenewCertificate(*old, other, ca.cert, ca.key, later, later + absl::Hours(1));
  REQUIRE(rekeyed.ok());
  CHECK(rekeyed->SpkiSha256Hex() == other.SpkiSha256Hex());
  CHECK(absl::IsInvalidArgument(
      RenewCertificate(*old, key, ca.cert, ca.key, later, later - absl::Hours(1)).status()));
}

}  // namespace
}  // namespace ots
