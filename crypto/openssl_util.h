// Small helpers shared by the crypto/ files that talk to OpenSSL (internal to crypto/).
#ifndef OTS_CRYPTO_OPENSSL_UTIL_H_
#define OTS_CRYPTO_OPENSSL_UTIL_H_

#include <openssl/bio.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crypto/files.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace ots {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// `what`, followed by whatever OpenSSL's error queue holds (which is then empty).
absl::Status OpenSslError(absl::StatusCode code, absl::string_view what);

// A PEM passphrase callback that never prompts on a terminal: encrypted PEM fails instead.
int NoPassphrase(char* buf, int size, int rwflag, void* u);

// A read-only memory BIO over `data`, which must outlive it.
absl::StatusOr<BioPtr> MemBio(absl::string_view data);

// The contents of a memory BIO, or "" if OpenSSL failed.
std::string BioContents(BIO* bio);

// Overwrites the bytes of `s` with zeros (OPENSSL_cleanse).
void WipeString(std::string* s);

// The PKCS#8 PEM of the private key `key`, or "" if OpenSSL fails.
std::string PrivateKeyToPem(EVP_PKEY* key);
// Writes `pem`, a private key, to a new file of mode 0600 (ALREADY_EXISTS if `path` exists), then
// wipes `pem`. INTERNAL if `pem` is empty (the key could not be encoded).
absl::Status SavePrivateKeyPem(const std::string& path, std::string pem);

// Reads the key or certificate file `path` (a private key must not be readable by group or
// others) and parses it with `parse`. Errors name the path; a private key's text is wiped.
template <typename T, typename Parse>
absl::StatusOr<T> LoadPem(const std::string& path, bool private_key, Parse parse) {
  absl::StatusOr<std::string> pem = ReadKeyFile(path, private_key);
  if (!pem.ok()) {
    return pem.status();
  }
  absl::StatusOr<T> parsed = parse(*pem);
  if (private_key) {
    WipeString(&*pem);
  }
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(path, ": ", parsed.status().message()));
  }
  return parsed;
}

}  // namespace ots

#endif  // OTS_CRYPTO_OPENSSL_UTIL_H_
