// SHA-256 over byte strings (OpenSSL one-shot EVP_Digest).
//
// OpenSSL's SHA-256 fails only when it cannot allocate memory; like a failed operator new, that
// ends the process (with a message on stderr) rather than returning an error.
#ifndef OTS_CRYPTO_SHA256_H_
#define OTS_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace ots {

// A SHA-256 digest. Value type; compare with ==.
using Hash = std::array<uint8_t, 32>;

Hash Sha256(absl::string_view data);
// SHA-256 of the concatenation of `a` and `b` (no copy of the inputs).
Hash Sha256Concat(absl::string_view a, absl::string_view b);

// The digest's 32 bytes as a string.
std::string HashBytes(const Hash& h);
// False (and *out untouched) unless `bytes` is exactly 32 bytes.
bool HashFromBytes(absl::string_view bytes, Hash* out);

}  // namespace ots

#endif  // OTS_CRYPTO_SHA256_H_
