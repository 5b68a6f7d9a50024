// ots-ctl submit and validate: a return sent to the caller's own state node, which validates,
// signs and stores it (or, for validate, only checks it).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/bytes.h"
#include "crypto/files.h"
#include "node/base/text.h"
#include "node/cli/command.h"
#include "node/model/return_csv.h"
#include "node/trust/config.h"

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
  int retry_for_seconds = 60;
};

// A call cut off in flight (the node went away mid-call, the connection broke): the node may or
// may not have stored the return, and asking again is safe, since the node answers a return it
// already holds with that revision.
bool CutOff(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsUnknown(s) || absl::IsCancelled(s) ||
         absl::IsDeadlineExceeded(s);
}

// Prints the problems a node's Validate found in `file`; returns kExitRejected.
int PrintProblems(const Console& console, const std::string& file, const v1::SubmitResponse& r) {
  std::vector<ReturnProblem> problems;
  for (const v1::Problem& p : r.problems()) {
    problems.push_back(ReturnProblem{p.line(), p.message()});
  }
  return PrintRejectedReturn(console, file, problems, r.problem_count());
}

// A file the node rejected on Submit: its status has one summary line; Validate lists every
// problem (the file is sent once more, from disk). Returns the exit code.
int ListRejected(const Console& console, const SubmitFlags& flags, NodeClient* client,
                 absl::string_view name, const absl::Status& rejected) {
  absl::StatusOr<v1::SubmitResponse> listed =
      client->Submit(name, flags.file, /*dry_run=*/true, nullptr);
  if (listed.ok() && listed->problem_count() > 0) {
    return PrintProblems(console, flags.file, *listed);
  }
  return console.FailCall(rejected);
}

int RunSubmit(const Console& console, const SubmitFlags& flags) {
  // A file that cannot be read is said before any connection is made; it is read only while it
  // is sent.
  absl::Status readable = ReadFileInPieces(
      flags.file, 1, [](uint64_t) { return absl::OkStatus(); },
      [](absl::string_view) { return false; });
  if (!readable.ok()) {
    return console.Fail(readable);
  }
  int exit_code = kExitOk;
  std::unique_ptr<NodeClient> client = Connect(console, flags.client, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  const std::string name = flags.file.substr(flags.file.rfind('/') + 1);
  const absl::Time give_up = absl::Now() + absl::Seconds(flags.retry_for_seconds);
  absl::Duration pause = absl::Milliseconds(250);
  int attempts = 0;
  absl::StatusOr<v1::SubmitResponse> r;
  for (;;) {
    ++attempts;
    if (client != nullptr) {
      ProgressLine progress(console);
      r = client->Submit(name, flags.file, flags.dry_run,
                         [&](uint64_t sent, uint64_t total) { progress.Update(sent, total); });
      if (r.ok() || !CutOff(r.status())) {
        break;
      }
    }
    if (absl::Now() + pause > give_up) {
      break;
    }
    console.err() << "ots-ctl: " << (client != nullptr ? "the call was cut off" : "no connection")
                  << " (" << r.status().message() << "); "
                  << (flags.dry_run ? "" : "the node may or may not have stored the return; ")
                  << "trying again (attempt " << attempts + 1 << ")\n";
    absl::SleepFor(pause);
    pause = std::min(2 * pause, absl::Seconds(4));
    absl::StatusOr<v1::ClientConfig> config = LoadClientConfig(flags.client.config);
    absl::StatusOr<std::unique_ptr<NodeClient>> again =
        config.ok() ? NodeClient::Connect(*config, flags.client.node, absl::Seconds(10))
                    : absl::StatusOr<std::unique_ptr<NodeClient>>(config.status());
    client = again.ok() ? *std::move(again) : nullptr;
    if (!again.ok()) {
      r = again.status();
    }
  }
  if (!r.ok()) {
    if (!flags.dry_run && absl::IsInvalidArgument(r.status()) && client != nullptr) {
      return ListRejected(console, flags, client.get(), name, r.status());
    }
    return console.FailCall(r.status());
  }
  if (r->problem_count() > 0) {
    return PrintProblems(console, flags.file, *r);
  }
  if (flags.dry_run) {
    console.out() << Printable(flags.file) << ": valid return of " << r->origin() << " for "
                  << r->period() << ", " << r->cell_count() << " cells, value sum "
                  << r->value_sum() << " (nothing stored)\n";
    return kExitOk;
  }
  const v1::ReturnHeader& h = r->header();
  // The first line is the same whether this call stored the return or an earlier one had: what
  // the node holds.
  console.out() << "submitted " << h.origin() << " " << h.period() << " revision " << h.revision()
                << ": " << h.cell_count() << " cells, value sum " << h.value_sum()
                << ", cells root " << HexEncode(h.cells_root()) << "; log entry " << r->log_index()
                << ", checkpoint size " << r->log_index() + 1 << "\n"
                << r->checkpoint_note();
  if (r->unchanged()) {
    console.err() << "ots-ctl: the node already held this return as " << h.period() << " revision "
                  << h.revision() << " (log entry " << r->log_index() << ")"
                  << (attempts > 1 ? ": the call that was cut off had stored it" : "")
                  << "; nothing new was stored\n";
  }
  return kExitOk;
}

void AddSubmitFlags(CLI::App* command, SubmitFlags* flags) {
  AddClientFlags(command, &flags->client, /*required=*/true);
  AddFlag(command, "FILE", &flags->file, "", "the return (SDMX-CSV or plain CSV)")->required();
  command
      ->add_option("--retry-for", flags->retry_for_seconds,
                   "keep trying a call cut off in flight for up to this many seconds "
                   "(0: never retry; the node stores a return it already holds only once)")
      ->type_name("SECONDS")
      ->default_val(60)
      ->check(CLI::NonNegativeNumber);
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
