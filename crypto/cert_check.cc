#include "crypto/cert_check.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ots {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // the certificates stay
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
struct EkuDeleter {
  void operator()(EXTENDED_KEY_USAGE* e) const { EXTENDED_KEY_USAGE_free(e); }
};

// Debian's OpenSSL runs TLS at security level 2 (openssl.cnf, CipherString @SECLEVEL=2), and
// OpenSSL checks a peer's chain at the connection's level: keys of at least 112 bits of security,
// no SHA-1 signatures.
constexpr int kSecurityLevel = 2;

// The certificate's extended key usages by OpenSSL's short names ("serverAuth, codeSigning"),
// or "" if it has no such extension.
std::string ExtendedKeyUsages(const Certificate& cert) {
  std::unique_ptr<EXTENDED_KEY_USAGE, EkuDeleter> eku(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert.get(), NID_ext_key_usage, nullptr, nullptr)));
  if (eku == nullptr) {
    ERR_clear_error();
    return "";
  }
  std::vector<std::string> names;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    const ASN1_OBJECT* usage = sk_ASN1_OBJECT_value(eku.get(), i);
    const int nid = OBJ_obj2nid(usage);
    if (nid != NID_undef) {
      names.push_back(OBJ_nid2sn(nid));
    } else {
      char oid[80] = {0};
      OBJ_obj2txt(oid, sizeof(oid), usage, 1);
      names.push_back(oid);
    }
  }
  return absl::StrJoin(names, ", ");
}

// "its CA certificate (CN=...) " for a certificate above the peer's own in the chain, "" for the
// peer's own: the subject of a reason.
std::string Whose(const Certificate& cert, int depth) {
  return depth == 0 ? "" : absl::StrCat("its CA certificate (", cert.Subject(), ") ");
}

// The subjectAltName entries of `cert`: "DNS:az.node.ots-mx, IP:127.0.0.1", or "none".
std::string AltNames(const Certificate& cert) {
  GENERAL_NAMES* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    ERR_clear_error();
    return "no subjectAltName";
  }
  std::vector<std::string> out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      const ASN1_STRING* s = n->d.dNSName;
      out.push_back(absl::StrCat(
          "DNS:", absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    static_cast<size_t>(ASN1_STRING_length(s)))));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = n->d.iPAddress;
      char text[64] = {0};
      const unsigned char* b = ASN1_STRING_get0_data(ip);
      if (ASN1_STRING_length(ip) == 4) {
        snprintf(text, sizeof(text), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        out.push_back(absl::StrCat("IP:", text));
      } else {
        out.push_back("IP:(IPv6)");
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out.empty() ? "no DNS or IP subjectAltName" : absl::StrJoin(out, ", ");
}

}  // namespace

absl::Status CheckCertificateName(const Certificate& cert, absl::string_view name) {
  const std::string host(name);
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
  int matched = 0;
  if (ip != nullptr) {
    ASN1_OCTET_STRING_free(ip);
    matched = X509_check_ip_asc(cert.get(), host.c_str(), 0);
  } else {
    ERR_clear_error();
    matched = X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr);
  }
  ERR_clear_error();
  if (matched == 1) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("is not for ", host, " (it names ", AltNames(cert), ")"));
}

std::string FormatCertificateTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string DescribeVerifyError(int x509_error, const Certificate& cert, int depth, TlsRole role,
                                CertificateProblem* out_problem) {
  CertificateProblem problem = CertificateProblem::kOther;
  std::string reason;
  const char* use = role == TlsRole::kClient ? "client" : "server";
  switch (x509_error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      problem = CertificateProblem::kExpired;
      reason =
          absl::StrCat(Whose(cert, depth), "expired on ", FormatCertificateTime(cert.NotAfter()));
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      problem = CertificateProblem::kNotYetValid;
      reason = absl::StrCat(Whose(cert, depth), "not valid before ",
                            FormatCertificateTime(cert.NotBefore()));
      break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      problem = CertificateProblem::kSelfSigned;
      reason = "self-signed";
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      problem = CertificateProblem::kUntrustedIssuer;
      reason = absl::StrCat("issued by a CA this federation does not trust (issuer ",
                            x509_error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                                    x509_error == X509_V_ERR_CERT_UNTRUSTED
                                ? cert.Subject()
                                : cert.Issuer(),
                            ")");
      break;
    case X509_V_ERR_INVALID_PURPOSE: {
      problem = CertificateProblem::kWrongPurpose;
      const std::string eku = ExtendedKeyUsages(cert);
      const bool eku_allows =
          eku.empty() ||
          eku.find(role == TlsRole::kClient ? "clientAuth" : "serverAuth") != std::string::npos ||
          eku.find("anyExtendedKeyUsage") != std::string::npos;
      reason = absl::StrCat(Whose(cert, depth), "not for ", use, " authentication (",
                            eku_allows ? "its key usage does not allow it"
                                       : absl::StrCat("extended key usage ", eku, " only"),
                            ")");
      break;
    }
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
      problem = CertificateProblem::kBadSignature;
      reason = absl::StrCat(Whose(cert, depth), "has a signature that does not verify (issuer ",
                            cert.Issuer(), "): altered, or signed by another key of that name");
      break;
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
      problem = CertificateProblem::kUntrustedIssuer;
      reason = absl::StrCat("issued by ", cert.Subject(), ", which is not a CA");
      break;
    default:
      reason = absl::StrCat(Whose(cert, depth), X509_verify_cert_error_string(x509_error));
      break;
  }
  if (out_problem != nullptr) {
    *out_problem = problem;
  }
  return reason;
}

