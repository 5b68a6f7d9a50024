#include "node/store/backup.h"

#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crypto/status_macros.h"

namespace ots {
namespace {

namespace fs = std::filesystem;

// What a data folder holds: its logs' sizes and the bytes of its files.
absl::StatusOr<BackupInfo> Describe(Store& store, const std::string& dir) {
  BackupInfo info;
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  for (const std::string& origin : origins) {
    OTS_ASSIGN_OR_RETURN(info.log_sizes[origin], store.LogSize(origin));
  }
  std::error_code error;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir, error)) {
    if (entry.is_regular_file(error)) {
      info.bytes += entry.file_size(error);
    }
  }
  if (error) {
    return absl::InternalError(absl::StrCat(dir, ": cannot list its files: ", error.message()));
  }
  return info;
}

absl::Status CheckNewFolder(const std::string& dir, absl::string_view what) {
  const fs::path path(dir);
  if (!path.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", dir,
                     " is not an absolute path (it is a path on the node's "
                     "machine)"));
  }
  std::error_code error;
  if (fs::exists(path, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat(what, " ", dir, " already exists: name a folder that does not"));
  }
  if (!fs::is_directory(path.parent_path(), error)) {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", dir, ": its parent ",
                                                      path.parent_path().string(),
                                                      " is not an existing folder"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupInfo> BackupStore(Store& store, const std::string& dir) {
  OTS_RETURN_IF_ERROR(CheckNewFolder(dir, "backup folder"));
  absl::Status made = store.Checkpoint(dir);
  if (!made.ok()) {
    // RocksDB removes what it wrote; `dir` may be somebody else's by now (another backup).
    return absl::Status(made.code(),
                        absl::StrCat("backup into ", dir, " failed: ", made.message()));
  }
  Store::Options options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<Store>> copy = Store::Open(dir, options);
  absl::StatusOr<BackupInfo> info =
      copy.ok() ? Describe(**copy, dir) : absl::StatusOr<BackupInfo>(copy.status());
  if (copy.ok()) {
    copy->reset();  // closed before any clean-up
  }
  if (!info.ok()) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);  // made by this call, and not a usable backup
    return absl::Status(info.status().code(),
                        absl::StrCat("backup into ", dir, " failed: ", info.status().message()));
  }
  chmod(dir.c_str(), 0700);
  return info;
}

namespace {

// Copies the backup `from` into the new folder `to` and marks it restored with `note`.
absl::StatusOr<BackupInfo> CopyAndMark(const std::string& from, const std::string& to,
                                       absl::string_view note) {
  std::error_code error;
  fs::create_directories(to, error);
  if (!error) {
    fs::copy(from, to, fs::copy_options::recursive, error);
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot copy ", from, " into ", to, ": ", error.message()));
  }
  // Opened for writing: the folder and its files become private to this user, and the mark says
  // that the folder may hold less of its own log than its state signed.
  Store::Options options;
  OTS_ASSIGN_OR_RETURN(std::unique_ptr<Store> restored, Store::Open(to, options));
  OTS_RETURN_IF_ERROR(restored->PutMeta(kRestoredMeta, note));
  return Describe(*restored, to);
}

}  // namespace

absl::StatusOr<BackupInfo> RestoreStore(const std::string& from, const std::string& data_dir,
                                        absl::string_view note) {
  {
    Store::Options options;
    options.read_only = true;
    absl::StatusOr<std::unique_ptr<Store>> backup = Store::Open(from, options);
    if (!backup.ok()) {
      return absl::Status(backup.status().code(),
                          absl::StrCat(from, " is not a backup this release can read: ",
                                       backup.status().message()));
    }
    OTS_RETURN_IF_ERROR((*backup)->VerifyChecksums());
  }
  std::error_code error;
  if (fs::exists(data_dir, error) && !fs::is_empty(data_dir, error)) {
    return absl::AlreadyExistsError(absl::StrCat(
        data_dir, " is not empty: move it aside first (nothing is overwritten by a restore)"));
  }
  // Copied and marked beside the data folder, then renamed into place: an interrupted restore
  // leaves no folder a node could start on unmarked.
  const std::string staging = data_dir + ".restoring";
  fs::remove_all(staging, error);
  absl::StatusOr<BackupInfo> info = CopyAndMark(from, staging, note);
  if (info.ok()) {
    fs::remove(data_dir, error);  // absent or empty
    fs::rename(staging, data_dir, error);
    if (error) {
      info = absl::InternalError(
          absl::StrCat("cannot rename ", staging, " to ", data_dir, ": ", error.message()));
    }
  }
  if (!info.ok()) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
  }
  return info;
}

}  // namespace ots
