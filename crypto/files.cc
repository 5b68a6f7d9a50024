#include "crypto/files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ots {
namespace {

// Key files are a few hundred bytes; anything larger is not a key file.
constexpr size_t kMaxKeyFileSize = 64 * 1024;

// Closes a file descriptor on scope exit unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = fd;
  }
  // Closes now and reports close()'s result (0, or -1 with errno set).
  int Close() {
    const int rc = close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

absl::Status ErrnoError(int err, const std::string& path, absl::string_view op) {
  return absl::ErrnoToStatus(err, absl::StrCat(path, ": ", op));
}

// Writes all of `contents` to `fd`, then fsyncs it.
absl::Status WriteAll(int fd, const std::string& path, absl::string_view contents) {
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoError(errno, path, "cannot write");
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    return ErrnoError(errno, path, "cannot fsync");
  }
  return absl::OkStatus();
}

// Sets exactly `mode` (the umask may have cleared bits of it), writes all of `contents`, fsyncs
// and closes `fd`, a new file at `path`.
absl::Status FillAndClose(ScopedFd& fd, const std::string& path, absl::string_view contents,
                          mode_t mode) {
  absl::Status status;
  if (fchmod(fd.get(), mode) != 0) {
    status = ErrnoError(errno, path, "cannot chmod");
  }
  if (status.ok()) {
    status = WriteAll(fd.get(), path, contents);
  }
  if (fd.Close() != 0 && status.ok()) {
    status = ErrnoError(errno, path, "cannot close");
  }
  return status;
}

// Opens `path` for reading into `fd` and stats it into `st`: FAILED_PRECONDITION if it is not a
// regular file.
absl::Status OpenRegular(const std::string& path, ScopedFd* fd, struct stat* st) {
  fd->reset(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd->get() < 0) {
    return ErrnoError(errno, path, "cannot open");
  }
  if (fstat(fd->get(), st) != 0) {
    return ErrnoError(errno, path, "cannot stat");
  }
  if (S_ISDIR(st->st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is a folder; name a file (in it, or elsewhere)"));
  }
  if (!S_ISREG(st->st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
  }
  return absl::OkStatus();
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path, uint64_t max_bytes) {
  ScopedFd fd(-1);
  struct stat st;
  if (absl::Status s = OpenRegular(path, &fd, &st); !s.ok()) {
    return s;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return absl::OutOfRangeError(
        absl::StrCat(path, ": ", st.st_size, " bytes, more than the ", max_bytes, " allowed"));
  }
  std::string contents;
  contents.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoError(errno, path, "cannot read");
    }
    if (n == 0) {
      return contents;
    }
    if (contents.size() + static_cast<uint64_t>(n) > max_bytes) {
      return absl::OutOfRangeError(
          absl::StrCat(path, ": more than the ", max_bytes, " bytes allowed"));
    }
    contents.append(buf, static_cast<size_t>(n));
  }
}

absl::Status ReadFileInPieces(const std::string& path, size_t piece_bytes,
                              absl::FunctionRef<absl::Status(uint64_t size)> on_size,
                              absl::FunctionRef<bool(absl::string_view piece)> take) {
  ScopedFd fd(-1);
  struct stat st;
  if (absl::Status s = OpenRegular(path, &fd, &st); !s.ok()) {
    return s;
  }
  if (absl::Status s = on_size(static_cast<uint64_t>(st.st_size)); !s.ok()) {
    return s;
  }
  std::string piece(piece_bytes, '\0');
  for (;;) {
    const ssize_t n = read(fd.get(), piece.data(), piece.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoError(errno, path, "cannot read");
    }
    if (n == 0 || !take(absl::string_view(piece.data(), static_cast<size_t>(n)))) {
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path, bool private_key) {
  ScopedFd fd(-1);
  struct stat st;
  if (absl::Status s = OpenRegular(path, &fd, &st); !s.ok()) {
    return s;
  }
  const unsigned mode = static_cast<unsigned>(st.st_mode) & 07777;
  if (private_key && (mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: private key file is %s by group or others (mode %04o); run chmod 600 %s", path,
        (mode & 044) != 0 ? "readable" : "writable or executable", mode, path));
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxKeyFileSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", st.st_size, " bytes is too large for a key file"));
  }
  std::string contents;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      OPENSSL_cleanse(buf, sizeof(buf));
      OPENSSL_cleanse(contents.data(), contents.size());
      return ErrnoError(errno, path, "cannot read");
    }
    if (n == 0) {
      break;
    }
    contents.append(buf, static_cast<size_t>(n));
    if (contents.size() > kMaxKeyFileSize) {
      OPENSSL_cleanse(buf, sizeof(buf));
      OPENSSL_cleanse(contents.data(), contents.size());
      return absl::InvalidArgumentError(absl::StrCat(path, ": too large for a key file"));
    }
  }
  OPENSSL_cleanse(buf, sizeof(buf));
  return contents;
}

absl::Status WriteNewFile(const std::string& path, absl::string_view contents, mode_t mode) {
  ScopedFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (fd.get() < 0) {
    return ErrnoError(errno, path, "cannot create");
  }
  absl::Status status = FillAndClose(fd, path, contents, mode);
  if (!status.ok()) {
    // Best effort: the error being reported is the one above, not a failure to clean up.
    (void)unlink(path.c_str());
  }
  return status;
}

absl::Status WriteFileReplacing(const std::string& path, absl::string_view contents, mode_t mode) {
  std::string tmp = path + ".XXXXXX";
  ScopedFd fd(mkstemp(tmp.data()));
  if (fd.get() < 0) {
    return ErrnoError(errno, path, "cannot create a temporary file beside");
  }
  absl::Status status = FillAndClose(fd, path, contents, mode);
  if (status.ok() && rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoError(errno, path, "cannot rename into place");
  }
  if (!status.ok()) {
    // Best effort: the error being reported is the one above, not a failure to clean up.
    (void)unlink(tmp.c_str());
    return status;
  }
  // The rename itself survives a crash once the folder is synced.
  ScopedFd dir(open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0 && fsync(dir.get()) != 0) {
    return ErrnoError(errno, DirOf(path), "cannot fsync");
  }
  return absl::OkStatus();
}

absl::Status MakeDirectory(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return ErrnoError(errno, path, "cannot create the folder");
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": exists and is not a folder"));
  }
  return absl::OkStatus();
}

}  // namespace ots