CertificateVerdict CheckCertificate(const Certificate& leaf, absl::Span<const Certificate> chain,
                                    absl::Span<const Certificate> trusted, absl::Time at,
                                    TlsRole role) {
  CertificateVerdict verdict;
  verdict.subject = leaf.Subject();
  verdict.issuer = leaf.Issuer();
  auto failed = [&](CertificateProblem problem, std::string reason) {
    ERR_clear_error();
    verdict.problem = problem;
    verdict.reason = std::move(reason);
    return verdict;
  };
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509StackPtr untrusted(sk_X509_new_null());
  if (store == nullptr || ctx == nullptr || untrusted == nullptr) {
    return failed(CertificateProblem::kOther, "cannot set up certificate verification");
  }
  for (const Certificate& ca : trusted) {
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
      ERR_clear_error();  // a CA listed twice; the first one counts
    }
  }
  for (const Certificate& c : chain) {
    if (X509_cmp(c.get(), leaf.get()) != 0 && sk_X509_push(untrusted.get(), c.get()) == 0) {
      return failed(CertificateProblem::kOther, "cannot set up certificate verification");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1 ||
      X509_STORE_CTX_set_default(ctx.get(),
                                 role == TlsRole::kClient ? "ssl_client" : "ssl_server") != 1) {
    return failed(CertificateProblem::kOther, "cannot set up certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_auth_level(param, kSecurityLevel);
  X509_STORE_CTX_set_time(ctx.get(), 0, absl::ToTimeT(at));
  if (X509_verify_cert(ctx.get()) == 1) {
    return verdict;
  }
  const int error = X509_STORE_CTX_get_error(ctx.get());
  const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  X509* about = X509_STORE_CTX_get_current_cert(ctx.get());
  const Certificate subject = about != nullptr ? Certificate::Ref(about) : leaf;
  CertificateProblem problem = CertificateProblem::kOther;
  std::string reason =
      DescribeVerifyError(error, subject, about != nullptr ? depth : 0, role, &problem);
  if (problem == CertificateProblem::kUntrustedIssuer && absl::EndsWith(reason, ")")) {
    // A CA made again under the same name (pki init run anew) reads like the trusted one.
    for (const Certificate& ca : trusted) {
      if (X509_NAME_cmp(X509_get_subject_name(ca.get()), X509_get_issuer_name(subject.get())) ==
          0) {
        reason.insert(reason.size() - 1, ": a trusted CA has that name, but another key");
        break;
      }
    }
  }
  return failed(problem, std::move(reason));
}

CertificateVerdict CheckCertificatePem(absl::string_view leaf_pem, absl::string_view chain_pem,
                                       absl::Span<const Certificate> trusted, absl::Time at,
                                       TlsRole role) {
  CertificateVerdict verdict;
  if (leaf_pem.empty()) {
    verdict.problem = CertificateProblem::kNoCertificate;
    verdict.reason = role == TlsRole::kClient ? "no client certificate" : "no server certificate";
    return verdict;
  }
  absl::StatusOr<Certificate> leaf = Certificate::FromPem(leaf_pem);
  if (!leaf.ok()) {
    verdict.problem = CertificateProblem::kUnreadable;
    verdict.reason = absl::StrCat("the certificate does not parse: ", leaf.status().message());
    return verdict;
  }
  std::vector<Certificate> chain;
  if (!chain_pem.empty()) {
    absl::StatusOr<std::vector<Certificate>> parsed = CertificatesFromPem(chain_pem);
    if (parsed.ok()) {
      chain = *std::move(parsed);
    }
    // A chain that does not parse adds nothing: the leaf must then chain to a CA by itself.
  }
  return CheckCertificate(*leaf, chain, trusted, at, role);
}

}  // namespace ots
