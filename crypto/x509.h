// TLS keys and X.509 certificates for the federation's mutual TLS (DESIGN §3–§4): ECDSA P-256
// keys, certificates issued by the federation CA, and the SHA-256 of a certificate's
// SubjectPublicKeyInfo, by which the trust bundle names every TLS identity.
//
// Keys and certificates are immutable value-like handles; const ones may be shared by threads.
#ifndef OTS_CRYPTO_X509_H_
#define OTS_CRYPTO_X509_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace ots {

// An ECDSA P-256 private key (mTLS identities and the federation CA).
class TlsKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static absl::StatusOr<TlsKey> Generate();
  // From an unencrypted PEM "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" block. INVALID_ARGUMENT
  // if it is not a P-256 key; encrypted keys are refused, never prompted for.
  static absl::StatusOr<TlsKey> FromPem(absl::string_view pem);
  // Reads FromPem from `path`. FAILED_PRECONDITION, naming the file and its mode, if the file is
  // accessible by group or others. Every error names the path.
  static absl::StatusOr<TlsKey> LoadPemFile(const std::string& path);

  // PKCS#8 PEM of the private key.
  std::string ToPem() const;
  // Writes ToPem() to a new file of mode 0600; ALREADY_EXISTS if `path` exists.
  absl::Status SavePemFile(const std::string& path) const;
  // The same, replacing a file at `path` once the new one is complete (a renewal).
  absl::Status SavePemFileReplacing(const std::string& path) const;
  // Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo of the public key.
  std::string SpkiSha256Hex() const;

  EVP_PKEY* get() const { return key_.get(); }

 private:
  explicit TlsKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// What a certificate says.
struct CertificateSpec {
  std::string common_name;
  std::string organization;               // O=; may be empty
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries, "127.0.0.1" or "::1"
  // CA: basicConstraints critical CA:TRUE and keyUsage keyCertSign, cRLSign. Otherwise CA:FALSE
  // and keyUsage digitalSignature.
  bool is_ca = false;
  bool server_auth = false;  // extendedKeyUsage serverAuth
  bool client_auth = false;  // extendedKeyUsage clientAuth
  absl::Time not_before;
  absl::Time not_after;
};

class Certificate {
 public:
  // The first certificate in `pem`. INVALID_ARGUMENT if there is none.
  static absl::StatusOr<Certificate> FromPem(absl::string_view pem);
  // Reads FromPem from `path`; errors name the path.
  static absl::StatusOr<Certificate> LoadPemFile(const std::string& path);
  // A handle on `cert`, which OpenSSL owns elsewhere (a chain being verified): takes a reference
  // of its own.
  static Certificate Ref(X509* cert);

  std::string ToPem() const;
  // Lower-case hex SHA-256 of the certificate's DER SubjectPublicKeyInfo (equal to its key's
  // TlsKey::SpkiSha256Hex, and to `openssl x509 -pubkey -noout | openssl pkey -pubin
  // -outform DER | sha256sum`).
  std::string SpkiSha256Hex() const;
  std::string CommonName() const;
  // The subject's and the issuer's names on one line, most specific first (RFC 2253 order, UTF-8
  // kept): "CN=AZ operator,O=ots-mx".
  std::string Subject() const;
  std::string Issuer() const;
  // Whether subject and issuer name the same entity (a self-issued certificate).
  bool SelfIssued() const;
  absl::Time NotBefore() const;
  absl::Time NotAfter() const;
  bool IsCa() const;

  X509* get() const { return cert_.get(); }

 private:
  friend absl::StatusOr<std::vector<Certificate>> CertificatesFromPem(absl::string_view pem);
  explicit Certificate(std::shared_ptr<X509> cert) : cert_(std::move(cert)) {}
  std::shared_ptr<X509> cert_;
};

// Issues a version 3 certificate for `subject_key`, signed with `issuer_key` (ECDSA with
// SHA-256). `issuer` is the issuing CA's certificate, or nullptr for a self-signed certificate
// (then `issuer_key` is `subject_key`). The serial is 16 random bytes. INVALID_ARGUMENT on an IP
// address that does not parse or a validity that ends before it starts.
absl::StatusOr<Certificate> IssueCertificate(const CertificateSpec& spec, const TlsKey& subject_key,
                                             const Certificate* issuer, const TlsKey& issuer_key);

// A renewal of `old` for `subject_key` (its own key, or a new one), valid from `not_before` to
// `not_after` and signed by `issuer` with `issuer_key`: the same subject name and extensions
// (key usages, subjectAltName, basic constraints), a new serial, and key identifiers of the new
// key and issuer. INVALID_ARGUMENT for a validity that ends before it starts.
absl::StatusOr<Certificate> RenewCertificate(const Certificate& old, const TlsKey& subject_key,
                                             const Certificate& issuer, const TlsKey& issuer_key,
                                             absl::Time not_before, absl::Time not_after);

// OK if `cert` is issued by `ca` and both are valid at `at`; PERMISSION_DENIED with OpenSSL's
// reason ("certificate has expired", "unable to get local issuer certificate", ...) otherwise.
absl::Status VerifyIssuedBy(const Certificate& cert, const Certificate& ca, absl::Time at);

// Every certificate in `pem`, in order (a CA file may hold the CAs of several states).
// INVALID_ARGUMENT if there is none.
absl::StatusOr<std::vector<Certificate>> CertificatesFromPem(absl::string_view pem);

// SpkiSha256Hex of the first certificate in `pem` (peer certificates arrive as PEM from gRPC).
absl::StatusOr<std::string> CertificatePemSpkiSha256Hex(absl::string_view pem);

}  // namespace ots

#endif  // OTS_CRYPTO_X509_H_
