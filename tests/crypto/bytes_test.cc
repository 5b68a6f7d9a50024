// Tests for crypto/bytes and crypto/sha256.
#include "crypto/bytes.h"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "crypto/sha256.h"

namespace ots {
namespace {

TEST_CASE("Hex: encoding is lower case and decoding accepts either case", "[bytes]") {
  CHECK(HexEncode("") == "");
  CHECK(HexEncode(std::string("\x00\x01\xab\xff", 4)) == "0001abff");
  absl::StatusOr<std::string> d = HexDecode("0001ABff");
  REQUIRE(d.ok());
  CHECK(*d == std::string("\x00\x01\xab\xff", 4));
  REQUIRE(HexDecode("").ok());
  CHECK(HexDecode("")->empty());
}

TEST_CASE("Hex: decode rejects odd length and non-hex characters", "[bytes]") {
  for (const char* bad : {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "+1"}) {
    INFO(bad);
    CHECK(HexDecode(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Base64: strict standard alphabet with padding", "[bytes]") {
  // RFC 4648 §10 test vectors.
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, b64] : vectors) {
    INFO(b64);
    absl::StatusOr<std::string> d = Base64DecodeStrict(b64);
    REQUIRE(d.ok());
    CHECK(*d == plain);
  }
  absl::StatusOr<std::string> d = Base64DecodeStrict("+/+/");
  REQUIRE(d.ok());
  CHECK(*d == "\xfb\xff\xbf");
}

TEST_CASE("Base64: rejects everything but canonical padded standard base64", "[bytes]") {
  for (const char* bad : {
           "Zg",        // missing padding
           "Zg=",       // short padding
           "Zm8",       // missing padding
           "Zh==",      // non-zero trailing bits
           "Zm9=",      // non-zero trailing bits
           "-_-_",      // URL-safe alphabet
           "Zm9v\n",    // whitespace
           " Zm9v",     // whitespace
           "Zm 9v",     // whitespace
           "Zg==Zg==",  // padding in the middle
           "=Zg=",      // padding first
           "====",      // only padding
           "Z===",      // too much padding
           "Zm9v!",     // bad character
       }) {
    INFO(bad);
    CHECK(Base64DecodeStrict(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

// `put` appends `value` as its big-endian `bytes`, after what is there; `get` reads it back; the
// largest value is all 0xff.
template <typename Int>
void CheckBigEndian(void (*put)(std::string*, Int), Int (*get)(absl::string_view), Int value,
                    const std::string& bytes) {
  std::string out = "x";
  put(&out, value);
  CHECK(out == "x" + bytes);
  CHECK(get(absl::string_view(out).substr(1)) == value);
  std::string max;
  put(&max, std::numeric_limits<Int>::max());
  CHECK(max == std::string(bytes.size(), '\xff'));
  CHECK(get(max) == std::numeric_limits<Int>::max());
}

TEST_CASE("Big-endian integers", "[bytes]") {
  CheckBigEndian<uint64_t>(PutBigEndian64, GetBigEndian64, 0x0102030405060708ULL,
                           std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  CheckBigEndian<uint32_t>(PutBigEndian32, GetBigEndian32, 0x01020304U,
                           std::string("\x01\x02\x03\x04", 4));
}

TEST_CASE("SHA-256 known answers", "[sha256]") {
  // FIPS 180-2 Appendix B.1 ("abc") and the empty string.
  CHECK(HexEncode(HashBytes(Sha256("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(HexEncode(HashBytes(Sha256(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Concat("ab", "c") == Sha256("abc"));
  CHECK(Sha256Concat("", "abc") == Sha256("abc"));
  CHECK(Sha256Concat("abc", "") == Sha256("abc"));
  CHECK(Sha256Concat("", "") == Sha256(""));
}

TEST_CASE("Hash bytes conversions", "[sha256]") {
  const Hash h = Sha256("abc");
  const std::string bytes = HashBytes(h);
  CHECK(bytes.size() == 32);
  Hash back{};
  REQUIRE(HashFromBytes(bytes, &back));
  CHECK(back == h);
  Hash untouched{};
  CHECK(!HashFromBytes(bytes.substr(1), &untouched));
  CHECK(!HashFromBytes(bytes + "x", &untouched));
  CHECK(untouched == Hash{});
}

}  // namespace
}  // namespace ots
