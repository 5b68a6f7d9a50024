// Backups of a node's data folder and their restore (docs/operations.md, "Backups and
// restores"). A backup is a RocksDB checkpoint: a consistent copy taken while the node runs. A
// restored folder is marked (kRestoredMeta) so that nothing signs in it before its node has
// taken back from its peers whatever its state signed after the backup.
#ifndef OTS_NODE_STORE_BACKUP_H_
#define OTS_NODE_STORE_BACKUP_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/store/store.h"

namespace ots {

struct BackupInfo {
  std::map<std::string, uint64_t> log_sizes;  // every log in the copy, by origin
  uint64_t bytes = 0;                         // of its files
};

// Writes a consistent copy of `store` into `dir`, an absolute path that must not exist yet and
// whose parent must, then opens the copy to check it and to read its logs' sizes. On failure
// nothing is left at `dir` that could pass for a backup.
absl::StatusOr<BackupInfo> BackupStore(Store& store, const std::string& dir);

// Puts the backup in `from` into `data_dir` (absent or an empty folder; nothing else is
// overwritten): checks every block's checksum and the data format first, copies the files
// private to this user, and marks the folder restored with `note` (e.g. "backup /b/az-1 on
// 2026-11-28T01:00:00Z"). Returns what the restored folder holds.
absl::StatusOr<BackupInfo> RestoreStore(const std::string& from, const std::string& data_dir,
                                        absl::string_view note);

}  // namespace ots

#endif  // OTS_NODE_STORE_BACKUP_H_
