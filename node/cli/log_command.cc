// ots-ctl log: every entry of the origin logs, one CSV line each, from a data folder (offline)
// or from a node (over the origins that share with the caller; each entry checked against the
// node's verified log before it is listed).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "node/cli/command.h"
#include "node/cli/render.h"
#include "node/query/query.h"

namespace ots {
namespace {

// `ots-ctl log --help`; its first line is the summary in the list of commands.
constexpr char kLogHelp[] =
    "Lists every entry of the origin logs of a data folder or a node.\n"
    "One CSV line per entry: origin, index, period, revision, cells, value sum, cells root,\n"
    "created-at (when the origin signed it), key id (of the log key that signed it).\n"
    "Offline from a data folder (--data-dir), or from a node (--config) over the origins\n"
    "that share their data with the caller.\n";

struct LogFlags {
  ClientFlags client;
  std::string data_dir;
  std::string origin;
};

int RunLog(const Console& console, const LogFlags& flags) {
  DataSource source;
  if (int exit_code = OpenDataSource(console, flags.client, flags.data_dir, &source);
      exit_code != kExitOk) {
    return exit_code;
  }
  absl::StatusOr<Table> table;
  if (source.node != nullptr) {
    v1::LogRequest request;
    request.set_origin(flags.origin);
    table = source.node->Log(request);
  } else {
    std::vector<std::string> origins;
    if (!flags.origin.empty()) {
      origins.push_back(flags.origin);
    } else {
      absl::StatusOr<std::vector<std::string>> all = source.store->Origins();
      if (!all.ok()) {
        return console.Fail(all.status());
      }
      origins = *all;
    }
    absl::StatusOr<std::string> federation = FolderFederation(*source.store);
    if (!federation.ok()) {
      return console.Fail(federation.status());
    }
    OriginLogs logs(source.store.get(), *federation);
    table = LogListing(logs, origins);
  }
  if (!table.ok()) {
    return source.Fail(console, table.status());
  }
  console.out() << RenderTable(*table, TableFormat::kCsv);
  return kExitOk;
}

void AddLogFlags(CLI::App* log, LogFlags* flags) {
  CLI::Option* config = AddClientFlags(log, &flags->client, /*required=*/false);
  AddFlag(log, "--data-dir", &flags->data_dir, "DIR", "the data folder, read only (no --config)")
      ->excludes(config);
  AddFlag(log, "--origin", &flags->origin, "CC", "only this origin's log");
}

}  // namespace

void AddLogCommand(CLI::App* app, Commands* commands) {
  AddCommand<LogFlags>(app, commands, "log", kLogHelp, AddLogFlags, RunLog);
}

}  // namespace ots
