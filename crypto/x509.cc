#include "crypto/x509.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/bytes.h"
#include "crypto/files.h"
#include "crypto/openssl_util.h"
#include "crypto/sha256.h"
#include "crypto/status_macros.h"

namespace ots {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

std::shared_ptr<EVP_PKEY> SharePkey(EVP_PKEY* k) { return {k, EVP_PKEY_free}; }
std::shared_ptr<X509> ShareX509(X509* c) { return {c, X509_free}; }

// Hex SHA-256 of the DER SubjectPublicKeyInfo of `key`, "" if OpenSSL fails.
std::string SpkiHash(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0 || der == nullptr) {
    ERR_clear_error();
    return "";
  }
  Hash h = Sha256(absl::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(len)));
  OPENSSL_free(der);
  return HexEncode(absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

absl::Status CheckP256(EVP_PKEY* key) {
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_id(key) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &len) != 1 ||
      absl::string_view(group, len) != "prime256v1") {
    ERR_clear_error();
    return absl::InvalidArgumentError("not an ECDSA P-256 (prime256v1) key");
  }
  return absl::OkStatus();
}

std::string OneLineName(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    ERR_clear_error();
    return "?";
  }
  return BioContents(bio.get());
}

absl::Time FromAsn1Time(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return absl::InfinitePast();
  }
  return absl::FromCivil(absl::CivilSecond(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                           tm.tm_min, tm.tm_sec),
                         absl::UTCTimeZone());
}

absl::Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        absl::StrCat("cannot add extension ", OBJ_nid2sn(nid), " = ", value));
  }
  return absl::OkStatus();
}

bool ValidIp(const std::string& ip) {
  ASN1_OCTET_STRING* a = a2i_IPADDRESS(ip.c_str());
  if (a == nullptr) {
    ERR_clear_error();
    return false;
  }
  ASN1_OCTET_STRING_free(a);
  return true;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// TlsKey

absl::StatusOr<TlsKey> TlsKey::Generate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "P-256 key generation failed");
  }
  return TlsKey(SharePkey(key));
}

absl::StatusOr<TlsKey> TlsKey::FromPem(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "not an unencrypted PEM private key");
  }
  std::shared_ptr<EVP_PKEY> shared = SharePkey(key);
  OTS_RETURN_IF_ERROR(CheckP256(key));
  return TlsKey(std::move(shared));
}

absl::StatusOr<TlsKey> TlsKey::LoadPemFile(const std::string& path) {
  return LoadPem<TlsKey>(path, /*private_key=*/true, FromPem);
}

std::string TlsKey::ToPem() const { return PrivateKeyToPem(key_.get()); }

absl::Status TlsKey::SavePemFile(const std::string& path) const {
  return SavePrivateKeyPem(path, ToPem());
}

absl::Status TlsKey::SavePemFileReplacing(const std::string& path) const {
  std::string pem = ToPem();
  absl::Status status = WriteFileReplacing(path, pem, 0600);
  WipeString(&pem);
  return status;
}

std::string TlsKey::SpkiSha256Hex() const { return SpkiHash(key_.get()); }

// ------------------------------------------------------------------------------------------
// Certificate

absl::StatusOr<Certificate> Certificate::FromPem(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr);
  if (cert == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "no PEM certificate");
  }
  return Certificate(ShareX509(cert));
}

absl::StatusOr<Certificate> Certificate::LoadPemFile(const std::string& path) {
  return LoadPem<Certificate>(path, /*private_key=*/false, FromPem);
}

Certificate Certificate::Ref(X509* cert) {
  X509_up_ref(cert);
  return Certificate(ShareX509(cert));
}

std::string Certificate::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert_.get()) != 1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

std::string Certificate::SpkiSha256Hex() const { return SpkiHash(X509_get0_pubkey(cert_.get())); }

std::string Certificate::CommonName() const {
  X509_NAME* name = X509_get_subject_name(cert_.get());
  char buf[256] = {0};
  const int len = X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof(buf));
  return len < 0 ? "" : std::string(buf, static_cast<size_t>(len));
}

std::string Certificate::Subject() const { return OneLineName(X509_get_subject_name(cert_.get())); }
std::string Certificate::Issuer() const { return OneLineName(X509_get_issuer_name(cert_.get())); }
bool Certificate::SelfIssued() const {
  return X509_NAME_cmp(X509_get_subject_name(cert_.get()), X509_get_issuer_name(cert_.get())) == 0;
}

absl::Time Certificate::NotBefore() const { return FromAsn1Time(X509_get0_notBefore(cert_.get())); }
absl::Time Certificate::NotAfter() const { return FromAsn1Time(X509_get0_notAfter(cert_.get())); }
bool Certificate::IsCa() const { return X509_check_ca(cert_.get()) >= 1; }

namespace {

// A version 3 certificate for `subject_key` valid from `not_before` to `not_after`, with a
// serial of 16 random bytes; no names or extensions yet.
absl::StatusOr<std::shared_ptr<X509>> NewCertificate(const TlsKey& subject_key,
                                                     absl::Time not_before, absl::Time not_after) {
  if (not_after <= not_before) {
    return absl::InvalidArgumentError("certificate validity ends before it starts");
  }
  std::shared_ptr<X509> cert = ShareX509(X509_new());
  if (cert == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "X509_new failed");
  }
  X509* c = cert.get();
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "RAND_bytes failed");
  }
  serial_bytes[0] &= 0x7f;  // positive
  serial_bytes[0] |= 0x01;  // and of full length
  BignumPtr serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  if (serial == nullptr || X509_set_version(c, X509_VERSION_3) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(c)) == nullptr ||
      ASN1_TIME_set(X509_getm_notBefore(c), absl::ToTimeT(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(c), absl::ToTimeT(not_after)) == nullptr ||
      X509_set_pubkey(c, subject_key.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot fill in the certificate");
  }
  return cert;
}

