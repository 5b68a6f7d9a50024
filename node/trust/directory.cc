#include "node/trust/directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ots {

std::string CallerIdentity::Describe() const {
  return absl::StrCat(member, "/", KindName(kind), "(", common_name, ")");
}

absl::string_view KindName(v1::TlsIdentity::Kind kind) {
  switch (kind) {
    case v1::TlsIdentity::NODE:
      return "node";
    case v1::TlsIdentity::OPERATOR:
      return "operator";
    case v1::TlsIdentity::AUDITOR:
      return "auditor";
    default:
      return "unknown";
  }
}

absl::string_view RoleName(v1::Role role) {
  switch (role) {
    case v1::MEMBER:
      return "member";
    case v1::OBSERVER:
      return "observer";
    case v1::SECRETARIAT:
      return "secretariat";
    default:
      return "unknown";
  }
}

namespace {

std::vector<PublicKey> ParseKeys(
    const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>& entries) {
  std::vector<PublicKey> keys;
  for (const v1::PublicKeyEntry& e : entries) {
    absl::StatusOr<PublicKey> k = PublicKey::FromRaw(e.ed25519());
    if (k.ok()) {
      keys.push_back(*std::move(k));
    }
  }
  return keys;
}

const std::vector<PublicKey>& NoKeys() {
  static const auto* kNone = new std::vector<PublicKey>();
  return *kNone;
}

}  // namespace

Directory::Directory(v1::TrustBundle bundle) : bundle_(std::move(bundle)) {
  for (int i = 0; i < bundle_.members_size(); ++i) {
    const v1::Member& m = bundle_.members(i);
    member_index_[m.code()] = i;
    log_keys_[m.code()] = ParseKeys(m.log_keys());
    witness_keys_[m.code()] = ParseKeys(m.witness_keys());
    for (const v1::TlsIdentity& id : m.tls_identities()) {
      by_spki_[id.spki_sha256()] =
          CallerIdentity{m.code(), id.kind(), id.common_name(), id.spki_sha256()};
    }
  }
}

Directory::Directory(TrustAnchor anchor) : Directory(std::move(anchor.bundle)) {
  signed_bundle_ = std::move(anchor.signed_bundle);
  bundle_key_pem_ = std::move(anchor.bundle_key_pem);
  bundle_key_id_ = std::move(anchor.bundle_key_id);
}

absl::StatusOr<CallerIdentity> Directory::Identify(absl::string_view spki_sha256) const {
  auto it = by_spki_.find(spki_sha256);
  if (it == by_spki_.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("certificate key ", spki_sha256, " is not a member identity in trust bundle ",
                     bundle_.federation(), " version ", bundle_.version()));
  }
  return it->second;
}

const v1::Member* Directory::Find(absl::string_view code) const {
  auto it = member_index_.find(code);
  return it == member_index_.end() ? nullptr : &bundle_.members(it->second);
}

const std::vector<PublicKey>& Directory::LogKeys(absl::string_view origin) const {
  auto it = log_keys_.find(origin);
  return it == log_keys_.end() ? NoKeys() : it->second;
}

const std::vector<PublicKey>& Directory::WitnessKeys(absl::string_view member) const {
  auto it = witness_keys_.find(member);
  return it == witness_keys_.end() ? NoKeys() : it->second;
}

bool Directory::MaySee(absl::string_view member, absl::string_view origin) const {
  if (member == origin) {
    return true;
  }
  const v1::Member* o = Find(origin);
  return o != nullptr &&
         std::find(o->share_with().begin(), o->share_with().end(), member) != o->share_with().end();
}

size_t Directory::WitnessQuorum(absl::string_view origin) const {
  size_t possible = 0;
  for (const v1::Member& m : bundle_.members()) {
    if (m.code() != origin && !m.witness_keys().empty() && MaySee(m.code(), origin)) {
      ++possible;
    }
  }
  return std::min<size_t>(bundle_.witness_quorum(), possible);
}

absl::Status Directory::AuthorizeSubmit(const CallerIdentity& caller,
                                        absl::string_view node_member) const {
  if (caller.kind != v1::TlsIdentity::OPERATOR) {
    return absl::PermissionDeniedError(
        absl::StrCat(caller.Describe(), " is not an operator; only operators submit"));
  }
  if (caller.member != node_member) {
    return absl::PermissionDeniedError(absl::StrCat("operator of ", caller.member,
                                                    " may not submit to the node of ", node_member,
                                                    "; each state submits to its own node"));
  }
  return absl::OkStatus();
}

absl::Status Directory::AuthorizeOperator(const CallerIdentity& caller,
                                          absl::string_view node_member,
                                          absl::string_view action) const {
  if (caller.kind != v1::TlsIdentity::OPERATOR || caller.member != node_member) {
    return absl::PermissionDeniedError(absl::StrCat(caller.Describe(), " may not ", action,
                                                    ": only the operator of ", node_member,
                                                    " may, on its own node"));
  }
  return absl::OkStatus();
}

std::function<bool(absl::string_view member)> MayWitness(const Directory& directory,
                                                         absl::string_view origin) {
  return [&directory, origin = std::string(origin)](absl::string_view member) {
    return directory.MaySee(member, origin);
  };
}

}  // namespace ots
