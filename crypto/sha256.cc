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

}  // namespace

Hash Sha256(absl::string_view data) {
  Hash out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    DigestFailed();
  }
  return out;
}

Hash Sha256Concat(absl::string_view a, absl::string_view b) {
  Hash out;
  unsigned int len = 0;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
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
