// Tests for crypto/ed25519: RFC 8032 vectors, PEM encoding and key files.
#include "crypto/ed25519.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "crypto/bytes.h"
#include "crypto/sha256.h"
#include "tests/fakes/key_files.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

std::string Unhex(absl::string_view hex) {
  absl::StatusOr<std::string> bytes = HexDecode(hex);
  REQUIRE(bytes.ok());
  return *bytes;
}

// RFC 8032 §7.1 test vectors TEST 1 and TEST 2 (SECRET KEY is the 32-byte seed).
struct Rfc8032Vector {
  const char* name;
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};
const Rfc8032Vector kRfc8032[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

void WriteFile(const std::string& path, const std::string& contents, unsigned mode) {
  {
    std::ofstream out(path, std::ios::binary);
    out << contents;
    REQUIRE(out.good());
  }
  REQUIRE(chmod(path.c_str(), mode) == 0);
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

// PEM encodings of a non-Ed25519 key of OpenSSL algorithm `algorithm`, made with OpenSSL.
struct OtherKeyPem {
  std::string private_pem;
  std::string public_pem;
};
OtherKeyPem MakeOtherKey(const char* algorithm) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm));
  REQUIRE(key != nullptr);
  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(len));
  };
  OtherKeyPem out;
  std::unique_ptr<BIO, BioFree> priv(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr) == 1);
  out.private_pem = to_string(priv.get());
  std::unique_ptr<BIO, BioFree> pub(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PUBKEY(pub.get(), key.get()) == 1);
  out.public_pem = to_string(pub.get());
  return out;
}

