// Ed25519 keys and signatures, through OpenSSL 3 EVP one-shot DigestSign/DigestVerify with a
// NULL digest (RFC 8032 pure Ed25519).
//
// Keys are immutable value-like handles; a const key may be used from many threads at once.
#ifndef OTS_CRYPTO_ED25519_H_
#define OTS_CRYPTO_ED25519_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace ots {

constexpr size_t kEd25519PublicKeySize = 32;
constexpr size_t kEd25519SignatureSize = 64;

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::shared_ptr<EVP_PKEY>;

class PublicKey {
 public:
  // From the 32 raw key bytes. INVALID_ARGUMENT on a wrong length.
  static absl::StatusOr<PublicKey> FromRaw(absl::string_view raw);
  // From a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block. INVALID_ARGUMENT if it is not an
  // Ed25519 public key.
  static absl::StatusOr<PublicKey> FromPem(absl::string_view pem);
  // Reads FromPem from `path`; errors name the path.
  static absl::StatusOr<PublicKey> LoadPemFile(const std::string& path);

  // The 32 raw bytes.
  const std::string& raw() const { return raw_; }
  std::string ToPem() const;
  // Lower-case hex SHA-256 of the raw key: the key id used in DSSE envelopes and headers.
  std::string KeyId() const;

  // OK if `signature` is a valid signature of `message`; INVALID_ARGUMENT otherwise
  // ("signature does not verify").
  absl::Status Verify(absl::string_view message, absl::string_view signature) const;

 private:
  PublicKey(EvpPkeyPtr key, std::string raw) : key_(std::move(key)), raw_(std::move(raw)) {}
  EvpPkeyPtr key_;
  std::string raw_;
};

class PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static absl::StatusOr<PrivateKey> Generate();
  // From the 32-byte RFC 8032 seed (used by test vectors).
  static absl::StatusOr<PrivateKey> FromSeed(absl::string_view seed);
  // From a PEM "PRIVATE KEY" (PKCS#8) block.
  static absl::StatusOr<PrivateKey> FromPem(absl::string_view pem);
  // Reads FromPem from `path`. FAILED_PRECONDITION, naming the file and its mode, if the file
  // is readable, writable or executable by group or others, or is not a regular file. Encrypted
  // keys are refused (INVALID_ARGUMENT), never prompted for. Every error names the path.
  static absl::StatusOr<PrivateKey> LoadPemFile(const std::string& path);

  // PKCS#8 PEM of the private key ("" only if OpenSSL fails to encode it).
  std::string ToPem() const;
  // Writes ToPem() to `path`, created with mode 0600 regardless of the umask. ALREADY_EXISTS if
  // the file exists (it is never overwritten); other errors name the path and remove a partly
  // written file.
  absl::Status SavePemFile(const std::string& path) const;

  const PublicKey& public_key() const { return public_key_; }

  // The 64-byte signature of `message`.
  absl::StatusOr<std::string> Sign(absl::string_view message) const;

 private:
  PrivateKey(EvpPkeyPtr key, PublicKey pub) : key_(std::move(key)), public_key_(std::move(pub)) {}
  EvpPkeyPtr key_;
  PublicKey public_key_;
};

// Writes `contents` to `path` with mode 0644 (regardless of the umask). ALREADY_EXISTS if the
// file exists. For public keys.
absl::Status WritePublicFile(const std::string& path, absl::string_view contents);

}  // namespace ots

#endif  // OTS_CRYPTO_ED25519_H_
