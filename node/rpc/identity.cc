#include "node/rpc/identity.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/x509.h"
#include "node/rpc/grpc_status.h"

namespace ots {
namespace {

// Properties the gate adds to the AuthContext of an identified call.
constexpr char kMemberProperty[] = "ots_member";
constexpr char kKindProperty[] = "ots_kind";
constexpr char kCommonNameProperty[] = "ots_common_name";
constexpr char kSpkiProperty[] = "ots_spki_sha256";

std::string Property(const grpc::AuthContext& auth, const char* name) {
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(name);
  return values.empty() ? "" : std::string(values[0].data(), values[0].size());
}

// How an identity the bundle does not know appears in the log.
std::string DescribeUnknown(const grpc::AuthContext& auth) {
  absl::StatusOr<std::string> spki = CertificatePemSpkiSha256Hex(Property(auth, "x509_pem_cert"));
  std::string cn = Property(auth, "x509_common_name");
  return absl::StrCat("unknown(CN=", cn.empty() ? "?" : cn,
                      ",key=", spki.ok() ? spki->substr(0, 16) : "", ")");
}

}  // namespace

absl::StatusOr<CallerIdentity> IdentifyCertificate(const grpc::AuthContext& auth,
                                                   const Directory& directory) {
  std::string pem = Property(auth, "x509_pem_cert");
  if (pem.empty()) {
    return absl::UnauthenticatedError("the call carries no client certificate");
  }
  absl::StatusOr<std::string> spki = CertificatePemSpkiSha256Hex(pem);
  if (!spki.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("client certificate does not parse: ", spki.status().message()));
  }
  return directory.Identify(*spki);
}

absl::StatusOr<CallerIdentity> CallerOf(const grpc::ServerContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  CallerIdentity caller;
  caller.member = auth == nullptr ? "" : Property(*auth, kMemberProperty);
  if (caller.member.empty()) {
    return absl::UnauthenticatedError("the call was not identified by the identity gate");
  }
  const std::string kind = Property(*auth, kKindProperty);
  for (v1::TlsIdentity::Kind k :
       {v1::TlsIdentity::NODE, v1::TlsIdentity::OPERATOR, v1::TlsIdentity::AUDITOR}) {
    if (KindName(k) == kind) {
      caller.kind = k;
    }
  }
  caller.common_name = Property(*auth, kCommonNameProperty);
  caller.spki_sha256 = Property(*auth, kSpkiProperty);
  return caller;
}

grpc::Status IdentityGate::Process(const InputMetadata& /*auth_metadata*/,
                                   grpc::AuthContext* context,
                                   OutputMetadata* /*consumed_auth_metadata*/,
                                   OutputMetadata* /*response_metadata*/) {
  absl::StatusOr<CallerIdentity> caller = IdentifyCertificate(*context, *directory_);
  if (!caller.ok()) {
    logger_->Log(LogLevel::kWarn, DescribeUnknown(*context),
                 absl::StrCat("call refused: ", caller.status().message()));
    return ToGrpcStatus(caller.status());
  }
  context->AddProperty(kMemberProperty, caller->member);
  context->AddProperty(kKindProperty, std::string(KindName(caller->kind)));
  context->AddProperty(kCommonNameProperty, caller->common_name);
  context->AddProperty(kSpkiProperty, caller->spki_sha256);
  return grpc::Status::OK;
}

}  // namespace ots
