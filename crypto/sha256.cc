#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace ots {
namespace {

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

// OpenSSL's SHA-256 can fail only when it cannot allocate memory. Like a failed operator new, that
// is not an error a caller could act on, and these functions return plain values, so it ends the
// process with a message.
[[noreturn]] void DigestFailed() {
  std::fputs("ots: OpenSSL SHA-256 failed (out of memory?)\n", stderr);
  std::abort();
}

// SHA-256 fetched from the default provider once. EVP_sha256() would make every
// EVP_DigestInit_ex fetch it again, which costs more than hashing a short input.
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) {
    DigestFailed();
  }
  return md;
}

}  // namespace

Hash Sha256(absl::string_view data) {
  Hash out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256Md(), nullptr) != 1 ||
      len != out.size()) {
    DigestFailed();
  }
  return out;
}

Hash Sha256Concat(absl::string_view a, absl::string_view b) {
  Hash out;
  unsigned int len = 0;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    DigestFailed();
  }
  return out;
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) {
    DigestFailed();
  }
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

Hash Sha256Hasher::Digest(absl::string_view a, absl::string_view b, absl::string_view c) {
  Hash out;
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx_, Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, a.data(), a.size()) != 1 ||
      (!b.empty() && EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1) ||
      (!c.empty() && EVP_DigestUpdate(ctx_, c.data(), c.size()) != 1) ||
      EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size()) {
    DigestFailed();
  }
  return out;
}

std::string HashBytes(const Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

bool HashFromBytes(absl::string_view bytes, Hash* out) {
  if (bytes.size() != out->size()) {
    return false;
  }
  std::memcpy(out->data(), bytes.data(), out->size());
  return true;
}

}  // namespace ots
