#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/openssl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <climits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crypto/bytes.h"
#include "crypto/sha256.h"
#include "crypto/status_macros.h"

namespace ots {

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

namespace {

constexpr size_t kEd25519SeedSize = 32;

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

struct EvpPkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxDeleter>;

const unsigned char* Bytes(absl::string_view s) {
  // OpenSSL wants a valid pointer even for empty input.
  static constexpr unsigned char kEmpty[1] = {0};
  return s.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

EvpPkeyPtr Share(EVP_PKEY* key) { return EvpPkeyPtr(key, EvpPkeyDeleter()); }

absl::Status CheckEd25519(const EVP_PKEY* key, absl::string_view what) {
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    const char* name = EVP_PKEY_get0_type_name(key);
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is a ", name != nullptr ? name : "?", " key, not an Ed25519 key"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RawPublicKey(const EVP_PKEY* key) {
  std::string raw(kEd25519PublicKeySize, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != kEd25519PublicKeySize) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_PKEY_get_raw_public_key failed");
  }
  return raw;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// PublicKey

absl::StatusOr<PublicKey> PublicKey::FromRaw(absl::string_view raw) {
  if (raw.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 public key is ", raw.size(), " bytes, want ", kEd25519PublicKeySize));
  }
  EvpPkeyPtr key =
      Share(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(raw), raw.size()));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "invalid Ed25519 public key");
  }
  return PublicKey(std::move(key), std::string(raw));
}

absl::StatusOr<PublicKey> PublicKey::FromPem(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  EvpPkeyPtr key = Share(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not a PEM \"PUBLIC KEY\" (SubjectPublicKeyInfo) block");
  }
  OTS_RETURN_IF_ERROR(CheckEd25519(key.get(), "public key"));
  OTS_ASSIGN_OR_RETURN(std::string raw, RawPublicKey(key.get()));
  return PublicKey(std::move(key), std::move(raw));
}

absl::StatusOr<PublicKey> PublicKey::LoadPemFile(const std::string& path) {
  OTS_ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(path, /*private_key=*/false));
  absl::StatusOr<PublicKey> key = FromPem(pem);
  if (!key.ok()) {
    return absl::Status(key.status().code(), absl::StrCat(path, ": ", key.status().message()));
  }
  return key;
}

std::string PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || key_ == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

std::string PublicKey::KeyId() const { return HexEncode(HashBytes(Sha256(raw_))); }

absl::Status PublicKey::Verify(absl::string_view message, absl::string_view signature) const {
  if (key_ == nullptr) {
    return absl::FailedPreconditionError("public key is empty (moved from)");
  }
  if (signature.size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError(absl::StrCat("signature does not verify (it is ",
                                                   signature.size(), " bytes, not ",
                                                   kEd25519SignatureSize, ")"));
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestVerifyInit failed");
  }
  const int rc = EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                                  message.size());
  // A bad signature leaves an entry on the error queue; it carries nothing useful.
  ERR_clear_error();
  if (rc != 1) {
    return absl::InvalidArgumentError("signature does not verify");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// PrivateKey

namespace {

absl::StatusOr<PublicKey> PublicFromPrivate(const EVP_PKEY* key) {
  OTS_ASSIGN_OR_RETURN(std::string raw, RawPublicKey(key));
  return PublicKey::FromRaw(raw);
}

}  // namespace

absl::StatusOr<PrivateKey> PrivateKey::Generate() {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "Ed25519 key generation setup failed");
  }
  EVP_PKEY* raw_key = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw_key) != 1 || raw_key == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "Ed25519 key generation failed");
  }
  EvpPkeyPtr key = Share(raw_key);
  OTS_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::move(key), std::move(pub));
}

absl::StatusOr<PrivateKey> PrivateKey::FromSeed(absl::string_view seed) {
  if (seed.size() != kEd25519SeedSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 seed is ", seed.size(), " bytes, want ", kEd25519SeedSize));
  }
  EvpPkeyPtr key =
      Share(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_PKEY_new_raw_private_key failed");
  }
  OTS_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::move(key), std::move(pub));
}

absl::StatusOr<PrivateKey> PrivateKey::FromPem(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  EvpPkeyPtr key = Share(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not an unencrypted PEM \"PRIVATE KEY\" (PKCS#8) block");
  }
  OTS_RETURN_IF_ERROR(CheckEd25519(key.get(), "private key"));
  OTS_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::move(key), std::move(pub));
}

absl::StatusOr<PrivateKey> PrivateKey::LoadPemFile(const std::string& path) {
  OTS_ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(path, /*private_key=*/true));
  absl::StatusOr<PrivateKey> key = FromPem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key.ok()) {
    return absl::Status(key.status().code(), absl::StrCat(path, ": ", key.status().message()));
  }
  return key;
}

std::string PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr || key_ == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

absl::Status PrivateKey::SavePemFile(const std::string& path) const {
  std::string pem = ToPem();
  if (pem.empty()) {
    return absl::InternalError(absl::StrCat(path, ": cannot encode the private key as PEM"));
  }
  absl::Status status = WriteNewFile(path, pem, 0600);
  OPENSSL_cleanse(pem.data(), pem.size());
  return status;
}

absl::StatusOr<std::string> PrivateKey::Sign(absl::string_view message) const {
  if (key_ == nullptr) {
    return absl::FailedPreconditionError("private key is empty (moved from)");
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSignInit failed");
  }
  std::string sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Bytes(message),
                     message.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSign failed");
  }
  return sig;
}

absl::Status WritePublicFile(const std::string& path, absl::string_view contents) {
  return WriteNewFile(path, contents, 0644);
}

}  // namespace ots
