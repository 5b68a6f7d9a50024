#include "node/trust/trust_bundle.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crypto/dsse.h"
#include "crypto/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "node/model/codes.h"
#include "node/model/envelope.h"
#include "proto/data.pb.h"

namespace ots {
namespace {

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) {
    return false;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

absl::Status CheckKeys(const v1::Member& m, absl::string_view field,
                       const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>& keys) {
  for (int i = 0; i < keys.size(); ++i) {
    if (keys[i].ed25519().size() != kEd25519PublicKeySize) {
      return absl::InvalidArgumentError(
          absl::StrCat("member ", m.code(), ": ", field, "[", i, "] is not a 32-byte Ed25519 key"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTrustBundle(const v1::TrustBundle& bundle) {
  if (bundle.federation().empty()) {
    return absl::InvalidArgumentError("trust bundle: federation is not set");
  }
  if (bundle.version() == 0) {
    return absl::InvalidArgumentError("trust bundle: version is not set");
  }
  std::set<std::string> codes;
  std::set<std::string> fingerprints;
  for (const v1::Member& m : bundle.members()) {
    const bool secretariat = m.code() == kSecretariatCode;
    if (secretariat ? m.role() != v1::SECRETARIAT
                    : !IsFederationState(m.code()) ||
                          (m.role() != v1::MEMBER && m.role() != v1::OBSERVER)) {
      return absl::InvalidArgumentError(
          absl::StrCat("member \"", m.code(),
                       "\": expected a state code (AZ KZ KG TR UZ HU TM) with role "
                       "MEMBER or OBSERVER, or OTS with role SECRETARIAT"));
    }
    if (!codes.insert(m.code()).second) {
      return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), " is listed twice"));
    }
    if (m.endpoint().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": no endpoint"));
    }
    bool has_node = false;
    for (const v1::TlsIdentity& id : m.tls_identities()) {
      if (!IsHex64(id.spki_sha256())) {
        return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": TLS identity \"",
                                                       id.spki_sha256(),
                                                       "\" is not 64 lower-case hex digits"));
      }
      if (id.kind() == v1::TlsIdentity::KIND_UNSPECIFIED) {
        return absl::InvalidArgumentError(
            absl::StrCat("member ", m.code(), ": TLS identity without a kind"));
      }
      if (!fingerprints.insert(id.spki_sha256()).second) {
        return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": TLS identity ",
                                                       id.spki_sha256(), " is listed twice"));
      }
      has_node |= id.kind() == v1::TlsIdentity::NODE;
    }
    if (!has_node) {
      return absl::InvalidArgumentError(
          absl::StrCat("member ", m.code(), ": no NODE TLS identity"));
    }
    // A state signs its returns; the Secretariat signs none and needs no log key.
    if (!secretariat && m.log_keys().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": no log key"));
    }
    OTS_RETURN_IF_ERROR(CheckKeys(m, "log_keys", m.log_keys()));
    OTS_RETURN_IF_ERROR(CheckKeys(m, "witness_keys", m.witness_keys()));
  }
  for (const v1::Member& m : bundle.members()) {
    for (const std::string& to : m.share_with()) {
      if (codes.count(to) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("member ", m.code(), ": share_with names unknown member \"", to, "\""));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SignTrustBundle(const v1::TrustBundle& bundle,
                                            const PrivateKey& federation_key) {
  OTS_RETURN_IF_ERROR(ValidateTrustBundle(bundle));
  std::string payload;
  if (!bundle.SerializeToString(&payload)) {
    return absl::InternalError("trust bundle: serialization failed");
  }
  OTS_ASSIGN_OR_RETURN(DsseEnvelope env,
                       DsseSign(federation_key, kTrustBundlePayloadType, payload));
  return DsseToJson(env) + "\n";
}

absl::StatusOr<v1::TrustBundle> VerifyTrustBundle(absl::string_view file_name,
                                                  absl::string_view text,
                                                  const PublicKey& federation_key) {
  v1::Envelope env;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &env, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": not a DSSE envelope in JSON: ", std::string(parsed.message())));
  }
  absl::Status verified = DsseVerify(DsseFromProto(env), kTrustBundlePayloadType, federation_key);
  if (!verified.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat(file_name, ": trust bundle signature does not verify with the federation key ",
                     federation_key.KeyId(), ": ", verified.message()));
  }
  v1::TrustBundle bundle;
  if (!bundle.ParseFromString(env.payload())) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": signed payload is not a trust bundle"));
  }
  absl::Status valid = ValidateTrustBundle(bundle);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": ", valid.message()));
  }
  return bundle;
}

}  // namespace ots
