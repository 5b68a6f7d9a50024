// Tests for crypto/dsse.
#include "crypto/dsse.h"

#include <catch2/catch.hpp>

#include "crypto/bytes.h"

namespace ots {
namespace {

PrivateKey Rfc8032Test1Key() {
  absl::StatusOr<std::string> seed =
      HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  REQUIRE(seed.ok());
  absl::StatusOr<PrivateKey> key = PrivateKey::FromSeed(*seed);
  REQUIRE(key.ok());
  return *key;
}

constexpr char kType[] = "http://example.com/HelloWorld";

TEST_CASE("DSSE: PAE of the specification's example", "[dsse]") {
  // github.com/secure-systems-lab/dsse protocol.md, "Test Vectors".
  CHECK(DssePae("http://example.com/HelloWorld", "hello world") ==
        "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  CHECK(DssePae("", "") == "DSSEv1 0  0 ");
  CHECK(DssePae("t", std::string("\0\n", 2)) == std::string("DSSEv1 1 t 2 \0\n", 15));
}

TEST_CASE("DSSE: sign and verify", "[dsse]") {
  const PrivateKey key = Rfc8032Test1Key();
  absl::StatusOr<DsseEnvelope> env = DsseSign(key, kType, "hello world");
  REQUIRE(env.ok());
  CHECK(env->payload_type == kType);
  CHECK(env->payload == "hello world");
  REQUIRE(env->signatures.size() == 1);
  CHECK(env->signatures[0].keyid == key.public_key().KeyId());
  // Ed25519 is deterministic. Expected value computed independently with python3 cryptography 48:
  // Ed25519PrivateKey.from_private_bytes(seed).sign(b"DSSEv1 29 http://example.com/HelloWorld 11
  // hello world").
  CHECK(DsseToJson(*env) ==
        "{\"payload\":\"aGVsbG8gd29ybGQ=\",\"payloadType\":\"http://example.com/HelloWorld\","
        "\"signatures\":[{\"keyid\":"
        "\"21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9\",\"sig\":"
        "\"4DHX3Zn4qpBKvEj7maE8O9u9bjXEnPLLnyXVUJ2PXJR8DSLcL3QDpFvfJOj3pB/"
        "SPHsl6Jg4boxsMb6KvuYABw==\"}]}");
  CHECK(DsseVerify(*env, kType, key.public_key()).ok());
  // The signature is over the PAE, not the bare payload.
  CHECK(key.public_key().Verify(DssePae(kType, "hello world"), env->signatures[0].sig).ok());
}

TEST_CASE("DSSE: tampering is detected", "[dsse]") {
  const PrivateKey key = Rfc8032Test1Key();
  absl::StatusOr<DsseEnvelope> signed_env = DsseSign(key, kType, "hello world");
  REQUIRE(signed_env.ok());

  SECTION("payload") {
    DsseEnvelope env = *signed_env;
    env.payload = "hello World";
    absl::Status s = DsseVerify(env, kType, key.public_key());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(s.message()), Catch::Contains("does not verify"));
    env.payload = "hello world ";
    CHECK(!DsseVerify(env, kType, key.public_key()).ok());
  }
  SECTION("payload type") {
    DsseEnvelope env = *signed_env;
    absl::Status s = DsseVerify(env, "http://example.com/Other", key.public_key());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(s.message()), Catch::Contains("payload type"));
    // Same type on both sides, but not the signed one.
    env.payload_type = "http://example.com/Other";
    s = DsseVerify(env, "http://example.com/Other", key.public_key());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(s.message()), Catch::Contains("does not verify"));
  }
  SECTION("signature") {
    DsseEnvelope env = *signed_env;
    for (size_t i = 0; i < env.signatures[0].sig.size(); ++i) {
      env.signatures[0].sig[i] ^= 0x80;
      CHECK(DsseVerify(env, kType, key.public_key()).code() == absl::StatusCode::kInvalidArgument);
      env.signatures[0].sig[i] ^= 0x80;
    }
    env.signatures[0].sig.pop_back();
    CHECK(DsseVerify(env, kType, key.public_key()).code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("key id and key") {
    DsseEnvelope env = *signed_env;
    env.signatures[0].keyid = "00";
    absl::Status s = DsseVerify(env, kType, key.public_key());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(s.message()), Catch::Contains("no signature"));
    absl::StatusOr<PrivateKey> other = PrivateKey::Generate();
    REQUIRE(other.ok());
    CHECK(DsseVerify(*signed_env, kType, other->public_key()).code() ==
          absl::StatusCode::kInvalidArgument);
  }
  SECTION("no signatures") {
    DsseEnvelope env = *signed_env;
    env.signatures.clear();
    CHECK(DsseVerify(env, kType, key.public_key()).code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("a good signature among others still verifies") {
    DsseEnvelope env = *signed_env;
    DsseSignature bad = env.signatures[0];
    bad.sig[0] ^= 1;
    env.signatures.insert(env.signatures.begin(), bad);
    CHECK(DsseVerify(env, kType, key.public_key()).ok());
  }
}

TEST_CASE("DSSE: JSON form escapes strings", "[dsse]") {
  DsseEnvelope env;
  env.payload_type = "a\"b\\c\nd\x01";
  env.payload = "";
  CHECK(DsseToJson(env) ==
        "{\"payload\":\"\",\"payloadType\":\"a\\\"b\\\\c\\nd\\u0001\",\"signatures\":[]}");
  env.signatures.push_back(DsseSignature{"k1", "hello world"});
  env.signatures.push_back(DsseSignature{"k2", ""});
  CHECK(DsseToJson(env) ==
        "{\"payload\":\"\",\"payloadType\":\"a\\\"b\\\\c\\nd\\u0001\",\"signatures\":["
        "{\"keyid\":\"k1\",\"sig\":\"aGVsbG8gd29ybGQ=\"},{\"keyid\":\"k2\",\"sig\":\"\"}]}");
}

}  // namespace
}  // namespace ots
