// ots-ctl calendar: the reporting calendar of the bundle's StatisticsPolicy as a node sees it:
// for every expected period and state, when it was due, whether it came and how late.
#include <string>

#include "node/cli/command.h"
#include "node/cli/render.h"

namespace ots {
namespace {

// `ots-ctl calendar --help`; its first line is the summary in the list of commands.
constexpr char kCalendarHelp[] =
    "The reporting calendar: who reported each expected period, who is late, by how long.\n"
    "From a node (--config): every period the trust bundle's schedules expect (statistics\n"
    "{ schedules { dataflow first_period due_days reporters } }) that has ended, for each state\n"
    "that shares with the caller, with its due date, its state (reported, reported late, late,\n"
    "not due yet), when its first revision was signed and how many days late it is.\n"
    "`ots-ctl status` lists the late ones too.\n";

struct CalendarFlags {
  ClientFlags client;
  std::string format = "table";
};

int RunCalendar(const Console& console, const CalendarFlags& flags) {
  absl::StatusOr<TableFormat> format = ParseTableFormat(flags.format);
  if (!format.ok()) {
    return console.Usage(format.status().message());
  }
  int exit_code = kExitOk;
  std::unique_ptr<NodeClient> node = Connect(console, flags.client, &exit_code);
  if (node == nullptr) {
    return exit_code;
  }
  absl::StatusOr<Table> table = node->Calendar();
  if (!table.ok()) {
    return console.FailCall(table.status());
  }
  console.out() << RenderTable(*table, *format);
  return kExitOk;
}

void AddCalendarFlags(CLI::App* calendar, CalendarFlags* flags) {
  AddClientFlags(calendar, &flags->client, /*required=*/true);
  AddFlag(calendar, "--format", &flags->format, "F", "table (default), csv or json");
}

}  // namespace

void AddCalendarCommand(CLI::App* app, Commands* commands) {
  AddCommand<CalendarFlags>(app, commands, "calendar", kCalendarHelp, AddCalendarFlags,
                            RunCalendar);
}

}  // namespace ots
