// ots-ctl backup and ots-ctl restore: a consistent copy of a running node's data folder, and
// its return into a stopped node's folder (docs/operations.md, "Backups and restores").
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "node/cli/command.h"
#include "node/store/backup.h"
#include "node/trust/config.h"

namespace ots {
namespace {

constexpr char kBackupHelp[] =
    "A consistent copy of a running node's data folder, on the node's machine.\n"
    "The node writes a RocksDB checkpoint of its data folder into --out, a folder that must not\n"
    "exist yet (its parent must), while it goes on serving; files are hard-linked where they\n"
    "can be. Only the node's own operator may ask. Copy the folder elsewhere afterwards:\n"
    "a backup on the node's own disk does not survive that disk.\n";

constexpr char kRestoreHelp[] =
    "Puts a backup back into a stopped node's data folder.\n"
    "Checks every block of the backup, then copies it into the data folder of --config (or\n"
    "--data-dir), which must be absent or empty, and marks it restored. When the node starts,\n"
    "it signs nothing until it has asked its peers and taken back every entry of its own log\n"
    "they hold beyond the backup; nothing signs in the folder offline until then.\n";

struct BackupFlags {
  ClientFlags client;
  std::string out;
};

struct RestoreFlags {
  std::string config;
  std::string data_dir;
  std::string from;
};

void PrintLogSizes(std::ostream& out, const std::map<std::string, uint64_t>& sizes) {
  for (const auto& [origin, size] : sizes) {
    out << "  log " << origin << ": " << size << (size == 1 ? " entry" : " entries") << "\n";
  }
}

int RunBackup(const Console& console, const BackupFlags& flags) {
  if (!std::filesystem::path(flags.out).is_absolute()) {
    return console.Usage(
        absl::StrCat("--out ", flags.out, " must be an absolute path on the node's machine"));
  }
  int exit_code = kExitOk;
  std::unique_ptr<NodeClient> client = Connect(console, flags.client, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  absl::StatusOr<v1::BackupResponse> r = client->Backup(flags.out);
  if (!r.ok()) {
    return console.FailCall(r.status());
  }
  console.out() << "backup of the node at " << client->address() << " taken at " << r->taken_at()
                << " into " << r->dir() << " (" << r->bytes() << " bytes)\n";
  PrintLogSizes(console.out(),
                std::map<std::string, uint64_t>(r->log_sizes().begin(), r->log_sizes().end()));
  return kExitOk;
}

int RunRestore(const Console& console, const RestoreFlags& flags) {
  std::string data_dir = flags.data_dir;
  if (data_dir.empty()) {
    absl::StatusOr<v1::NodeConfig> config = LoadNodeConfig(flags.config);
    if (!config.ok()) {
      return console.Usage(config.status().message());
    }
    data_dir = config->data_dir();
  }
  umask(077);
  const std::string note =
      absl::StrCat("backup ", flags.from, ", restored ",
                   absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  absl::StatusOr<BackupInfo> info = RestoreStore(flags.from, data_dir, note);
  if (!info.ok()) {
    return console.Fail(info.status());
  }
  console.out() << "restored " << flags.from << " into " << data_dir << " (" << info->bytes
                << " bytes); the node takes back from its peers whatever its state signed after "
                   "the backup before it signs again\n";
  PrintLogSizes(console.out(), info->log_sizes);
  return kExitOk;
}

void AddBackupFlags(CLI::App* command, BackupFlags* flags) {
  AddClientFlags(command, &flags->client, /*required=*/true);
  AddFlag(command, "--out", &flags->out, "DIR",
          "the new folder for the copy, an absolute path on the node's machine")
      ->required();
}

void AddRestoreFlags(CLI::App* command, RestoreFlags* flags) {
  CLI::Option* config = AddFlag(command, "--config", &flags->config, "NODE.textproto",
                                "the node's configuration (its data_dir is restored)");
  CLI::Option* data_dir =
      AddFlag(command, "--data-dir", &flags->data_dir, "DIR", "the data folder to restore into");
  config->excludes(data_dir);
  command->require_option(1, 2);
  AddFlag(command, "--from", &flags->from, "DIR", "the backup (made by ots-ctl backup)")
      ->required();
}

}  // namespace

void AddBackupCommands(CLI::App* app, Commands* commands) {
  AddCommand<BackupFlags>(app, commands, "backup", kBackupHelp, AddBackupFlags, RunBackup);
  AddCommand<RestoreFlags>(app, commands, "restore", kRestoreHelp, AddRestoreFlags, RunRestore);
}

}  // namespace ots
