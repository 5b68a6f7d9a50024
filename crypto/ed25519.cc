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

// An Ed25519 key from its 32 raw bytes: the public key, or the private key's seed.
absl::StatusOr<EvpPkeyPtr> RawKey(bool is_private, absl::string_view bytes) {
  const char* what = is_private ? "seed" : "public key";
  const size_t want = is_private ? kEd25519SeedSize : kEd25519PublicKeySize;
  if (bytes.size() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 ", what, " is ", bytes.size(), " bytes, want ", want));
  }
  EvpPkeyPtr key = Share(
      is_private
          ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(bytes), bytes.size())
          : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(bytes), bytes.size()));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, absl::StrCat("invalid Ed25519 ", what));
  }
  return key;
}

// An Ed25519 key from a PEM "PUBLIC KEY" or unencrypted "PRIVATE KEY" block.
absl::StatusOr<EvpPkeyPtr> PemKey(bool is_private, absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  EvpPkeyPtr key =
      Share(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr)
                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        is_private ? "not an unencrypted PEM \"PRIVATE KEY\" (PKCS#8) block"
                                   : "not a PEM \"PUBLIC KEY\" (SubjectPublicKeyInfo) block");
  }
  OTS_RETURN_IF_ERROR(CheckEd25519(key.get(), is_private ? "private key" : "public key"));
  return key;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// PublicKey

absl::StatusOr<PublicKey> PublicKey::FromRaw(absl::string_view raw) {
  OTS_ASSIGN_OR_RETURN(EvpPkeyPtr key, RawKey(/*is_private=*/false, raw));
  return PublicKey(std::move(key), std::string(raw));
}

absl::StatusOr<PublicKey> PublicKey::FromPem(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(EvpPkeyPtr key, PemKey(/*is_private=*/false, pem));
  OTS_ASSIGN_OR_RETURN(std::string raw, RawPublicKey(key.get()));
  return PublicKey(std::move(key), std::move(raw));
}

absl::StatusOr<PublicKey> PublicKey::LoadPemFile(const std::string& path) {
  return LoadPem<PublicKey>(path, /*private_key=*/false, FromPem);
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
  OTS_ASSIGN_OR_RETURN(EvpPkeyPtr key, RawKey(/*is_private=*/true, seed));
  OTS_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::move(key), std::move(pub));
}

absl::StatusOr<PrivateKey> PrivateKey::FromPem(absl::string_view pem) {
  OTS_ASSIGN_OR_RETURN(EvpPkeyPtr key, PemKey(/*is_private=*/true, pem));
  OTS_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::move(key), std::move(pub));
}

absl::StatusOr<PrivateKey> PrivateKey::LoadPemFile(const std::string& path) {
  return LoadPem<PrivateKey>(path, /*private_key=*/true, FromPem);
}

std::string PrivateKey::ToPem() const { return PrivateKeyToPem(key_.get()); }

absl::Status PrivateKey::SavePemFile(const std::string& path) const {
  return SavePrivateKeyPem(path, ToPem());
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
