#include "crypto/openssl_util.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

#include "absl/strings/str_cat.h"

namespace ots {

absl::Status OpenSslError(absl::StatusCode code, absl::string_view what) {
  std::string detail;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    absl::StrAppend(&detail, detail.empty() ? "" : "; ", buf);
  }
  if (detail.empty()) {
    return absl::Status(code, what);
  }
  return absl::Status(code, absl::StrCat(what, " (", detail, ")"));
}

int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

absl::StatusOr<BioPtr> MemBio(absl::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("PEM input is too large");
  }
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (bio == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "BIO_new_mem_buf failed");
  }
  return bio;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) {
    return "";
  }
  return std::string(data, static_cast<size_t>(len));
}

std::string PrivateKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr || key == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

absl::Status SavePrivateKeyPem(const std::string& path, std::string pem) {
  if (pem.empty()) {
    return absl::InternalError(absl::StrCat(path, ": cannot encode the private key as PEM"));
  }
  absl::Status status = WriteNewFile(path, pem, 0600);
  WipeString(&pem);
  return status;
}

void WipeString(std::string* s) { OPENSSL_cleanse(s->data(), s->size()); }

}  // namespace ots
