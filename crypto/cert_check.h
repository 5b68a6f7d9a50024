// Why a TLS peer's certificate is refused, in words an operator can act on (docs/operations.md,
// "Reading handshake refusals"). The check is the one OpenSSL makes in a TLS handshake — a chain
// to one of the trusted CAs, valid at the time, for the purpose of the peer's role — done here
// so that the refusal can say which rule failed, about which certificate, rather than OpenSSL's
// "certificate verify failed".
#ifndef OTS_CRYPTO_CERT_CHECK_H_
#define OTS_CRYPTO_CERT_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "crypto/x509.h"

namespace ots {

// The role a certificate's holder plays in the TLS connection: what it must be valid for
// (extended key usage clientAuth or serverAuth, as OpenSSL's "ssl_client" and "ssl_server"
// purposes check).
enum class TlsRole { kClient, kServer };

// What is wrong with a certificate; kNone if nothing.
enum class CertificateProblem {
  kNone,
  kNoCertificate,    // the peer sent none
  kUnreadable,       // what it sent does not parse
  kExpired,          // the certificate (or a CA certificate of its chain) is past its notAfter
  kNotYetValid,      // ... or before its notBefore
  kUntrustedIssuer,  // no chain to a trusted CA: issued by another CA
  kSelfSigned,       // self-signed, and not a trusted CA
  kWrongPurpose,     // not for this role (extended key usage, key usage)
  kBadSignature,     // a signature in the chain does not verify
  kOther,            // anything else OpenSSL refuses (its own words follow)
};

// The outcome of CheckCertificate.
struct CertificateVerdict {
  CertificateProblem problem = CertificateProblem::kNone;
  std::string subject;  // of the peer's certificate, one line: "CN=AZ operator,O=ots-mx"
  std::string issuer;   // its issuer's name, the same way
  // What is wrong, in words; empty if nothing. E.g. "expired on 2026-01-02 10:00:00 UTC",
  // "issued by a CA this federation does not trust (issuer CN=x,O=y)", "self-signed",
  // "not for client authentication (extended key usage serverAuth only)".
  std::string reason;

  bool ok() const { return problem == CertificateProblem::kNone; }
};

// Checks `leaf`, presented by the peer in `role` with the intermediate certificates `chain`
// (which are not trusted), as OpenSSL checks a TLS peer's certificate: a chain to one of
// `trusted`, every certificate of it valid at `at`, the leaf usable for `role`, at security level
// 2 (Debian's default). Never weaker than that check: it refuses whatever OpenSSL refuses.
CertificateVerdict CheckCertificate(const Certificate& leaf, absl::Span<const Certificate> chain,
                                    absl::Span<const Certificate> trusted, absl::Time at,
                                    TlsRole role);

// CheckCertificate of PEM text as gRPC hands it over: `leaf_pem` (empty: kNoCertificate) and
// `chain_pem`, the chain the peer sent (may be empty, and may repeat the leaf).
CertificateVerdict CheckCertificatePem(absl::string_view leaf_pem, absl::string_view chain_pem,
                                       absl::Span<const Certificate> trusted, absl::Time at,
                                       TlsRole role);

// OK if `cert` is a certificate for the host `name` (a DNS name, matched against its
// subjectAltName DNS entries as OpenSSL's X509_check_host does, or an IP address, matched against
// its IP entries); otherwise PERMISSION_DENIED saying which names it does carry.
absl::Status CheckCertificateName(const Certificate& cert, absl::string_view name);

// OpenSSL's verification error `x509_error` (X509_V_ERR_*) about `cert`, found at `depth` of the
// chain (0: the peer's own certificate), in words, for a holder in `role`. Sets `*out_problem`
// (if not null) to the kind of problem.
std::string DescribeVerifyError(int x509_error, const Certificate& cert, int depth, TlsRole role,
                                CertificateProblem* out_problem = nullptr);

// "2026-01-02 10:00:00 UTC": how certificate times appear in these messages.
std::string FormatCertificateTime(absl::Time t);

}  // namespace ots

#endif  // OTS_CRYPTO_CERT_CHECK_H_
