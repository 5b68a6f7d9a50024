// Byte-string helpers shared by every library: hex and big-endian integers.
// Base64 comes from absl/strings/escaping.h (Base64Escape / Base64Unescape).
#ifndef OTS_CRYPTO_BYTES_H_
#define OTS_CRYPTO_BYTES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ots {

// Lower-case hex of `data`.
std::string HexEncode(absl::string_view data);

// Whether `s` is 64 lower-case hex digits: the form of every SHA-256 the project prints (key
// ids, TLS fingerprints).
bool IsSha256Hex(absl::string_view s);

// Decodes hex (either case). INVALID_ARGUMENT on odd length or a non-hex character.
absl::StatusOr<std::string> HexDecode(absl::string_view hex);

// Strict standard base64 (RFC 4648 §4, with padding). INVALID_ARGUMENT on anything else.
absl::StatusOr<std::string> Base64DecodeStrict(absl::string_view b64);

// Parses a canonical ASCII decimal: digits only, no sign, no leading zero except "0", at most
// 2^64-1. False (and *out untouched) otherwise.
bool ParseCanonicalDecimal(absl::string_view s, uint64_t* out);

// `n` bytes from OpenSSL's random generator (RAND_bytes). INTERNAL if it fails.
absl::StatusOr<std::string> RandomBytes(size_t n);

// Appends `v` as 8 big-endian bytes.
void PutBigEndian64(std::string* out, uint64_t v);
// Reads 8 big-endian bytes; `in` must hold at least 8.
uint64_t GetBigEndian64(absl::string_view in);
// The same with 4 bytes.
void PutBigEndian32(std::string* out, uint32_t v);
uint32_t GetBigEndian32(absl::string_view in);

}  // namespace ots

#endif  // OTS_CRYPTO_BYTES_H_
