#include "crypto/bytes.h"

#include <limits>

#include <openssl/rand.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ots {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

bool ParseCanonicalDecimal(absl::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) {
    return false;
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) {
      return false;
    }
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool IsSha256Hex(absl::string_view s) {
  if (s.size() != 64) {
    return false;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string HexEncode(absl::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (char c : data) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

absl::StatusOr<std::string> HexDecode(absl::string_view hex) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("hex string has odd length ", hex.size()));
  }
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]);
    const int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("hex string has a non-hex character at offset ", hi < 0 ? i : i + 1));
    }
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

absl::StatusOr<std::string> Base64DecodeStrict(absl::string_view b64) {
  if (b64.size() % 4 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("base64 length ", b64.size(), " is not a multiple of 4"));
  }
  size_t padding = 0;
  if (!b64.empty() && b64.back() == '=') {
    padding = (b64.size() >= 2 && b64[b64.size() - 2] == '=') ? 2 : 1;
  }
  for (size_t i = 0; i < b64.size() - padding; ++i) {
    if (!IsBase64Char(b64[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("base64 has an invalid character at offset ", i));
    }
  }
  std::string out;
  // absl's decoder is lenient (it accepts missing padding and non-zero trailing bits); the
  // checks above and the canonical re-encoding below make the accepted language exactly RFC 4648
  // §4 with padding.
  if (!absl::Base64Unescape(b64, &out) || absl::Base64Escape(out) != b64) {
    return absl::InvalidArgumentError("base64 is not canonical standard base64 with padding");
  }
  return out;
}

namespace {

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t GetBigEndian(absl::string_view in, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) {
    v = (v << 8) | static_cast<unsigned char>(in[i]);
  }
  return v;
}

}  // namespace

void PutBigEndian64(std::string* out, uint64_t v) { PutBigEndian(out, v, 8); }
uint64_t GetBigEndian64(absl::string_view in) { return GetBigEndian(in, 8); }
void PutBigEndian32(std::string* out, uint32_t v) { PutBigEndian(out, v, 4); }
uint32_t GetBigEndian32(absl::string_view in) { return static_cast<uint32_t>(GetBigEndian(in, 4)); }

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("RAND_bytes failed: the random generator is not seeded");
  }
  return out;
}

}  // namespace ots
