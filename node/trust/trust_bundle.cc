#include "node/trust/trust_bundle.h"

#include <algorithm>

#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "crypto/x509.h"
#include "google/protobuf/util/json_util.h"
#include "node/model/codes.h"
#include "node/model/envelope.h"
#include "proto/data.pb.h"

namespace ots {
namespace {

// Each key of the bundle is used once: a witness key listed for two members would count as two
// independent witnesses, a log key also listed as a witness key would let an origin witness itself.
absl::Status CheckKeys(const v1::Member& m, absl::string_view field,
                       const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>& keys,
                       std::set<std::string>* seen) {
  for (int i = 0; i < keys.size(); ++i) {
    if (keys[i].ed25519().size() != kEd25519PublicKeySize) {
      return absl::InvalidArgumentError(
          absl::StrCat("member ", m.code(), ": ", field, "[", i, "] is not a 32-byte Ed25519 key"));
    }
    if (!seen->insert(keys[i].ed25519()).second) {
      return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": ", field, "[", i,
                                                     "] is a key the bundle already lists"));
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
  std::set<std::string> keys;
  std::map<std::string, std::string> endpoints;  // lower-case endpoint -> member
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
    if (!m.revoked_at().empty()) {
      absl::Time revoked;
      std::string err;
      if (!absl::ParseTime(absl::RFC3339_full, m.revoked_at(), &revoked, &err)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "member ", m.code(), ": revoked_at \"", m.revoked_at(), "\" is not an RFC 3339 time"));
      }
    }
    const bool revoked = !m.revoked_at().empty();
    if (m.endpoint().empty() && !revoked) {
      return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": no endpoint"));
    }
    // Two members at one address: the second node could not listen, and every peer would take
    // one for the other.
    if (!revoked) {
      const std::string endpoint = absl::AsciiStrToLower(m.endpoint());
      auto [it, fresh] = endpoints.emplace(endpoint, m.code());
      if (!fresh) {
        return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": endpoint ",
                                                       m.endpoint(), " is already member ",
                                                       it->second, "'s"));
      }
    }
    bool has_node = false;
    for (const v1::TlsIdentity& id : m.tls_identities()) {
      if (!IsSha256Hex(id.spki_sha256())) {
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
    for (int i = 0; i < m.tls_ca_certificates_size(); ++i) {
      absl::StatusOr<std::vector<Certificate>> cas = CertificatesFromPem(m.tls_ca_certificates(i));
      if (!cas.ok() || cas->empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "member ", m.code(), ": tls_ca_certificates[", i, "] is not a PEM certificate"));
      }
      for (const Certificate& ca : *cas) {
        if (!ca.IsCa()) {
          return absl::InvalidArgumentError(
              absl::StrCat("member ", m.code(), ": tls_ca_certificates[", i, "] (", ca.Subject(),
                           ") is not a CA certificate"));
        }
      }
    }
    if (!has_node && !revoked) {
      return absl::InvalidArgumentError(
          absl::StrCat("member ", m.code(), ": no NODE TLS identity"));
    }
    // A state signs its returns; the Secretariat signs none and needs no log key.
    if (!secretariat && m.log_keys().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("member ", m.code(), ": no log key"));
    }
    OTS_RETURN_IF_ERROR(CheckKeys(m, "log_keys", m.log_keys(), &keys));
    OTS_RETURN_IF_ERROR(CheckKeys(m, "witness_keys", m.witness_keys(), &keys));
    OTS_RETURN_IF_ERROR(CheckKeys(m, "release_keys", m.release_keys(), &keys));
    if (!secretariat && !m.release_keys().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("member ", m.code(), ": release_keys are the Secretariat's only"));
    }
  }
  for (const v1::Member& m : bundle.members()) {
    for (const std::string& to : m.share_with()) {
      if (codes.count(to) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("member ", m.code(), ": share_with names unknown member \"", to, "\""));
      }
    }
    for (const std::string& to : m.confidential_with()) {
      if (codes.count(to) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "member ", m.code(), ": confidential_with names unknown member \"", to, "\""));
      }
      if (to != m.code() &&
          std::find(m.share_with().begin(), m.share_with().end(), to) == m.share_with().end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("member ", m.code(), ": confidential_with names ", to,
                         ", which share_with does not: confidential cells go only to members "
                         "that receive the data"));
      }
    }
  }
  for (int i = 0; i < bundle.statistics().schedules_size(); ++i) {
    const v1::ReportingSchedule& s = bundle.statistics().schedules(i);
    const std::string where = absl::StrCat("trust bundle: statistics.schedules[", i, "]");
    if (s.dataflow().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": no dataflow"));
    }
    // A year, quarter or month: a day has no calendar.
    if (!IsTimePeriod(s.first_period()) || s.first_period().size() == 10) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": first_period \"", s.first_period(),
                       "\" is not a year, quarter or month (2020, 2020-Q1, 2020-01)"));
    }
    for (const std::string& r : s.reporters()) {
      if (codes.count(r) == 0 || r == kSecretariatCode) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": reporter \"", r, "\" is not a state of the bundle"));
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

absl::string_view KeyUseName(KeyUse use) { return use == KeyUse::kLog ? "log key" : "witness key"; }

const v1::PublicKeyEntry* FindKey(const v1::TrustBundle& bundle, absl::string_view member,
                                  KeyUse use, absl::string_view raw) {
  for (const v1::Member& m : bundle.members()) {
    if (m.code() != member) {
      continue;
    }
    for (const v1::PublicKeyEntry& k : use == KeyUse::kLog ? m.log_keys() : m.witness_keys()) {
      if (k.ed25519() == raw) {
        return &k;
      }
    }
  }
  return nullptr;
}

absl::Status CheckKeyValidAt(const v1::PublicKeyEntry& entry, absl::string_view time) {
  auto parse = [](absl::string_view text, absl::string_view what) -> absl::StatusOr<absl::Time> {
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " \"", text, "\" is not an RFC 3339 time: ", err));
    }
    return t;
  };
  OTS_ASSIGN_OR_RETURN(absl::Time at, parse(time, "time"));
  if (!entry.valid_from().empty()) {
    OTS_ASSIGN_OR_RETURN(absl::Time from, parse(entry.valid_from(), "valid_from"));
    if (at < from) {
      return absl::FailedPreconditionError(
          absl::StrCat(time, " is before the key's valid_from ", entry.valid_from()));
    }
  }
  if (!entry.valid_until().empty()) {
    OTS_ASSIGN_OR_RETURN(absl::Time until, parse(entry.valid_until(), "valid_until"));
    if (at > until) {
      return absl::FailedPreconditionError(
          absl::StrCat(time, " is after the key's valid_until ", entry.valid_until()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TrustAnchor> LoadTrustAnchor(const std::string& bundle_file,
                                            const std::string& key_file,
                                            absl::string_view pinned_key_id) {
  OTS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::LoadPemFile(key_file));
  if (!pinned_key_id.empty() && key.KeyId() != pinned_key_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        key_file, ": bundle key ", key.KeyId(), " is not the pinned bundle key ", pinned_key_id));
  }
  TrustAnchor anchor;
  OTS_ASSIGN_OR_RETURN(anchor.signed_bundle, ReadFile(bundle_file));
  OTS_ASSIGN_OR_RETURN(anchor.bundle, VerifyTrustBundle(bundle_file, anchor.signed_bundle, key));
  anchor.bundle_key_pem = key.ToPem();
  anchor.bundle_key_id = key.KeyId();
  return anchor;
}

}  // namespace ots
