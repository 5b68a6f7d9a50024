// Who is who in the federation, from the verified trust bundle: which member and kind of
// identity a TLS public key speaks for, and what each member may do and see (DESIGN §3–§4).
#ifndef OTS_NODE_TRUST_DIRECTORY_H_
#define OTS_NODE_TRUST_DIRECTORY_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "node/trust/trust_bundle.h"
#include "proto/bundle.pb.h"

namespace ots {

// The identity behind a client certificate.
struct CallerIdentity {
  std::string member;  // member code: AZ, ..., OTS
  v1::TlsIdentity::Kind kind = v1::TlsIdentity::KIND_UNSPECIFIED;
  std::string common_name;
  std::string spki_sha256;

  // "AZ/operator(az-operator)": for logs and messages.
  std::string Describe() const;
};

// "node", "operator", "auditor".
absl::string_view KindName(v1::TlsIdentity::Kind kind);
// "member", "observer", "secretariat".
absl::string_view RoleName(v1::Role role);

// The trust bundle a process holds now. A node replaces it when a newer version reaches it
// (Update); every call reads the version current at that moment. Thread-safe. What an accessor
// returns by reference stays valid for the directory's lifetime: replaced versions are kept (a
// federation issues a handful a year), so a caller holding a member or key list of the previous
// version reads consistent, if outdated, data.
class Directory {
 public:
  // `bundle` must have passed ValidateTrustBundle (keys that are not 32 bytes are left out).
  explicit Directory(v1::TrustBundle bundle);
  // The bundle of `anchor`, which also keeps the signed bundle and its key (for proofs, which
  // carry both).
  explicit Directory(TrustAnchor anchor);

  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  // Makes `next` the current version. It must be of the same federation, signed by the same
  // bundle key, and newer: FAILED_PRECONDITION saying which otherwise (nothing changes).
  absl::Status Update(TrustAnchor next);
  // Verifies `signed_bundle` (DSSE JSON read from `where`, named in every error) with this
  // federation's bundle key and makes it current if it is newer (Update). Returns whether it was
  // taken; false for a version not newer than the one held.
  absl::StatusOr<bool> TakeIfNewer(absl::string_view signed_bundle, absl::string_view where);

  const v1::TrustBundle& bundle() const { return current().bundle; }
  // The signed bundle (DSSE JSON) and its key, as read; empty if built from a bare bundle.
  const std::string& signed_bundle() const { return current().signed_bundle; }
  const std::string& bundle_key_pem() const { return current().bundle_key_pem; }
  const std::string& bundle_key_id() const { return current().bundle_key_id; }
  // The federation's name, the first part of every log and witness key name ("ots-mx").
  const std::string& federation() const { return current().bundle.federation(); }
  uint64_t version() const { return current().bundle.version(); }
  // Whether `code` is a member revoked in the current version.
  bool Revoked(absl::string_view code) const;

  // The identity whose public key has SHA-256 `spki_sha256` (lower-case hex). PERMISSION_DENIED
  // ("not a member identity in trust bundle version N") if the bundle lists no such key.
  absl::StatusOr<CallerIdentity> Identify(absl::string_view spki_sha256) const;

  // The member with `code`, or nullptr.
  const v1::Member* Find(absl::string_view code) const;

  // Every log key the bundle lists for `origin` (empty if it lists none, or no such member).
  // Replication, witnessing, audit and proofs all accept exactly these.
  const std::vector<PublicKey>& LogKeys(absl::string_view origin) const;
  // OK if `key` is a log key of `origin` whose validity in the current bundle holds `time` (RFC
  // 3339): what it signed then is `origin`'s. FAILED_PRECONDITION naming the key's dates
  // otherwise; INVALID_ARGUMENT for a time that is not RFC 3339. Every verifier of a log checks
  // headers this way, and checkpoints at the time of the last entry they cover.
  absl::Status CheckLogKeyAt(absl::string_view origin, const PublicKey& key,
                             absl::string_view time) const {
    return CheckKeyAt(origin, KeyUse::kLog, key, time);
  }
  // Every witness key the bundle lists for `member`.
  const std::vector<PublicKey>& WitnessKeys(absl::string_view member) const;
  // OK if `key` is a witness key of `member` valid at `time`: a cosignature it made then counts.
  absl::Status CheckWitnessKeyAt(absl::string_view member, const PublicKey& key,
                                 absl::string_view time) const {
    return CheckKeyAt(member, KeyUse::kWitness, key, time);
  }
  // Both of the above.
  absl::Status CheckKeyAt(absl::string_view member, KeyUse use, const PublicKey& key,
                          absl::string_view time) const;

