// ots-ctl query: cells of the current view or their totals, and (--consolidated) the
// consolidated table of one period; offline from a data folder (--data-dir) or from a node
// (--config), over the origins that share their data with the caller.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/status_macros.h"
#include "node/cli/command.h"
#include "node/cli/render.h"
#include "node/log/origin_log.h"
#include "node/query/consolidate.h"
#include "node/query/query.h"
#include "node/store/store.h"

namespace ots {
namespace {

// `ots-ctl query --help`; its first line is the summary in the list of commands.
constexpr char kQueryHelp[] =
    "Cells or totals of the current view, or the consolidated table.\n"
    "Cells of the current view (the latest revision of every period) matching every --filter,\n"
    "or with --totals-by their sums (never double counted); or, with --consolidated, the\n"
    "consolidated table of one period and category (STAY_CAT, SEX, AGE; _T by default):\n"
    "reporting states x citizenships, row and column totals, and the checkpoints it was\n"
    "computed at (--at recomputes it exactly). Offline over every origin of a data folder\n"
    "(--data-dir), or from a node (--config) over the origins that share with the caller.\n";

struct QueryFlags {
  ClientFlags client;
  std::string data_dir;
  std::vector<std::string> filters;
  std::string totals_by;
  std::string format = "table";
  bool consolidated = false;
  std::string period;
  std::string stay_cat = "_T";
  std::string sex = "_T";
  std::string age = "_T";
  std::vector<std::string> at;
};

// What a query asks, checked before anything is opened: the format, and either the cells (or
// totals) of a filter or a consolidated table.
struct QueryPlan {
  TableFormat format = TableFormat::kTable;
  CellFilter filter;
  std::vector<int> totals_by;
  std::optional<v1::ConsolidatedRequest> consolidated;
};

// The request of query --consolidated. INVALID_ARGUMENT for a bad --at, period or code.
absl::StatusOr<v1::ConsolidatedRequest> ConsolidatedRequest(const QueryFlags& flags) {
  if (flags.period.empty()) {
    return absl::InvalidArgumentError("--consolidated needs --period P");
  }
  v1::ConsolidatedRequest request;
  request.set_period(flags.period);
  request.set_stay_cat(flags.stay_cat);
  request.set_sex(flags.sex);
  request.set_age(flags.age);
  for (const std::string& spec : flags.at) {
    OTS_ASSIGN_OR_RETURN(auto sizes, ParseAtSizes(spec));
    for (const auto& [origin, size] : sizes) {
      if (!request.mutable_at_sizes()->insert({origin, size}).second) {
        return absl::InvalidArgumentError(absl::StrCat("--at names ", origin, " twice"));
      }
    }
  }
  OTS_RETURN_IF_ERROR(ValidateConsolidatedRequest(request));
  return request;
}

// INVALID_ARGUMENT, naming the flag, for anything the flags get wrong.
absl::StatusOr<QueryPlan> Plan(const QueryFlags& flags) {
  QueryPlan plan;
  OTS_ASSIGN_OR_RETURN(plan.format, ParseTableFormat(flags.format));
  if (flags.consolidated) {
    OTS_ASSIGN_OR_RETURN(plan.consolidated, ConsolidatedRequest(flags));
  } else {
    OTS_ASSIGN_OR_RETURN(plan.filter, ParseCellFilter(flags.filters));
    OTS_ASSIGN_OR_RETURN(plan.totals_by, ParseColumnList(flags.totals_by));
  }
  return plan;
}

// The cells or totals `plan` asks for.
absl::StatusOr<Table> ReadTable(const DataSource& source, const QueryFlags& flags,
                                const QueryPlan& plan) {
  if (source.node != nullptr) {
    v1::CellsRequest request;
    AddWireFilters(flags.filters, request.mutable_filters());
    for (absl::string_view c : absl::StrSplit(flags.totals_by, ',', absl::SkipEmpty())) {
      request.add_totals_by(std::string(c));
    }
    return source.node->Cells(request);
  }
  OTS_ASSIGN_OR_RETURN(std::string federation, FolderFederation(*source.store));
  OriginLogs logs(source.store.get(), federation);
  if (flags.totals_by.empty()) {
    return QueryCells(logs, plan.filter);
  }
  return QueryTotals(logs, plan.filter, plan.totals_by);
}

// The consolidated table `request` asks for.
absl::StatusOr<v1::ConsolidatedResponse> ReadConsolidated(const DataSource& source,
                                                          const v1::ConsolidatedRequest& request) {
  if (source.node != nullptr) {
    return source.node->Consolidated(request);
  }
  OTS_ASSIGN_OR_RETURN(std::string federation, FolderFederation(*source.store));
  OriginLogs logs(source.store.get(), federation);
  return Consolidate(logs, request, [](absl::string_view) { return true; });
}

int ShowConsolidated(const Console& console, const DataSource& source, const QueryPlan& plan) {
  absl::StatusOr<v1::ConsolidatedResponse> table = ReadConsolidated(source, *plan.consolidated);
  if (!table.ok()) {
    return source.Fail(console, table.status());
  }
  console.out() << RenderConsolidated(*table, plan.format);
  if (plan.format == TableFormat::kCsv) {
    // The CSV holds figures only; what a reader must know goes to stderr, as for query.
    for (const std::string& note : table->notes()) {
      console.err() << "note: " << note << "\n";
    }
    if (table->checkpoints_size() > 0) {
      console.err() << "note: recompute exactly with --at " << FormatAtSizes(*table) << "\n";
    }
  }
  return kExitOk;
}

int RunQuery(const Console& console, const QueryFlags& flags) {
  absl::StatusOr<QueryPlan> plan = Plan(flags);
  if (!plan.ok()) {
    return console.Usage(plan.status().message());
  }
  DataSource source;
  if (int exit_code = OpenDataSource(console, flags.client, flags.data_dir, &source);
      exit_code != kExitOk) {
    return exit_code;
  }
  if (plan->consolidated.has_value()) {
    return ShowConsolidated(console, source, *plan);
  }
  absl::StatusOr<Table> table = ReadTable(source, flags, *plan);
  if (!table.ok()) {
    return source.Fail(console, table.status());
  }
  console.out() << RenderTable(*table, plan->format);
  for (const std::string& note : table->notes) {
    console.err() << "note: " << note << "\n";
  }
  return kExitOk;
}

void AddQueryFlags(CLI::App* query, QueryFlags* flags) {
  CLI::Option* config = AddClientFlags(query, &flags->client, /*required=*/false);
  AddFlag(query, "--data-dir", &flags->data_dir, "DIR",
          "query a data folder, offline (no --config)")
      ->excludes(config);
  CLI::Option* filter = AddRepeatedFlag(query, "--filter", &flags->filters, "COL=code[,code]",
                                        "cells with one of these codes in COL (repeatable)");
  CLI::Option* totals_by = AddFlag(query, "--totals-by", &flags->totals_by, "COL[,COL]",
                                   "sums grouped by these columns");
  AddFlag(query, "--format", &flags->format, "F", "table (default), csv or json");
  CLI::Option* consolidated = query
                                  ->add_flag("--consolidated", flags->consolidated,
                                             "the consolidated table (no --filter, --totals-by)")
                                  ->excludes(filter)
                                  ->excludes(totals_by);
  AddFlag(query, "--period", &flags->period, "P", "with --consolidated: its TIME_PERIOD")
      ->needs(consolidated);
  AddFlag(query, "--stay-cat", &flags->stay_cat, "C", "with --consolidated: its STAY_CAT")
      ->needs(consolidated);
  AddFlag(query, "--sex", &flags->sex, "S", "with --consolidated: its SEX")->needs(consolidated);
  AddFlag(query, "--age", &flags->age, "A", "with --consolidated: its AGE")->needs(consolidated);
  AddRepeatedFlag(query, "--at", &flags->at, "CC=N[,CC=N]",
                  "with --consolidated: origins at these log sizes\n(repeatable)")
      ->needs(consolidated);
}

}  // namespace

void AddQueryCommand(CLI::App* app, Commands* commands) {
  AddCommand<QueryFlags>(app, commands, "query", kQueryHelp, AddQueryFlags, RunQuery);
}

}  // namespace ots
