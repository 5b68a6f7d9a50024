// Signing, verifying and checking the federation's trust bundle (proto/bundle.proto).
//
// On disk and on the wire the bundle is a DSSE envelope in its standard JSON form, payload type
// kTrustBundlePayloadType, payload the serialized TrustBundle, signed by the federation's bundle
// key. The signature is checked before the payload is parsed.
#ifndef OTS_NODE_TRUST_TRUST_BUNDLE_H_
#define OTS_NODE_TRUST_TRUST_BUNDLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ed25519.h"
#include "node/model/codes.h"
#include "node/model/envelope.h"
#include "proto/bundle.pb.h"

namespace ots {

// Checks that `bundle` is usable: a federation name and version; member codes unique, each a
// federation state (AZ KZ KG TR UZ HU TM) with role MEMBER or OBSERVER, or "OTS" with role
// SECRETARIAT; every member with an endpoint and at least one NODE identity, every state with a log
// key; keys
// of 32 bytes; fingerprints of 64 hex digits used by one member only; share_with naming known
// members. INVALID_ARGUMENT naming the member and field otherwise.
absl::Status ValidateTrustBundle(const v1::TrustBundle& bundle);

// Validates `bundle`, serializes it once and signs it with `federation_key`. Returns the DSSE
// JSON text (with a final newline).
absl::StatusOr<std::string> SignTrustBundle(const v1::TrustBundle& bundle,
                                            const PrivateKey& federation_key);

// Parses the DSSE JSON `text` read from `file_name` (named in every message), verifies its
// signature with `federation_key`, then parses and validates the bundle. INVALID_ARGUMENT if
// the text is not an envelope, PERMISSION_DENIED if the signature does not verify.
absl::StatusOr<v1::TrustBundle> VerifyTrustBundle(absl::string_view file_name,
                                                  absl::string_view text,
                                                  const PublicKey& federation_key);

// What a member's key is for: signing its log (log_keys) or cosigning others' (witness_keys).
enum class KeyUse { kLog, kWitness };
// "log key", "witness key".
absl::string_view KeyUseName(KeyUse use);

// The entry of `member`'s `use` keys in `bundle` whose key is `raw` (32 bytes), or nullptr.
const v1::PublicKeyEntry* FindKey(const v1::TrustBundle& bundle, absl::string_view member,
                                  KeyUse use, absl::string_view raw);
inline const v1::PublicKeyEntry* FindLogKey(const v1::TrustBundle& bundle, absl::string_view origin,
                                            absl::string_view raw) {
  return FindKey(bundle, origin, KeyUse::kLog, raw);
}
// OK if `time` (RFC 3339) lies within `entry`'s validity (valid_from, valid_until; an unset end
// is open). FAILED_PRECONDITION naming the dates otherwise; INVALID_ARGUMENT for a time or date
// that is not RFC 3339.
absl::Status CheckKeyValidAt(const v1::PublicKeyEntry& entry, absl::string_view time);

// The federation's trust as a process holds it: the signed bundle exactly as read, the key that
// signed it, and the bundle it verified to. Everything else a node, client or auditor trusts is
// checked against this.
struct TrustAnchor {
  std::string signed_bundle;  // the DSSE JSON, verbatim
  std::string bundle_key_pem;
  std::string bundle_key_id;  // PublicKey::KeyId() of the bundle key
  v1::TrustBundle bundle;
};

// Reads the bundle key from `key_file` and the signed bundle from `bundle_file`, and verifies the
// one with the other (VerifyTrustBundle). If `pinned_key_id` is not empty the key must have that
// key id: PERMISSION_DENIED naming both otherwise. Errors name the file.
absl::StatusOr<TrustAnchor> LoadTrustAnchor(const std::string& bundle_file,
                                            const std::string& key_file,
                                            absl::string_view pinned_key_id = "");

}  // namespace ots

#endif  // OTS_NODE_TRUST_TRUST_BUNDLE_H_