  // Whether `member` may receive `origin`'s data: its own, or listed in origin's share_with.
  bool MaySee(absl::string_view member, absl::string_view origin) const;
  // Whether `member` may receive the values of `origin`'s confidential cells (their openings,
  // docs/formats.md §2a): it may see origin's data, and it is origin itself or named in origin's
  // confidential_with (empty: the Secretariat).
  bool MaySeeConfidential(absl::string_view member, absl::string_view origin) const;

  // How many distinct witnesses other than `origin` must have cosigned a checkpoint of `origin`
  // for a proof to rest on it: the bundle's witness_quorum, but never more than the members
  // other than `origin` that may see it and have a witness key (proto/bundle.proto).
  size_t WitnessQuorum(absl::string_view origin) const;

  // OK if `caller` may submit returns to the node of `node_member`: an OPERATOR identity of that
  // same member. PERMISSION_DENIED saying why otherwise.
  absl::Status AuthorizeSubmit(const CallerIdentity& caller, absl::string_view node_member) const;
  // OK if `caller` is the operator of `node_member`, who alone may `action` ("back up the data
  // folder") on its node; PERMISSION_DENIED saying who may otherwise.
  absl::Status AuthorizeOperator(const CallerIdentity& caller, absl::string_view node_member,
                                 absl::string_view action) const;

 private:
  // One version of the bundle, indexed.
  struct State {
    explicit State(TrustAnchor anchor);
    v1::TrustBundle bundle;
    std::string signed_bundle;
    std::string bundle_key_pem;
    std::string bundle_key_id;
    absl::flat_hash_map<std::string, CallerIdentity> by_spki;
    absl::flat_hash_map<std::string, std::string> revoked_spki;  // identity -> member
    absl::flat_hash_map<std::string, int> member_index;
    absl::flat_hash_map<std::string, std::vector<PublicKey>> log_keys;
    absl::flat_hash_map<std::string, std::vector<PublicKey>> witness_keys;
  };

  const State& current() const { return *current_.load(std::memory_order_acquire); }

  absl::Mutex mu_;  // serializes Update
  std::vector<std::unique_ptr<const State>> versions_ ABSL_GUARDED_BY(mu_);
  std::atomic<const State*> current_{nullptr};
};

// The key of `member` to sign with (`use`: its log or its cosignatures) at `now` among `keys`:
// of those `directory` lists for that use valid at `now`, the one valid from the latest time (a
// rotation: the new key takes over at its valid_from). FAILED_PRECONDITION naming every key and
// its dates if none is valid then.
absl::StatusOr<const PrivateKey*> ChooseKey(const Directory& directory, absl::string_view member,
                                            KeyUse use, absl::Span<const PrivateKey* const> keys,
                                            absl::Time now);

// The witness keys of each member and whether one was valid at a time, as VerifyCosignatureLines
// (node/log/checkpoint.h) takes them. `directory` must outlive the functions.
std::function<absl::Span<const PublicKey>(absl::string_view member)> WitnessKeysOf(
    const Directory& directory);
std::function<absl::Status(absl::string_view member, const PublicKey& key, absl::Time at)>
WitnessKeyValidityOf(const Directory& directory);

// Whether a member's cosignature of `origin`'s checkpoints counts: it may see the origin's log
// (a witness cosigns only what it holds). `directory` must outlive the function.
std::function<bool(absl::string_view member)> MayWitness(const Directory& directory,
                                                         absl::string_view origin);

}  // namespace ots

#endif  // OTS_NODE_TRUST_DIRECTORY_H_
