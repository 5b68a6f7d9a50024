#include "node/trust/directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/base/rfc3339.h"

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

Directory::State::State(TrustAnchor anchor)
    : bundle(std::move(anchor.bundle)),
      signed_bundle(std::move(anchor.signed_bundle)),
      bundle_key_pem(std::move(anchor.bundle_key_pem)),
      bundle_key_id(std::move(anchor.bundle_key_id)) {
  for (int i = 0; i < bundle.members_size(); ++i) {
    const v1::Member& m = bundle.members(i);
    member_index[m.code()] = i;
    log_keys[m.code()] = ParseKeys(m.log_keys());
    witness_keys[m.code()] = ParseKeys(m.witness_keys());
    for (const v1::TlsIdentity& id : m.tls_identities()) {
      if (!m.revoked_at().empty()) {
        revoked_spki[id.spki_sha256()] = m.code();
        continue;
      }
      by_spki[id.spki_sha256()] =
          CallerIdentity{m.code(), id.kind(), id.common_name(), id.spki_sha256()};
    }
  }
}

Directory::Directory(v1::TrustBundle bundle)
    : Directory(TrustAnchor{{}, {}, {}, std::move(bundle)}) {}

Directory::Directory(TrustAnchor anchor) {
  auto first = std::make_unique<const State>(std::move(anchor));
  current_.store(first.get(), std::memory_order_release);
  absl::MutexLock lock(&mu_);
  versions_.push_back(std::move(first));
}

absl::Status Directory::Update(TrustAnchor next) {
  absl::MutexLock lock(&mu_);
  const State& now = current();
  if (next.bundle.federation() != now.bundle.federation()) {
    return absl::FailedPreconditionError(absl::StrCat("trust bundle of federation ",
                                                      next.bundle.federation(), ", not ",
                                                      now.bundle.federation()));
  }
  if (next.bundle_key_id != now.bundle_key_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("trust bundle signed by key ", next.bundle_key_id,
                     ", not by the federation's bundle key ", now.bundle_key_id));
  }
  if (next.bundle.version() <= now.bundle.version()) {
    return absl::FailedPreconditionError(
        absl::StrCat("trust bundle version ", next.bundle.version(), " is not newer than version ",
                     now.bundle.version(), " held here"));
  }
  auto state = std::make_unique<const State>(std::move(next));
  current_.store(state.get(), std::memory_order_release);
  versions_.push_back(std::move(state));
  return absl::OkStatus();
}

absl::StatusOr<bool> Directory::TakeIfNewer(absl::string_view signed_bundle,
                                            absl::string_view where) {
  const std::string key_pem = bundle_key_pem();
  absl::StatusOr<PublicKey> key = PublicKey::FromPem(key_pem);
  if (!key.ok()) {
    return key.status();
  }
  absl::StatusOr<v1::TrustBundle> bundle = VerifyTrustBundle(where, signed_bundle, *key);
  if (!bundle.ok()) {
    return bundle.status();
  }
  if (bundle->version() <= version()) {
    return false;
  }
  absl::Status s =
      Update(TrustAnchor{std::string(signed_bundle), key_pem, key->KeyId(), *std::move(bundle)});
  if (!s.ok()) {
    return s;
  }
  return true;
}

bool Directory::Revoked(absl::string_view code) const {
  const v1::Member* m = Find(code);
  return m != nullptr && !m->revoked_at().empty();
}

absl::StatusOr<CallerIdentity> Directory::Identify(absl::string_view spki_sha256) const {
  const State& s = current();
  auto it = s.by_spki.find(spki_sha256);
  if (it == s.by_spki.end()) {
    auto revoked = s.revoked_spki.find(spki_sha256);
    if (revoked != s.revoked_spki.end()) {
      const v1::Member& m = s.bundle.members(s.member_index.at(revoked->second));
      return absl::PermissionDeniedError(
          absl::StrCat("certificate key ", spki_sha256, " is an identity of ", m.code(),
                       ", revoked on ", m.revoked_at(), " in trust bundle ", s.bundle.federation(),
                       " version ", s.bundle.version()));
    }
    return absl::PermissionDeniedError(
        absl::StrCat("certificate key ", spki_sha256, " is not a member identity in trust bundle ",
                     s.bundle.federation(), " version ", s.bundle.version()));
  }
  return it->second;
}

const v1::Member* Directory::Find(absl::string_view code) const {
  const State& s = current();
  auto it = s.member_index.find(code);
  return it == s.member_index.end() ? nullptr : &s.bundle.members(it->second);
}

const std::vector<PublicKey>& Directory::LogKeys(absl::string_view origin) const {
  const State& s = current();
  auto it = s.log_keys.find(origin);
  return it == s.log_keys.end() ? NoKeys() : it->second;
}

