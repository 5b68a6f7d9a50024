// Files, read and written the one way the project does it (STYLE §11 for key files): reads
// bounded in size, writes that never leave a partial file behind and keep a private key private.
#ifndef OTS_CRYPTO_FILES_H_
#define OTS_CRYPTO_FILES_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ots {

// No limit on what ReadFile reads.
constexpr uint64_t kNoSizeLimit = UINT64_MAX;

// Reads a whole regular file of at most `max_bytes`. NOT_FOUND, PERMISSION_DENIED or another
// code for what the system refuses, FAILED_PRECONDITION for something that is not a regular
// file, OUT_OF_RANGE for a larger file; every message names the path.
absl::StatusOr<std::string> ReadFile(const std::string& path, uint64_t max_bytes = kNoSizeLimit);

// Reads the regular file `path` in pieces of at most `piece_bytes`: `on_size` is told the
// file's size first and may refuse it (its error is returned before a byte is read), then
// `take` gets each piece in order until the end or until it returns false, and nothing more is
// read. At most one piece is held in memory. Errors name the path.
absl::Status ReadFileInPieces(const std::string& path, size_t piece_bytes,
                              absl::FunctionRef<absl::Status(uint64_t size)> on_size,
                              absl::FunctionRef<bool(absl::string_view piece)> take);

// Reads a whole key file (at most 64 KiB). If `private_key`, FAILED_PRECONDITION naming the
// file and its mode when any group or other permission bit is set. Every error names the path.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path, bool private_key);

// Creates `path`, which must not exist (ALREADY_EXISTS otherwise), with exactly `mode` whatever
// the umask, writes `contents` and fsyncs it. On failure after creation the partial file is
// removed.
absl::Status WriteNewFile(const std::string& path, absl::string_view contents, mode_t mode);

// Writes `contents` to `path` with exactly `mode`, replacing any file there only once the new one
// is complete and synced (a temporary file in the same folder, renamed over it): a reader sees
// the old file or the new one, never a part. Errors name the path; the temporary file is removed.
absl::Status WriteFileReplacing(const std::string& path, absl::string_view contents, mode_t mode);

// Creates the folder `path` with `mode` if it does not exist. Errors name the path.
absl::Status MakeDirectory(const std::string& path, mode_t mode);

}  // namespace ots

#endif  // OTS_CRYPTO_FILES_H_