// Signs `c` with `issuer_key` and reads it back.
absl::StatusOr<Certificate> SignCertificate(X509* c, const TlsKey& issuer_key) {
  if (X509_sign(c, issuer_key.get(), EVP_sha256()) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot sign the certificate");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), c) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot encode the certificate");
  }
  return Certificate::FromPem(BioContents(bio.get()));
}

}  // namespace

absl::StatusOr<Certificate> IssueCertificate(const CertificateSpec& spec, const TlsKey& subject_key,
                                             const Certificate* issuer, const TlsKey& issuer_key) {
  for (const std::string& ip : spec.ip_addresses) {
    if (!ValidIp(ip)) {
      return absl::InvalidArgumentError(absl::StrCat("\"", ip, "\" is not an IP address"));
    }
  }
  OTS_ASSIGN_OR_RETURN(std::shared_ptr<X509> cert,
                       NewCertificate(subject_key, spec.not_before, spec.not_after));
  X509* c = cert.get();
  X509_NAME* name = X509_get_subject_name(c);
  auto add_name = [&](const char* field, const std::string& value) {
    return value.empty() ||
           X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!add_name("O", spec.organization) || !add_name("CN", spec.common_name)) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "cannot set the subject name");
  }
  if (X509_set_issuer_name(c, issuer == nullptr ? name : X509_get_subject_name(issuer->get())) !=
      1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot set the issuer name");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer == nullptr ? c : issuer->get(), c, nullptr, nullptr, 0);
  if (spec.is_ca) {
    OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_basic_constraints, "critical,CA:TRUE"));
    OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  } else {
    OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_basic_constraints, "critical,CA:FALSE"));
    OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_key_usage, "critical,digitalSignature"));
  }
  std::vector<std::string> eku;
  if (spec.server_auth) {
    eku.push_back("serverAuth");
  }
  if (spec.client_auth) {
    eku.push_back("clientAuth");
  }
  if (!eku.empty()) {
    OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_ext_key_usage, absl::StrJoin(eku, ",")));
  }
  std::vector<std::string> san;
  for (const std::string& d : spec.dns_names) {
    san.push_back(absl::StrCat("DNS:", d));
  }
  for (const std::string& ip : spec.ip_addresses) {
    san.push_back(absl::StrCat("IP:", ip));
  }
  if (!san.empty()) {
    OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_subject_alt_name, absl::StrJoin(san, ",")));
  }
  OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_subject_key_identifier, "hash"));
  if (issuer != nullptr) {
    OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_authority_key_identifier, "keyid:always"));
  }
  return SignCertificate(c, issuer_key);
}

absl::StatusOr<Certificate> RenewCertificate(const Certificate& old, const TlsKey& subject_key,
                                             const Certificate& issuer, const TlsKey& issuer_key,
                                             absl::Time not_before, absl::Time not_after) {
  OTS_ASSIGN_OR_RETURN(std::shared_ptr<X509> cert,
                       NewCertificate(subject_key, not_before, not_after));
  X509* c = cert.get();
  if (X509_set_subject_name(c, X509_get_subject_name(old.get())) != 1 ||
      X509_set_issuer_name(c, X509_get_subject_name(issuer.get())) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot set the names");
  }
  for (int i = 0; i < X509_get_ext_count(old.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(old.get(), i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (nid == NID_subject_key_identifier || nid == NID_authority_key_identifier) {
      continue;  // of the old key and issuer: made anew below
    }
    if (X509_add_ext(c, ext, -1) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "cannot copy an extension");
    }
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer.get(), c, nullptr, nullptr, 0);
  OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_subject_key_identifier, "hash"));
  OTS_RETURN_IF_ERROR(AddExtension(c, &ctx, NID_authority_key_identifier, "keyid:always"));
  return SignCertificate(c, issuer_key);
}

absl::Status VerifyIssuedBy(const Certificate& cert, const Certificate& ca, absl::Time at) {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (store == nullptr || ctx == nullptr || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot set up certificate verification");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, absl::ToTimeT(at));
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return absl::PermissionDeniedError(
        absl::StrCat("certificate \"", cert.CommonName(),
                     "\" does not verify: ", X509_verify_cert_error_string(err)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Certificate>> CertificatesFromPem(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  std::vector<Certificate> out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr)) {
    out.push_back(Certificate(ShareX509(cert)));
  }
  ERR_clear_error();  // the end of the input reads as an error
  if (out.empty()) {
    return absl::InvalidArgumentError("no PEM certificate");
  }
  return out;
}

absl::StatusOr<std::string> CertificatePemSpkiSha256Hex(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(Certificate cert, Certificate::FromPem(pem));
  std::string spki = cert.SpkiSha256Hex();
  if (spki.empty()) {
    return absl::InvalidArgumentError("certificate has no usable public key");
  }
  return spki;
}

}  // namespace ots
