// ots-ctl: the operator, Secretariat and auditor command line. This file builds the command line
// from the commands (node/cli/*_command.cc), parses it and runs the command selected; a command
// line it cannot parse is reported in one line, as every usage error is (Console::Usage).
//
// Exit codes: 0 ok; 1 rejected input or a failed check; 2 usage; 3 unreachable or denied; 4 the
// node could not do it (its disk is full, its clock is off).
#include "node/cli/ots_ctl.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/base/version.h"
#include "node/cli/command.h"

namespace ots {
namespace {

constexpr char kProgram[] = "ots-ctl";
constexpr char kExitCodes[] =
    "Exit codes: 0 ok, 1 rejected input or failed check, 2 usage, 3 unreachable or denied,\n"
    "4 the node could not do it (its disk is full or its clock is off; nothing was stored).";

// CLI11's help, made shorter: a list of commands shows the first line of each one's
// description only (the rest is for the command's own help), and a flag shows its value and
// whether it is required, not the flags it needs or excludes (its description says so).
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() {
    column_width(34);
    label("SUBCOMMAND", "COMMAND");
  }

  std::string make_subcommand(const CLI::App* command) const override {
    const std::string& description = command->get_description();
    std::ostringstream out;
    CLI::detail::format_help(out, command->get_name(),
                             description.substr(0, description.find('\n')), column_width_);
    return out.str();
  }

  std::string make_option_opts(const CLI::Option* option) const override {
    std::string out;
    if (option->get_type_size() != 0 && !option->get_type_name().empty()) {
      absl::StrAppend(&out, " ", option->get_type_name());
    }
    if (option->get_required()) {
      absl::StrAppend(&out, " REQUIRED");
    }
    return out;
  }
};

void BuildCommandLine(CLI::App* app, Commands* commands) {
  app->description(
      "The command line of the OTS Migration Exchange, for national IT teams, the Secretariat\n"
      "and auditors.\n");
  // Set before any command is added: the commands inherit them.
  app->formatter(std::make_shared<HelpFormatter>());
  app->footer(kExitCodes);
  app->set_help_flag("-h,--help", "print this help and exit");
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->require_subcommand(1);
  app->set_version_flag("--version", VersionLine(kProgram), "print the version and exit");

  const struct {
    const char* group;
    void (*add)(CLI::App*, Commands*);
  } kCommands[] = {
      {"Federation set-up", AddPkiCommand},
      {"Federation set-up", AddBundleCommands},
      {"Federation set-up", AddKeygenCommand},
      {"Returns", AddImportCommand},
      {"Returns", AddSubmitCommands},
      {"Reading and checking", AddQueryCommand},
      {"Reading and checking", AddStatusCommand},
      {"Reading and checking", AddLogCommand},
      {"Reading and checking", AddCalendarCommand},
      {"Reading and checking", AddReleaseCommands},
      {"Reading and checking", AddAuditCommand},
      {"Reading and checking", AddProveCommand},
      {"Operations", AddBackupCommands},
  };
  for (const auto& command : kCommands) {
    const size_t before = app->get_subcommands({}).size();
    command.add(app, commands);
    std::vector<CLI::App*> added = app->get_subcommands({});
    for (size_t i = before; i < added.size(); ++i) {
      added[i]->group(command.group);
      for (CLI::App* sub : added[i]->get_subcommands({})) {
        sub->group("Commands");
      }
    }
  }
  // Said at the top only; the commands have the exit codes alone.
  app->footer(absl::StrCat(
      "Run 'ots-ctl COMMAND --help' for the flags of a command. A flag's value may follow it\n"
      "(--config FILE) or be joined to it (--config=FILE).\n",
      kExitCodes));
}

// The deepest command the parse selected: the top of the command line if none.
const CLI::App& Selected(const CLI::App& app) {
  const CLI::App* selected = &app;
  while (!selected->get_subcommands().empty()) {
    selected = selected->get_subcommands().back();
  }
  return *selected;
}

// What is wrong with the command line, in a few words, for Console::Usage.
std::string UsageMessage(const CLI::ParseError& e, const CLI::App& selected) {
  // Arguments no flag or command took come first: they explain most other errors (a misspelt
  // flag, for one, leaves the right one missing).
  for (const CLI::App* app = &selected; app != nullptr; app = app->get_parent()) {
    for (const std::string& arg : app->remaining()) {
      if (arg == "--") {
        continue;
      }
      if (absl::StartsWith(arg, "-")) {
        return absl::StrCat("unknown flag ", arg.substr(0, arg.find('=')));
      }
      if (!app->get_subcommands({}).empty()) {
        return absl::StrCat("unknown command \"", arg, "\"");
      }
      return absl::StrCat("unexpected argument \"", arg, "\"");
    }
  }
  const std::string what = e.what();
  if (e.get_name() == "RequiredError" && absl::StartsWith(what, "A subcommand")) {
    std::vector<std::string> names;
    for (const CLI::App* command : selected.get_subcommands({})) {
      names.push_back(command->get_name());
    }
    return absl::StrCat("expected a command: ", absl::StrJoin(names, ", "));
  }
  // "--out: 1 required DIR missing"
  if (e.get_name() == "ArgumentMismatch" && absl::EndsWith(what, " missing")) {
    return absl::StrCat(what.substr(0, what.find(':')), " needs a value");
  }
  return what;
}

int Run(std::vector<std::string> args, std::ostream& out, std::ostream& err, bool err_is_terminal) {
  // "ots-ctl help [COMMAND...]" is "ots-ctl [COMMAND...] --help".
  if (!args.empty() && args[0] == "help") {
    args.erase(args.begin());
    args.push_back("--help");
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  CLI::App app("", kProgram);
  Commands commands;
  try {
    BuildCommandLine(&app, &commands);
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForVersion& version) {
    out << version.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    const CLI::App& selected = Selected(app);
    return Console(out, err, err_is_terminal, CommandPath(selected))
        .Usage(UsageMessage(e, selected));
  } catch (const CLI::Error& e) {  // a command line built wrong: a bug, caught by the unit tests
    err << kProgram << ": internal error: " << e.what() << "\n";
    return kExitRejected;
  }
  const CLI::App& selected = Selected(app);
  auto run = commands.find(&selected);
  if (run == commands.end()) {  // require_subcommand selects one; kept for safety
    return Console(out, err, err_is_terminal, CommandPath(selected)).Usage("expected a command");
  }
  return run->second(Console(out, err, err_is_terminal, CommandPath(selected)));
}

}  // namespace

int RunOtsCtl(int argc, char** argv) {
  return Run(std::vector<std::string>(argv + std::min(argc, 1), argv + argc), std::cout, std::cerr,
             isatty(STDERR_FILENO) == 1);
}

int RunOtsCtl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return Run(args, out, err, /*err_is_terminal=*/false);
}

}  // namespace ots
