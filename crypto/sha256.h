// SHA-256 over byte strings (OpenSSL EVP, SHA-256 fetched once from the default provider).
//
// OpenSSL's SHA-256 fails only when it cannot allocate memory; like a failed operator new, that
// ends the process (with a message on stderr) rather than returning an error.
#ifndef OTS_CRYPTO_SHA256_H_
#define OTS_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace ots {

// A SHA-256 digest. Value type; compare with ==.
using Hash = std::array<uint8_t, 32>;

Hash Sha256(absl::string_view data);
// SHA-256 of the concatenation of `a` and `b` (no copy of the inputs).
Hash Sha256Concat(absl::string_view a, absl::string_view b);

// Hashes many short inputs through one OpenSSL context, with no allocation per hash: for Merkle
// trees of a million leaves. Not thread-safe; use one per thread.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // SHA-256 of a || b || c.
  Hash Digest(absl::string_view a, absl::string_view b = {}, absl::string_view c = {});

 private:
  evp_md_ctx_st* ctx_;
};

// The digest's 32 bytes as a string.
std::string HashBytes(const Hash& h);
// False (and *out untouched) unless `bytes` is exactly 32 bytes.
bool HashFromBytes(absl::string_view bytes, Hash* out);

}  // namespace ots

#endif  // OTS_CRYPTO_SHA256_H_
