// ots-ctl log: every entry of the origin logs of a data folder, one CSV line each.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "node/cli/command.h"
#include "node/model/return_header.h"

namespace ots {
namespace {

// `ots-ctl log --help`; its first line is the summary in the list of commands.
constexpr char kLogHelp[] =
    "Lists every entry of the origin logs of a data folder.\n"
    "One CSV line per entry: origin, index, period, revision, cells, value sum, cells root,\n"
    "created-at.\n";

struct LogFlags {
  std::string data_dir;
  std::string origin;
};

int RunLog(const Console& console, const LogFlags& flags) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenDataFolder(flags.data_dir);
  if (!store.ok()) {
    return console.Fail(store.status());
  }
  std::vector<std::string> origins;
  if (!flags.origin.empty()) {
    origins.push_back(flags.origin);
  } else {
    absl::StatusOr<std::vector<std::string>> all = (*store)->Origins();
    if (!all.ok()) {
      return console.Fail(all.status());
    }
    origins = *all;
  }
  std::ostream& out = console.out();
  out << "origin,index,period,revision,cells,value_sum,cells_root,created_at\n";
  for (const std::string& origin : origins) {
    absl::StatusOr<std::vector<v1::LogEntry>> log = (*store)->ReadLog(origin);
    if (!log.ok()) {
      return console.Fail(log.status());
    }
    for (size_t i = 0; i < log->size(); ++i) {
      absl::StatusOr<v1::ReturnHeader> h = ParseReturnHeader((*log)[i].header().payload());
      if (!h.ok()) {
        return console.Fail(absl::DataLossError(
            absl::StrCat(origin, " log entry ", i, ": ", h.status().message())));
      }
      out << origin << "," << i << "," << h->period() << "," << h->revision() << ","
          << h->cell_count() << "," << h->value_sum() << "," << HexEncode(h->cells_root()) << ","
          << h->created_at() << "\n";
    }
  }
  return kExitOk;
}

void AddLogFlags(CLI::App* log, LogFlags* flags) {
  AddFlag(log, "--data-dir", &flags->data_dir, "DIR", "the data folder, read only")->required();
  AddFlag(log, "--origin", &flags->origin, "CC", "only this origin's log");
}

}  // namespace

void AddLogCommand(CLI::App* app, Commands* commands) {
  AddCommand<LogFlags>(app, commands, "log", kLogHelp, AddLogFlags, RunLog);
}

}  // namespace ots
