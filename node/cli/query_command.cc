// ots-ctl query: cells of the current view or their totals, and (--consolidated) the
// consolidated table of one period; offline from a data folder (--data-dir) or from a node
// (--config), over the origins that share their data with the caller. With --verify the table a
// node served is recomputed from the origins' signed returns (node/query/table_check.h) before it
// is shown.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/status_macros.h"
#include "node/base/rfc3339.h"
#include "node/cli/command.h"
#include "node/cli/render.h"
#include "node/log/origin_log.h"
#include "node/query/consolidate.h"
#include "node/query/disclosure.h"
#include "node/query/query.h"
#include "node/query/sdmx.h"
#include "node/query/table_check.h"
#include "node/store/store.h"
#include "node/trust/config.h"
#include "node/trust/directory.h"

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
    "(--data-dir), or from a node (--config) over the origins that share with the caller.\n"
    "--period-to makes it a time series (one table per period of the range), --by puts SEX,\n"
    "STAY_CAT or AGE in the columns instead of CITIZEN (--citizen then fixes the citizenship).\n"
    "Every figure carries its provenance (revision, log index, submission time, OBS_STATUS,\n"
    "CONF_STATUS); --provenance adds it to cells too. --format csv, sdmx-csv (2.0), sdmx-csv1\n"
    "and sdmx-json write files that say what they are: every dimension, the dataflow, the\n"
    "checkpoints and when the figures were computed.\n"
    "With --verify the table the node serves is trusted with nothing: for every origin it\n"
    "names, the signed checkpoint, log headers and cells of the return in force are fetched\n"
    "from the first --source that serves them (default: the --config node), checked against\n"
    "the trust bundle of the --config client configuration, and the table is recomputed from\n"
    "them and compared figure by figure. Exit 1 naming the first difference or failed check,\n"
    "3 if no source can be reached; the table is shown only if every figure verifies.\n";

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
  std::string period_to;
  std::string by;
  std::string citizen;
  bool provenance = false;
  bool publish = false;
  std::vector<std::string> at;
  bool verify = false;
  std::vector<std::string> sources;  // client configurations
};

// What a query asks, checked before anything is opened: the format, and either the cells (or
// totals) of a filter or a consolidated table.
struct QueryPlan {
  TableFormat format = TableFormat::kTable;
  std::optional<ExportFormat> export_format;  // csv and the SDMX formats
  CellFilter filter;
  std::vector<int> totals_by;
  std::optional<v1::ConsolidatedRequest> consolidated;
  // With --verify: the nodes that may serve the signed data (empty: the --config node).
  bool verify = false;
  std::vector<v1::ClientConfig> sources;
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
  request.set_period_to(flags.period_to);
  request.set_by(flags.by);
  request.set_citizen(flags.citizen);
  request.set_publish(flags.publish);
  // The dimension of the columns is not fixed: its flag's default _T is dropped.
  if (flags.by == "SEX" && flags.sex == "_T") {
    request.clear_sex();
  } else if (flags.by == "STAY_CAT" && flags.stay_cat == "_T") {
    request.clear_stay_cat();
  } else if (flags.by == "AGE" && flags.age == "_T") {
    request.clear_age();
  }
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
  if (flags.format == "table" || flags.format == "json") {
    OTS_ASSIGN_OR_RETURN(plan.format, ParseTableFormat(flags.format));
  } else {
    absl::StatusOr<ExportFormat> format = ParseExportFormat(flags.format);
    if (!format.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--format \"", flags.format,
                       "\": expected table, json, csv, sdmx-csv (2.0), sdmx-csv1, sdmx-csv2 or "
                       "sdmx-json"));
    }
    plan.export_format = *format;
    plan.format = TableFormat::kCsv;
  }

  if (flags.consolidated) {
    OTS_ASSIGN_OR_RETURN(plan.consolidated, ConsolidatedRequest(flags));
    plan.verify = flags.verify;
    for (const std::string& path : flags.sources) {
      absl::StatusOr<v1::ClientConfig> config = LoadClientConfig(path);
      if (!config.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--source ", path, ": ", config.status().message()));
      }
      plan.sources.push_back(*std::move(config));
    }
  } else {
    OTS_ASSIGN_OR_RETURN(plan.filter, ParseCellFilter(flags.filters));
    OTS_ASSIGN_OR_RETURN(plan.totals_by, ParseColumnList(flags.totals_by));
  }
  return plan;
}