TEST_CASE("Ed25519: RFC 8032 section 7.1 test vectors", "[ed25519]") {
  for (const Rfc8032Vector& v : kRfc8032) {
    INFO(v.name);
    absl::StatusOr<PrivateKey> key = PrivateKey::FromSeed(Unhex(v.seed));
    REQUIRE(key.ok());
    CHECK(HexEncode(key->public_key().raw()) == v.public_key);
    const std::string message = Unhex(v.message);
    absl::StatusOr<std::string> sig = key->Sign(message);
    REQUIRE(sig.ok());
    CHECK(HexEncode(*sig) == v.signature);

    absl::StatusOr<PublicKey> pub = PublicKey::FromRaw(Unhex(v.public_key));
    REQUIRE(pub.ok());
    CHECK(pub->Verify(message, Unhex(v.signature)).ok());
    CHECK(pub->Verify(message + "x", Unhex(v.signature)).code() ==
          absl::StatusCode::kInvalidArgument);
    std::string bad = Unhex(v.signature);
    for (size_t i = 0; i < bad.size(); ++i) {
      bad[i] ^= 0x01;
      CHECK(!pub->Verify(message, bad).ok());
      bad[i] ^= 0x01;
    }
    CHECK(pub->Verify(message, bad.substr(1)).code() == absl::StatusCode::kInvalidArgument);
    CHECK(pub->Verify(message, bad + "x").code() == absl::StatusCode::kInvalidArgument);
    CHECK(pub->Verify(message, "").code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Ed25519: key id is the hex SHA-256 of the raw public key", "[ed25519]") {
  absl::StatusOr<PublicKey> pub = PublicKey::FromRaw(Unhex(kRfc8032[0].public_key));
  REQUIRE(pub.ok());
  // python3: hashlib.sha256(bytes.fromhex("d75a9801...511a")).hexdigest()
  CHECK(pub->KeyId() == "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9");
}

TEST_CASE("Ed25519: wrong sizes are rejected", "[ed25519]") {
  CHECK(PrivateKey::FromSeed(std::string(31, 'x')).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(PrivateKey::FromSeed(std::string(33, 'x')).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(PublicKey::FromRaw(std::string(31, 'x')).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(PublicKey::FromRaw("").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Ed25519: generated keys sign and verify", "[ed25519]") {
  absl::StatusOr<PrivateKey> a = PrivateKey::Generate();
  absl::StatusOr<PrivateKey> b = PrivateKey::Generate();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->public_key().raw() != b->public_key().raw());
  CHECK(a->public_key().raw().size() == kEd25519PublicKeySize);
  absl::StatusOr<std::string> sig = a->Sign("message");
  REQUIRE(sig.ok());
  CHECK(sig->size() == kEd25519SignatureSize);
  CHECK(a->public_key().Verify("message", *sig).ok());
  CHECK(b->public_key().Verify("message", *sig).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Ed25519: PEM round trips", "[ed25519][pem]") {
  absl::StatusOr<PrivateKey> key = PrivateKey::FromSeed(Unhex(kRfc8032[1].seed));
  REQUIRE(key.ok());

  const std::string priv_pem = key->ToPem();
  CHECK(absl::string_view(priv_pem).substr(0, 28) == "-----BEGIN PRIVATE KEY-----\n");
  absl::StatusOr<PrivateKey> back = PrivateKey::FromPem(priv_pem);
  REQUIRE(back.ok());
  CHECK(back->public_key().raw() == key->public_key().raw());
  CHECK(back->ToPem() == priv_pem);
  absl::StatusOr<std::string> sig = back->Sign(Unhex(kRfc8032[1].message));
  REQUIRE(sig.ok());
  CHECK(HexEncode(*sig) == kRfc8032[1].signature);

  const std::string pub_pem = key->public_key().ToPem();
  CHECK(absl::string_view(pub_pem).substr(0, 27) == "-----BEGIN PUBLIC KEY-----\n");
  absl::StatusOr<PublicKey> pub = PublicKey::FromPem(pub_pem);
  REQUIRE(pub.ok());
  CHECK(HexEncode(pub->raw()) == kRfc8032[1].public_key);
  CHECK(pub->ToPem() == pub_pem);
  CHECK(pub->KeyId() == key->public_key().KeyId());
}

TEST_CASE("Ed25519: PEM of the wrong kind or type is rejected", "[ed25519][pem]") {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  REQUIRE(key.ok());
  // A public key where a private one is expected and vice versa.
  CHECK(PrivateKey::FromPem(key->public_key().ToPem()).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(PublicKey::FromPem(key->ToPem()).status().code() == absl::StatusCode::kInvalidArgument);
  // Garbage and empty input.
  for (const char* bad :
       {"", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}) {
    INFO(bad);
    CHECK(PrivateKey::FromPem(bad).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(PublicKey::FromPem(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }
  // Keys of other algorithms.
  for (const char* algorithm : {"X25519", "ED448"}) {
    INFO(algorithm);
    const OtherKeyPem other = MakeOtherKey(algorithm);
    absl::StatusOr<PrivateKey> priv = PrivateKey::FromPem(other.private_pem);
    CHECK(priv.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(priv.status().message()), Catch::Contains("not an Ed25519 key"));
    absl::StatusOr<PublicKey> pub = PublicKey::FromPem(other.public_pem);
    CHECK(pub.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(pub.status().message()), Catch::Contains("not an Ed25519 key"));
  }
}

TEST_CASE("Ed25519: an encrypted private key fails without prompting", "[ed25519][pem]") {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  REQUIRE(key.ok());
  const std::string pem = key->ToPem();
  std::unique_ptr<BIO, BioFree> src(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      PEM_read_bio_PrivateKey(src.get(), nullptr, nullptr, nullptr));
  REQUIRE(pkey != nullptr);
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  char pass[] = "secret";
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(out.get(), pkey.get(), EVP_aes_256_cbc(), pass,
                                        sizeof(pass) - 1, nullptr, nullptr) == 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  const std::string encrypted(data, static_cast<size_t>(len));
  CHECK(PrivateKey::FromPem(encrypted).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Ed25519: private key files", "[ed25519][files]") {
  TempDir dir;
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  REQUIRE(key.ok());
  const std::string path = dir.File("log.key");
  CheckPrivateKeyFile<PrivateKey>(*key, path, PrivateKey::LoadPemFile,
                                  [](const PrivateKey& a, const PrivateKey& b) {
                                    return a.public_key().raw() == b.public_key().raw();
                                  });

  SECTION("a key readable by others is refused, naming the file and its mode") {
    REQUIRE(chmod(path.c_str(), 0644) == 0);
    absl::StatusOr<PrivateKey> refused = PrivateKey::LoadPemFile(path);
    CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(refused.status().message() ==
          path + ": private key file is readable by group or others (mode 0644); run chmod 600 " +
              path);
  }
  SECTION("any group or other bit is refused") {
    for (unsigned mode : {0640u, 0604u, 0620u, 0602u, 0610u, 0601u, 0660u, 0666u}) {
      INFO("mode " << std::oct << mode);
      REQUIRE(chmod(path.c_str(), mode) == 0);
      absl::StatusOr<PrivateKey> refused = PrivateKey::LoadPemFile(path);
      CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
      CHECK_THAT(std::string(refused.status().message()), Catch::StartsWith(path + ": "));
    }
  }
  SECTION("owner-only modes are accepted") {
    REQUIRE(chmod(path.c_str(), 0400) == 0);
    CHECK(PrivateKey::LoadPemFile(path).ok());
  }
  SECTION("a missing file is reported by name") {
    const std::string missing = dir.File("missing.key");
    absl::StatusOr<PrivateKey> r = PrivateKey::LoadPemFile(missing);
    CHECK(r.status().code() == absl::StatusCode::kNotFound);
    CHECK_THAT(std::string(r.status().message()), Catch::StartsWith(missing + ": "));
  }
  SECTION("a file that is not a key is reported by name") {
    const std::string junk = dir.File("junk.key");
    WriteFile(junk, "not a key\n", 0600);
    absl::StatusOr<PrivateKey> r = PrivateKey::LoadPemFile(junk);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()), Catch::StartsWith(junk + ": "));
  }
  SECTION("a key of another type is reported by name") {
    const std::string x25519 = dir.File("x25519.key");
    WriteFile(x25519, MakeOtherKey("X25519").private_pem, 0600);
    absl::StatusOr<PrivateKey> r = PrivateKey::LoadPemFile(x25519);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()), Catch::StartsWith(x25519 + ": "));
    CHECK_THAT(std::string(r.status().message()), Catch::Contains("not an Ed25519 key"));
  }
  SECTION("a directory is not a key file") {
    const std::string sub = dir.File("sub");
    REQUIRE(mkdir(sub.c_str(), 0700) == 0);
    CHECK(PrivateKey::LoadPemFile(sub).status().code() == absl::StatusCode::kFailedPrecondition);
  }
}

TEST_CASE("Ed25519: saving beats the umask", "[ed25519][files]") {
  TempDir dir;
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  REQUIRE(key.ok());
  const mode_t old = umask(0);
  const absl::Status saved = key->SavePemFile(dir.File("k"));
  const absl::Status pub_saved = WritePublicFile(dir.File("k.pub"), key->public_key().ToPem());
  umask(old);
  REQUIRE(saved.ok());
  REQUIRE(pub_saved.ok());
  CHECK(FileMode(dir.File("k")) == 0600);
  CHECK(FileMode(dir.File("k.pub")) == 0644);
}

TEST_CASE("Ed25519: public key files", "[ed25519][files]") {
  TempDir dir;
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  REQUIRE(key.ok());
  const std::string path = dir.File("log.pub");
  REQUIRE(WritePublicFile(path, key->public_key().ToPem()).ok());
  CHECK(FileMode(path) == 0644);
  absl::StatusOr<PublicKey> pub = PublicKey::LoadPemFile(path);
  REQUIRE(pub.ok());
  CHECK(pub->raw() == key->public_key().raw());

  absl::Status again = WritePublicFile(path, "x");
  CHECK(again.code() == absl::StatusCode::kAlreadyExists);
  CHECK_THAT(std::string(again.message()), Catch::Contains(path));

  const std::string wrong = dir.File("wrong.pub");
  REQUIRE(WritePublicFile(wrong, MakeOtherKey("X25519").public_pem).ok());
  absl::StatusOr<PublicKey> r = PublicKey::LoadPemFile(wrong);
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(r.status().message()), Catch::StartsWith(wrong + ": "));

  const std::string missing = dir.File("missing.pub");
  absl::StatusOr<PublicKey> m = PublicKey::LoadPemFile(missing);
  CHECK(m.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(m.status().message()), Catch::StartsWith(missing + ": "));
}

}  // namespace
}  // namespace ots
