// ots-ctl submit and validate: a return sent to the caller's own state node, which validates,
// signs and stores it (or, for validate, only checks it).
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "absl/strings/str_format.h"
#include "crypto/bytes.h"
#include "crypto/files.h"
#include "node/cli/command.h"

namespace ots {
namespace {

// `ots-ctl submit --help`; its first line is the summary in the list of commands.
constexpr char kSubmitHelp[] =
    "Sends a return to the caller's own state node, which stores it.\n"
    "The node validates the return, signs it and appends it to its state's log; ots-ctl\n"
    "prints the stored revision, its log entry and the signed checkpoint.\n";

// `ots-ctl validate --help`; its first line is the summary in the list of commands.
constexpr char kValidateHelp[] =
    "Has the caller's own state node check a return; nothing is stored.\n"
    "The dry run of submit: the node reports every problem it finds.\n";

// Shows the bytes sent so far on a terminal; silent when err() is a file or pipe.
class ProgressLine {
 public:
  explicit ProgressLine(const Console& console) : console_(console) {}

  void Update(uint64_t sent, uint64_t total) {
    if (!console_.err_is_terminal()) {
      return;
    }
    const int percent = total == 0 ? 100 : static_cast<int>(sent * 100 / total);
    if (percent == last_percent_) {
      return;
    }
    last_percent_ = percent;
    console_.err() << absl::StrFormat(
                          "\rsending %.1f of %.1f MiB (%d%%)%s", sent / 1048576.0,
                          total / 1048576.0, percent,
                          sent == total ? "; the node is validating and storing...\n" : "")
                   << std::flush;
  }

 private:
  const Console& console_;
  int last_percent_ = -1;
};

struct SubmitFlags {
  ClientFlags client;
  std::string file;
  bool dry_run = false;  // validate: the node only checks the return
};

int RunSubmit(const Console& console, const SubmitFlags& flags) {
  absl::StatusOr<std::string> contents = ReadFile(flags.file);
  if (!contents.ok()) {
    return console.Fail(contents.status());
  }
  int exit_code = kExitOk;
  std::unique_ptr<NodeClient> client = Connect(console, flags.client, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  ProgressLine progress(console);
  const std::string name = flags.file.substr(flags.file.rfind('/') + 1);
  absl::StatusOr<v1::SubmitResponse> r =
      client->Submit(name, *contents, flags.dry_run,
                     [&](uint64_t sent, uint64_t total) { progress.Update(sent, total); });
  if (!r.ok()) {
    return console.FailCall(r.status());
  }
  if (flags.dry_run) {
    console.out() << flags.file << ": valid return of " << r->origin() << " for " << r->period()
                  << ", " << r->cell_count() << " cells, value sum " << r->value_sum()
                  << " (nothing stored)\n";
    return kExitOk;
  }
  const v1::ReturnHeader& h = r->header();
  console.out() << "submitted " << h.origin() << " " << h.period() << " revision " << h.revision()
                << ": " << h.cell_count() << " cells, value sum " << h.value_sum()
                << ", cells root " << HexEncode(h.cells_root()) << "; log entry " << r->log_index()
                << ", checkpoint size " << r->log_index() + 1 << "\n"
                << r->checkpoint_note();
  return kExitOk;
}

void AddSubmitFlags(CLI::App* command, SubmitFlags* flags) {
  AddClientFlags(command, &flags->client, /*required=*/true);
  AddFlag(command, "FILE", &flags->file, "", "the return (SDMX-CSV or plain CSV)")->required();
}

}  // namespace

void AddSubmitCommands(CLI::App* app, Commands* commands) {
  AddCommand<SubmitFlags>(app, commands, "submit", kSubmitHelp, AddSubmitFlags, RunSubmit);
  AddCommand<SubmitFlags>(
      app, commands, "validate", kValidateHelp,
      [](CLI::App* validate, SubmitFlags* flags) {
        AddSubmitFlags(validate, flags);
        flags->dry_run = true;
      },
      RunSubmit);
}

}  // namespace ots