// The cells or totals `plan` asks for.
absl::StatusOr<Table> ReadTable(const DataSource& source, const QueryFlags& flags,
                                const QueryPlan& plan) {
  // An SDMX file says where each cell comes from.
  const bool provenance = flags.provenance || (plan.export_format.has_value() &&
                                               *plan.export_format != ExportFormat::kCsv);
  if (source.node != nullptr) {
    v1::CellsRequest request;
    request.set_provenance(provenance && flags.totals_by.empty());
    AddWireFilters(flags.filters, request.mutable_filters());
    for (absl::string_view c : absl::StrSplit(flags.totals_by, ',', absl::SkipEmpty())) {
      request.add_totals_by(std::string(c));
    }
    return source.node->Cells(request);
  }
  OTS_ASSIGN_OR_RETURN(std::string federation, FolderFederation(*source.store));
  OriginLogs logs(source.store.get(), federation);
  if (flags.totals_by.empty()) {
    return QueryCells(logs, plan.filter, provenance);
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

// A --source node, connected when it is first asked for something.
class LazySource {
 public:
  explicit LazySource(v1::ClientConfig config) : config_(std::move(config)) {}

  absl::Status SignedReturn(const v1::SignedReturnRequest& request, const SignedReturnSink& sink) {
    if (client_ == nullptr && connected_.ok()) {
      absl::StatusOr<std::unique_ptr<NodeClient>> client =
          NodeClient::Connect(config_, "", absl::Seconds(10));
      connected_ = client.status();
      if (client.ok()) {
        client_ = *std::move(client);
      }
    }
    return client_ != nullptr ? client_->SignedReturn(request, sink) : connected_;
  }

 private:
  const v1::ClientConfig config_;
  std::unique_ptr<NodeClient> client_;
  absl::Status connected_;  // the first connection's failure, not retried
};

// What --verify checked, one line per origin and the verdict.
std::string VerifiedText(const v1::ConsolidatedResponse& table, const Directory& directory,
                         const TableVerification& verified) {
  std::string out =
      absl::StrCat("\nVerified against trust bundle version ", directory.bundle().version(), " of ",
                   directory.federation(), ":\n");
  std::vector<std::string> origins, sources;
  for (const TableVerification::Origin& o : verified.origins) {
    const TableOrigin& row = o.checked.row;
    absl::StrAppend(
        &out, "  ", row.origin, " at log size ", row.log_size, ": ",
        row.revision == 0 ? absl::StrCat("no return for ", table.period())
                          : absl::StrCat(table.period(), " revision ", row.revision, ", ",
                                         o.checked.cell_count, " cells"),
        "; checkpoint cosigned by ",
        o.checked.cosigners.empty() ? "nobody" : absl::StrJoin(o.checked.cosigners, " "),
        " (served by ", o.source, ")\n");
    origins.push_back(row.origin);
    if (std::find(sources.begin(), sources.end(), o.source) == sources.end()) {
      sources.push_back(o.source);
    }
  }
  // What could not be recomputed, if anything: the verification is then partial.
  std::string partial;
  if (verified.served_withheld > 0) {
    partial = absl::StrCat("the node withheld ", verified.served_withheld,
                           " figures it holds no openings for (confidential cells it took sealed; "
                           "it takes their openings from their states), which were not checked");
  } else if (verified.withheld_cells > 0) {
    partial = absl::StrCat(verified.unchecked,
                           " figures (and the suppression pattern) depend on confidential cells "
                           "whose values this check was not given (their state does not share "
                           "them with this identity, or the source has not taken them yet), and "
                           "were taken as served");
  }
  if (!partial.empty()) {
    absl::StrAppend(&out, "verified in part: ", partial, "; every other figure of ", table.period(),
                    " recomputed from the signed returns of ", absl::StrJoin(origins, " "),
                    " at their checkpoints (sources: ", absl::StrJoin(sources, " "), ")\n");
    return out;
  }
  absl::StrAppend(&out, "verified: every figure of ", table.period(),
                  " recomputed from the signed returns of ",
                  origins.empty() ? "no state" : absl::StrJoin(origins, " "),
                  " at their checkpoints (sources: ",
                  sources.empty() ? "none needed" : absl::StrJoin(sources, " "), ")\n");
  return out;
}

// Verifies `table`, served by `node`, against the trust bundle of its client configuration (or
// the node's, if a newer version signed by the same bundle key: NewestTrust), with the signed
// data from `plan.sources` (or `node`). Returns kExitOk with what it checked in `out_text`, or
// the exit code of the failure it reported.
int VerifyTable(const Console& console, NodeClient& node, const QueryPlan& plan,
                const v1::ConsolidatedResponse& table, std::string* out_text) {
  absl::StatusOr<TrustAnchor> anchor = node.NewestTrust();
  if (!anchor.ok()) {
    return console.Fail(anchor.status(), kExitUsage);
  }
  const Directory directory(*std::move(anchor));
  if (table.published()) {
    const DisclosurePolicy policy = PolicyOf(directory.bundle());
    if (table.min_count() != policy.min_count || table.protection() != policy.protection) {
      return console.Fail(absl::InvalidArgumentError(
          absl::StrCat("the table is published with min_count ", table.min_count(), " protection ",
                       table.protection(), ", the trust bundle's policy is ", policy.min_count,
                       " and ", policy.protection)));
    }
  }
  std::vector<std::unique_ptr<LazySource>> lazy;
  std::vector<TableSource> sources;
  for (const v1::ClientConfig& config : plan.sources) {
    LazySource* source = lazy.emplace_back(std::make_unique<LazySource>(config)).get();
    sources.push_back({config.node_address(), [source](const auto& request, const auto& sink) {
                         return source->SignedReturn(request, sink);
                       }});
  }
  if (sources.empty()) {
    sources.push_back({node.address(), [&node](const auto& request, const auto& sink) {
                         return node.SignedReturn(request, sink);
                       }});
  }
  absl::StatusOr<TableVerification> verified = VerifyConsolidatedTable(table, directory, sources);
  if (!verified.ok()) {
    return console.FailCall(verified.status());
  }
  *out_text = VerifiedText(table, directory, *verified);
  return kExitOk;
}

int ShowConsolidated(const Console& console, const DataSource& source, const QueryPlan& plan) {
  absl::StatusOr<v1::ConsolidatedResponse> table = ReadConsolidated(source, *plan.consolidated);
  if (!table.ok()) {
    return source.Fail(console, table.status());
  }
  std::string verified;
  if (plan.verify) {
    if (absl::Status s = CheckTableAnswers(*plan.consolidated, *table); !s.ok()) {
      return console.Fail(s);
    }
    if (int exit_code = VerifyTable(console, *source.node, plan, *table, &verified);
        exit_code != kExitOk) {
      return exit_code;
    }
  }
  if (table->computed_at().empty()) {
    table->set_computed_at(Rfc3339(absl::Now()));  // computed here, from a data folder
  }
  const ExportHeader header = ConsolidatedHeader(*table, table->computed_at());
  if (plan.export_format.has_value()) {
    absl::StatusOr<std::string> file =
        RenderExport(ConsolidatedObservations(*table), *plan.export_format, header);
    if (!file.ok()) {
      return console.Fail(file.status());
    }
    console.out() << *file;
  } else {
    console.out() << RenderConsolidated(*table, plan.format);
  }
  // Only the text format has room for what was verified; the files hold the table alone.
  (plan.format == TableFormat::kTable ? console.out() : console.err()) << verified;
  if (plan.format == TableFormat::kCsv) {
    // The file holds the figures, their provenance and checkpoints (LOG_SIZE, LOG_ROOT); the
    // notes go to stderr as well, for the reader at the terminal.
    for (const std::string& note : header.notes) {
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
  if (plan->export_format.has_value() && *plan->export_format != ExportFormat::kCsv) {
    CompleteDimensions(&*table);
    ExportHeader header;
    header.prepared = Rfc3339(absl::Now());
    header.id = MessageId(header.prepared);
    header.notes = table->notes;
    absl::StatusOr<std::string> file = RenderExport(*table, *plan->export_format, header);
    if (!file.ok()) {
      return console.Fail(file.status());
    }
    console.out() << *file;
  } else {
    console.out() << RenderTable(*table, plan->format);
  }
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
  AddFlag(query, "--format", &flags->format, "F",
          "table (default), json, csv, sdmx-csv (2.0), sdmx-csv1,\nsdmx-csv2 or sdmx-json");
  query->add_flag("--provenance", flags->provenance,
                  "cells: add REVISION, LOG_INDEX, SUBMITTED_AT, LOG_SIZE,\nLOG_ROOT");
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
  AddFlag(query, "--period-to", &flags->period_to, "P",
          "with --consolidated: a time series from --period to P")
      ->needs(consolidated);
  AddFlag(query, "--by", &flags->by, "DIM",
          "with --consolidated: the columns' dimension, CITIZEN\n(default), SEX, STAY_CAT or AGE")
      ->needs(consolidated);
  query
      ->add_flag("--publish", flags->publish,
                 "with --consolidated --config: the table as it may be\npublished, with the "
                 "disclosure control of the bundle\n(every caller but the Secretariat gets it)")
      ->needs(consolidated)
      ->needs(config);
  AddFlag(query, "--citizen", &flags->citizen, "C",
          "with --consolidated --by: its CITIZEN (default _T)")
      ->needs(consolidated);
  AddRepeatedFlag(query, "--at", &flags->at, "CC=N[,CC=N]",
                  "with --consolidated: origins at these log sizes\n(repeatable)")
      ->needs(consolidated);
  CLI::Option* verify =
      query
          ->add_flag("--verify", flags->verify,
                     "with --consolidated --config: recompute the table from\nthe signed returns "
                     "and fail on any difference")
          ->needs(consolidated)
          ->needs(config);
  AddRepeatedFlag(query, "--source", &flags->sources, "CLIENT",
                  "with --verify: a node to fetch the signed returns from,\nby its client "
                  "configuration; the first that serves\nan origin is used (repeatable; "
                  "default: the --config node)")
      ->needs(verify);
}

}  // namespace

void AddQueryCommand(CLI::App* app, Commands* commands) {
  AddCommand<QueryFlags>(app, commands, "query", kQueryHelp, AddQueryFlags, RunQuery);
}

}  // namespace ots
