// Dead Simple Signing Envelope (DSSE v1): the signature covers
// PAE(payloadType, payload) = "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload,
// with LEN as ASCII decimal byte counts. The payload is kept and sent verbatim.
#ifndef OTS_CRYPTO_DSSE_H_
#define OTS_CRYPTO_DSSE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ed25519.h"

namespace ots {

std::string DssePae(absl::string_view payload_type, absl::string_view payload);

struct DsseSignature {
  std::string keyid;  // PublicKey::KeyId() of the signer
  std::string sig;    // raw 64 bytes
};

struct DsseEnvelope {
  std::string payload_type;
  std::string payload;  // raw bytes, exactly as signed
  std::vector<DsseSignature> signatures;
};

// Signs PAE(payload_type, payload) with `key` and returns the envelope with that one signature.
absl::StatusOr<DsseEnvelope> DsseSign(const PrivateKey& key, absl::string_view payload_type,
                                      absl::string_view payload);

// OK if `env` has `expected_type` and a signature with `key`'s key id that verifies.
// INVALID_ARGUMENT otherwise, saying which of the two failed.
absl::Status DsseVerify(const DsseEnvelope& env, absl::string_view expected_type,
                        const PublicKey& key);

// The standard JSON form: {"payload":"<b64>","payloadType":"...","signatures":[{"keyid":"...",
// "sig":"<b64>"}]} with keys in that order and no whitespace.
std::string DsseToJson(const DsseEnvelope& env);

}  // namespace ots

#endif  // OTS_CRYPTO_DSSE_H_