absl::Status Directory::CheckKeyAt(absl::string_view member, KeyUse use, const PublicKey& key,
                                   absl::string_view time) const {
  const v1::TrustBundle& bundle = current().bundle;
  const v1::PublicKeyEntry* entry = FindKey(bundle, member, use, key.raw());
  if (entry == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("key ", key.KeyId(), " is not a ", KeyUseName(use), " of ", member,
                     " in trust bundle version ", bundle.version()));
  }
  absl::Status valid = CheckKeyValidAt(*entry, time);
  if (!valid.ok()) {
    return absl::Status(valid.code(), absl::StrCat(valid.message(), " (trust bundle version ",
                                                   bundle.version(), ")"));
  }
  return absl::OkStatus();
}

const std::vector<PublicKey>& Directory::WitnessKeys(absl::string_view member) const {
  const State& s = current();
  auto it = s.witness_keys.find(member);
  return it == s.witness_keys.end() ? NoKeys() : it->second;
}

bool Directory::MaySee(absl::string_view member, absl::string_view origin) const {
  const v1::Member* m = Find(member);
  if (m != nullptr && !m->revoked_at().empty()) {
    return false;  // a revoked member receives nothing, not even its own log back
  }
  if (member == origin) {
    return true;
  }
  const v1::Member* o = Find(origin);
  return o != nullptr &&
         std::find(o->share_with().begin(), o->share_with().end(), member) != o->share_with().end();
}

bool Directory::MaySeeConfidential(absl::string_view member, absl::string_view origin) const {
  if (!MaySee(member, origin)) {
    return false;
  }
  if (member == origin) {
    return true;
  }
  const v1::Member* o = Find(origin);
  if (o->confidential_with().empty()) {
    const v1::Member* m = Find(member);
    return m != nullptr && m->role() == v1::SECRETARIAT;
  }
  return std::find(o->confidential_with().begin(), o->confidential_with().end(), member) !=
         o->confidential_with().end();
}

size_t Directory::WitnessQuorum(absl::string_view origin) const {
  const v1::TrustBundle& bundle = current().bundle;
  size_t possible = 0;
  for (const v1::Member& m : bundle.members()) {
    if (m.code() != origin && !m.witness_keys().empty() && MaySee(m.code(), origin)) {
      ++possible;
    }
  }
  return std::min<size_t>(bundle.witness_quorum(), possible);
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

absl::StatusOr<const PrivateKey*> ChooseKey(const Directory& directory, absl::string_view member,
                                            KeyUse use, absl::Span<const PrivateKey* const> keys,
                                            absl::Time now) {
  const std::string at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone());
  const PrivateKey* best = nullptr;
  absl::Time best_from = absl::InfinitePast();
  std::vector<std::string> held;
  for (const PrivateKey* key : keys) {
    const v1::PublicKeyEntry* entry =
        FindKey(directory.bundle(), member, use, key->public_key().raw());
    if (entry == nullptr) {
      held.push_back(absl::StrCat(key->public_key().KeyId(), " (not listed)"));
      continue;
    }
    held.push_back(absl::StrCat(key->public_key().KeyId(), " (valid ",
                                entry->valid_from().empty() ? "-" : entry->valid_from(), " to ",
                                entry->valid_until().empty() ? "-" : entry->valid_until(), ")"));
    if (!CheckKeyValidAt(*entry, at).ok()) {
      continue;
    }
    absl::Time from = absl::InfinitePast();
    std::string err;
    if (!entry->valid_from().empty() &&
        !absl::ParseTime(absl::RFC3339_full, entry->valid_from(), &from, &err)) {
      from = absl::InfinitePast();
    }
    if (best == nullptr || from > best_from) {
      best = key;
      best_from = from;
    }
  }
  if (best == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no ", KeyUseName(use), " of ", member, " held here is valid at ", at,
                     " in trust bundle version ", directory.version(), ": ",
                     absl::StrJoin(held, ", "), "; nothing was signed"));
  }
  return best;
}

std::function<absl::Span<const PublicKey>(absl::string_view member)> WitnessKeysOf(
    const Directory& directory) {
  return [&directory](absl::string_view member) {
    return absl::MakeConstSpan(directory.WitnessKeys(member));
  };
}

std::function<absl::Status(absl::string_view member, const PublicKey& key, absl::Time at)>
WitnessKeyValidityOf(const Directory& directory) {
  return [&directory](absl::string_view member, const PublicKey& key, absl::Time at) {
    return directory.CheckWitnessKeyAt(member, key, Rfc3339(at));
  };
}

std::function<bool(absl::string_view member)> MayWitness(const Directory& directory,
                                                         absl::string_view origin) {
  return [&directory, origin = std::string(origin)](absl::string_view member) {
    return directory.MaySee(member, origin);
  };
}

}  // namespace ots
