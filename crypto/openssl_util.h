// Small helpers shared by the crypto/ files that talk to OpenSSL (internal to crypto/).
#ifndef OTS_CRYPTO_OPENSSL_UTIL_H_
#define OTS_CRYPTO_OPENSSL_UTIL_H_

#include <openssl/bio.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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

}  // namespace ots

#endif  // OTS_CRYPTO_OPENSSL_UTIL_H_
