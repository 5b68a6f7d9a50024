// Reading and writing key files with the permissions a private key needs (STYLE §11).
#ifndef OTS_CRYPTO_KEY_FILE_H_
#define OTS_CRYPTO_KEY_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ots {

// Reads a whole key file (at most 64 KiB). If `private_key`, FAILED_PRECONDITION naming the
// file and its mode when any group or other permission bit is set. Every error names the path.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path, bool private_key);

// Creates `path`, which must not exist (ALREADY_EXISTS otherwise), with exactly `mode` whatever
// the umask, writes `contents` and fsyncs it. On failure after creation the partial file is
// removed.
absl::Status WriteNewFile(const std::string& path, absl::string_view contents, mode_t mode);

}  // namespace ots

#endif  // OTS_CRYPTO_KEY_FILE_H_
