#include "node/query/consolidate.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/log/checkpoint.h"
#include "node/model/cell_line.h"
#include "node/model/codes.h"
#include "node/model/return_header.h"
#include "node/model/sealed_cells.h"
#include "node/query/status.h"

namespace ots {
namespace {

constexpr absl::string_view kTotal = "_T";

absl::string_view OrTotal(const std::string& code) {
  return code.empty() ? kTotal : absl::string_view(code);
}

// `*sum` += `v`; false, leaving `*sum` as it was, if the result would not fit in 64 bits.
bool AddChecked(uint64_t* sum, uint64_t v) {
  if (v > UINT64_MAX - *sum) {
    return false;
  }
  *sum += v;
  return true;
}

absl::Status Overflow(absl::string_view what) {
  return absl::OutOfRangeError(
      absl::StrCat("the ", what, " exceeds 2^64-1 persons; refusing to wrap the sum"));
}

}  // namespace

std::string FigureFlags(const v1::ConsolidatedResponse::Figure& f) {
  std::vector<std::string> flags;
  if (!f.obs_status().empty() && f.obs_status() != "A") {
    flags.push_back(f.obs_status());
  }
  if (!f.conf_status().empty() && f.conf_status() != "F") {
    flags.push_back(f.conf_status());
  }
  return absl::StrJoin(flags, ",");
}

absl::StatusOr<LogPoint> FindLogPoint(OriginLogs& logs, absl::string_view origin, uint64_t want) {
  Store& store = logs.store();
  std::optional<LogPoint> found;
  OTS_RETURN_IF_ERROR(store.ForEachCheckpoint(
      origin, want, [&](uint64_t size, const v1::StoredCheckpoint& cp) -> absl::Status {
        if (want == 0 || size == want) {
          found = LogPoint{size, cp};
        }
        return absl::OkStatus();
      }));
  OTS_ASSIGN_OR_RETURN(uint64_t log_size, store.LogSize(origin));
  if (want != 0) {
    if (want > log_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, "=", want, " is beyond the end of its log (", log_size, " entries here)"));
    }
    if (!found.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, "=", want, ": this node holds no checkpoint of ", origin, " at size ", want));
    }
  } else if (!found.has_value()) {
    return absl::DataLossError(absl::StrCat("the log of ", origin, " has no checkpoint"));
  }
  if (found->size > log_size) {
    return absl::DataLossError(absl::StrCat("the checkpoint of ", origin, " at size ", found->size,
                                            " is beyond the end of its log (", log_size,
                                            " entries)"));
  }
  const std::string where = absl::StrCat("checkpoint of ", origin, " at size ", found->size);
  absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(found->checkpoint.note());
  if (!cp.ok()) {
    return absl::DataLossError(absl::StrCat(where, ": ", cp.status().message()));
  }
  if (cp->origin != logs.LogName(origin) || cp->size != found->size) {
    return absl::DataLossError(
        absl::StrCat(where, ": the note says log \"", cp->origin, "\" size ", cp->size));
  }
  absl::StatusOr<Hash> root = logs.Root(origin, found->size);
  if (!root.ok() || *root != cp->root) {
    return absl::DataLossError(absl::StrCat(
        "log entries 0..", found->size - 1, " of ", origin, " do not hash to the root of its ",
        where, root.ok() ? "" : absl::StrCat(" (", root.status().message(), ")"),
        "; run ots-ctl audit"));
  }
  return *std::move(found);
}

namespace {

// The header of entry `i` of `origin`'s log. DATA_LOSS naming it if it does not parse or is of
// another origin.
absl::StatusOr<v1::ReturnHeader> EntryHeader(const v1::LogEntry& entry, absl::string_view origin,
                                             size_t i) {
  absl::StatusOr<v1::ReturnHeader> h = ParseReturnHeader(entry.header().payload());
  if (!h.ok()) {
    return absl::DataLossError(
        absl::StrCat("log of ", origin, ", entry ", i, ": ", h.status().message()));
  }
  if (h->origin() != origin) {
    return absl::DataLossError(
        absl::StrCat("log of ", origin, ", entry ", i, ": the header is of origin ", h->origin()));
  }
  return h;
}

// 'A', 'Q', 'M' or 'D': the frequency of a TIME_PERIOD by its form.
char FrequencyOf(absl::string_view period) {
  if (period.size() == 4) {
    return 'A';
  }
  if (period.size() == 7) {
    return period[5] == 'Q' ? 'Q' : 'M';
  }
  return 'D';
}

}  // namespace

bool SameFrequency(absl::string_view a, absl::string_view b) {
  return FrequencyOf(a) == FrequencyOf(b);
}

absl::StatusOr<std::optional<v1::ReturnHeader>> ReturnInForce(
    absl::Span<const v1::LogEntry> entries, absl::string_view origin, absl::string_view period,
    uint64_t* index) {
  std::optional<v1::ReturnHeader> in_force;
  for (size_t i = 0; i < entries.size(); ++i) {
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, EntryHeader(entries[i], origin, i));
    if (h.period() == period && (!in_force.has_value() || h.revision() > in_force->revision())) {
      in_force = std::move(h);
      if (index != nullptr) {
        *index = i;
      }
    }
  }
  return in_force;
}

absl::StatusOr<std::vector<std::string>> PeriodsInRange(absl::Span<const v1::LogEntry> entries,
                                                        absl::string_view origin,
                                                        absl::string_view from,
                                                        absl::string_view to) {
  std::set<std::string> periods;
  for (size_t i = 0; i < entries.size(); ++i) {
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, EntryHeader(entries[i], origin, i));
    // Within one frequency the forms sort as the periods do (2020-05 < 2020-11).
    if (from.empty() ||
        (SameFrequency(h.period(), from) && h.period() >= from && h.period() <= to)) {
      periods.insert(h.period());
    }
  }
  return std::vector<std::string>(periods.begin(), periods.end());
}

absl::Status AddTableCell(const TableCategory& category, absl::string_view line,
                          absl::StatusCode failure_code, TableOrigin* out) {
  const auto fail = [&](absl::string_view what) {
    return absl::Status(failure_code, absl::StrCat(out->origin, " ", category.period, " revision ",
                                                   out->revision, ": ", what));
  };
  CellLineView cell;
  if (!CellLineView::Parse(line, &cell) || cell.ref_area() != out->origin ||
      cell.time_period() != category.period) {
    return fail(absl::StrCat("cell is malformed: ", line));
  }
  // The three dimensions other than the columns' must be the table's codes.
  if ((category.by != kCitizen && cell.citizen() != category.citizen) ||
      (category.by != kStayCat && cell.stay_cat() != category.stay_cat) ||
      (category.by != kSex && cell.sex() != category.sex)) {
    return absl::OkStatus();
  }
  if (category.by != kAge) {
    AgeCode cell_age;
    if (!ParseAgeCode(cell.age(), &cell_age) || cell_age.Id() != category.age_code.Id()) {
      return absl::OkStatus();
    }
  }
  TableValue v;
  v.withheld = IsSealedCell(cell);
  if (!v.withheld && !cell.ObsValue(&v.value)) {
    return fail(absl::StrCat("OBS_VALUE \"", cell.obs_value_text(), "\" is not a number"));
  }
  v.flow = cell.is_flow();
  v.obs_status = std::string(cell.obs_status());
  v.conf_status = std::string(cell.conf_status());
  const absl::string_view column = cell[category.by];
  const bool total = column == kTotal;
  const bool duplicate =
      total ? out->total.has_value() : !out->figures.emplace(std::string(column), v).second;
  if (duplicate) {
    return fail(
        absl::StrCat("two cells for ", ByName(category), "=", column, " of the same category"));
  }
  if (total) {
    out->total = std::move(v);
  }
  return absl::OkStatus();
}

namespace {

// Reads the cells of `header`'s return, checks them against its cells root and keeps those of
// the table's category in `out`.
absl::Status ReadReturn(Store& store, const v1::ReturnHeader& header, const TableCategory& category,
                        bool open, TableOrigin* out) {
  std::vector<Hash> leaves;
  // The header is not trusted with the allocation: it is checked against the cells below.
  leaves.reserve(std::min<uint64_t>(header.cell_count(), uint64_t{1} << 20));
  // The values of sealed cells where this node holds their openings and the caller is entitled
  // to them; withheld otherwise.
  OTS_RETURN_IF_ERROR(store.ForEachOpenedCell(
      header.origin(), header.period(), header.revision(), open,
      [&](absl::string_view leaf, absl::string_view line) -> absl::Status {
        leaves.push_back(MerkleLeafHash(leaf));
        return AddTableCell(category, line, absl::StatusCode::kDataLoss, out);
      }));
  if (leaves.size() != header.cell_count() ||
      HashBytes(MerkleRoot(leaves)) != header.cells_root()) {
    return absl::DataLossError(
        absl::StrCat(header.origin(), " ", header.period(), " revision ", header.revision(),
                     ": the stored cells (", leaves.size(),
                     ") do not hash to the cells root of its header; run ots-ctl audit"));
  }
  return absl::OkStatus();
}

v1::ConsolidatedResponse::Figure MakeFigure(uint64_t value, bool derived, bool flow) {
  v1::ConsolidatedResponse::Figure f;
  f.set_has_value(true);
  f.set_value(value);
  f.set_derived(derived);
  f.set_stock_flow(flow ? "FLW" : "STK");
  return f;
}

}  // namespace

namespace {

// The CellColumn `name` names as the columns of a table: CITIZEN (also for ""), SEX, STAY_CAT or
// AGE; -1 otherwise.
int ByColumn(absl::string_view name) {
  if (name.empty() || name == "CITIZEN") {
    return kCitizen;
  }
  const int column = CellColumnIndex(name);
  return column == kSex || column == kStayCat || column == kAge ? column : -1;
}

}  // namespace

absl::string_view ByName(const TableCategory& category) { return kCellColumns[category.by]; }

absl::Status ValidateConsolidatedRequest(const v1::ConsolidatedRequest& request) {
  const auto period_error = [](absl::string_view field, absl::string_view period) {
    return absl::InvalidArgumentError(
        period.empty() ? "a consolidated table needs a period (TIME_PERIOD)"
                       : absl::StrCat(field, " \"", period,
                                      "\" is not a TIME_PERIOD (2020, 2020-Q2, 2020-05, "
                                      "2020-05-14)"));
  };
  if (!IsTimePeriod(request.period())) {
    return period_error("period", request.period());
  }
  if (!request.period_to().empty()) {
    if (!IsTimePeriod(request.period_to())) {
      return period_error("period_to", request.period_to());
    }
    if (!SameFrequency(request.period(), request.period_to())) {
      return absl::InvalidArgumentError(
          absl::StrCat("period ", request.period(), " and period_to ", request.period_to(),
                       " are not of the same frequency (year, quarter, month or day)"));
    }
    if (request.period_to() < request.period()) {
      return absl::InvalidArgumentError(absl::StrCat("period_to ", request.period_to(),
                                                     " comes before period ", request.period()));
    }
  }
  const int by = ByColumn(request.by());
  if (by < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "by \"", request.by(), "\" is not a dimension of columns (CITIZEN, SEX, STAY_CAT, AGE)"));
  }
  const std::pair<int, const std::string*> named[] = {{kCitizen, &request.citizen()},
                                                      {kStayCat, &request.stay_cat()},
                                                      {kSex, &request.sex()},
                                                      {kAge, &request.age()}};
  for (const auto& [column, code] : named) {
    if (column == by && !code->empty() && *code != kTotal) {
      return absl::InvalidArgumentError(absl::StrCat(kCellColumns[column], " \"", *code,
                                                     "\": the columns are by ", kCellColumns[by],
                                                     ", so it cannot be fixed as well"));
    }
  }
  if (CitizenCodeId(OrTotal(request.citizen())) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CITIZEN \"", request.citizen(), "\" is not an ISO 3166-1 alpha-2 code, STLS, _U or _T"));
  }
  if (StayCatCodeId(OrTotal(request.stay_cat())) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("STAY_CAT \"", request.stay_cat(), "\" is not a category of stay"));
  }
  if (SexCodeId(OrTotal(request.sex())) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("SEX \"", request.sex(), "\" is not F, M, _U or _T"));
  }
  AgeCode age;
  if (!ParseAgeCode(OrTotal(request.age()), &age)) {
    return absl::InvalidArgumentError(
        absl::StrCat("AGE \"", request.age(), "\" is not an SDMX CL_AGE code"));
  }
  for (const auto& [origin, size] : request.at_sizes()) {
    if (!IsFederationState(origin)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "at_sizes: \"", origin, "\" is not a federation state (AZ KZ KG TR UZ HU TM)"));
    }
    if (size == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("at_sizes: ", origin, "=0: a table is computed at a log size of 1 or more"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TableCategory> TableCategoryOf(const v1::ConsolidatedRequest& request) {
  OTS_RETURN_IF_ERROR(ValidateConsolidatedRequest(request));
  TableCategory category;
  category.period = request.period();
  category.by = ByColumn(request.by());
  category.citizen = std::string(OrTotal(request.citizen()));
  category.stay_cat = std::string(OrTotal(request.stay_cat()));
  category.sex = std::string(OrTotal(request.sex()));
  category.age = std::string(OrTotal(request.age()));
  ParseAgeCode(category.age, &category.age_code);  // checked above
  return category;
}

namespace {

// The origins the table considers: held here and visible to the caller. INVALID_ARGUMENT if
// at_sizes names another.
absl::StatusOr<std::vector<std::string>> SelectOrigins(
    Store& store, const v1::ConsolidatedRequest& request,
    const std::function<bool(absl::string_view origin)>& may_see) {
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> held, store.Origins());
  std::vector<std::string> origins;
  for (const std::string& o : held) {
    if (may_see(o)) {
      origins.push_back(o);
    }
  }
  for (const auto& [origin, size] : request.at_sizes()) {
    if (!std::binary_search(origins.begin(), origins.end(), origin)) {
      return absl::InvalidArgumentError(
          absl::StrCat("at_sizes: ", origin, "=", size, ": no log of ", origin, " here"));
    }
  }
  return origins;
}

// The column codes in the order a reader expects: AGE by interval (then _U), others by code.
void SortColumns(int by, std::vector<std::string>* codes) {
  if (by != kAge) {
    std::sort(codes->begin(), codes->end());
    return;
  }
  const auto key = [](const std::string& code) {
    AgeCode a;
    ParseAgeCode(code, &a);  // every code came from a validated cell
    return std::make_tuple(a.kind == AgeCode::kUnknown, a.lo, a.hi, code);
  };
  std::sort(codes->begin(), codes->end(),
            [&](const std::string& x, const std::string& y) { return key(x) < key(y); });
}

// Whether the figures of a row are disjoint parts, so that their sum is a total: citizenships
// and sexes are; AGE intervals are where none overlaps another; categories of stay never are.
bool DisjointColumns(int by, const std::map<std::string, TableValue>& figures) {
  if (by == kStayCat) {
    return false;
  }
  if (by != kAge) {
    return true;
  }
  std::vector<std::pair<int, int>> ranges;
  for (const auto& [code, v] : figures) {
    AgeCode a;
    ParseAgeCode(code, &a);
    if (a.kind == AgeCode::kRange) {
      ranges.emplace_back(a.lo, a.hi);
    }
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) {
      return false;
    }
  }
  return true;
}

// The columns: every code some row reports, in order. Notes which figures are flows.
std::vector<std::string> AddColumns(const std::vector<const TableOrigin*>& rows,
                                    const TableCategory& category, v1::ConsolidatedResponse* out) {
  std::set<std::string> code_set;
  size_t flows = 0, values = 0;
  for (const TableOrigin* row : rows) {
    for (const auto& [code, v] : row->figures) {
      code_set.insert(code);
      flows += v.flow ? 1 : 0;
      ++values;
    }
    if (row->total.has_value()) {
      flows += row->total->flow ? 1 : 0;
      ++values;
    }
  }
  std::vector<std::string> codes(code_set.begin(), code_set.end());
  SortColumns(category.by, &codes);
  for (const std::string& c : codes) {
    out->add_citizens(c);
  }
  if (values > 0 && flows == values) {
    out->add_notes(absl::StrCat("every figure is a flow (STOCK_FLOW=FLW: events in ",
                                category.period, "), not a stock"));
    return codes;
  }
  for (const TableOrigin* row : rows) {
    std::vector<std::string> flow_codes;
    for (const auto& [code, v] : row->figures) {
      if (v.flow) {
        flow_codes.push_back(code);
      }
    }
    if (row->total.has_value() && row->total->flow) {
      flow_codes.emplace_back(kTotal);
    }
    if (!flow_codes.empty()) {
      out->add_notes(absl::StrCat(row->origin, ": ", absl::StrJoin(flow_codes, ", "),
                                  flow_codes.size() == 1 ? " is a flow" : " are flows",
                                  " (STOCK_FLOW=FLW), not stocks"));
    }
  }
  return codes;
}

// A figure whose value is not known here: withheld, as a suppressed figure is.
v1::ConsolidatedResponse::Figure WithheldFigure(bool derived, bool flow,
                                                absl::string_view conf_status) {
  v1::ConsolidatedResponse::Figure f;
  f.set_derived(derived);
  f.set_stock_flow(flow ? "FLW" : "STK");
  f.set_suppressed(true);
  f.set_conf_status(std::string(conf_status));
  return f;
}

v1::ConsolidatedResponse::Figure ReportedFigure(const TableValue& v) {
  if (v.withheld) {
    return WithheldFigure(false, v.flow, v.conf_status);
  }
  v1::ConsolidatedResponse::Figure f = MakeFigure(v.value, false, v.flow);
  f.set_obs_status(v.obs_status);
  f.set_conf_status(v.conf_status);
  return f;
}

// A sum figure: withheld if one of its parts is.
v1::ConsolidatedResponse::Figure SumFigure(uint64_t sum, bool withheld, bool flow) {
  return withheld ? WithheldFigure(true, flow, "C") : MakeFigure(sum, true, flow);
}

// The rows, each with its provenance and total: the reported _T cell, else the sum of its
// figures where they are disjoint. Returns the row totals (nullopt where there is none).
absl::StatusOr<std::vector<std::optional<TableValue>>> AddRows(
    const std::vector<const TableOrigin*>& rows, const TableCategory& category,
    const std::vector<std::string>& codes, v1::ConsolidatedResponse* out) {
  std::vector<std::optional<TableValue>> row_totals;
  for (const TableOrigin* row : rows) {
    v1::ConsolidatedResponse::Row* r = out->add_rows();
    r->set_ref_area(row->origin);
    r->set_revision(row->revision);
    r->set_log_index(row->log_index);
    r->set_submitted_at(row->submitted_at);
    for (const std::string& c : codes) {
      auto it = row->figures.find(c);
      *r->add_figures() = it == row->figures.end() ? v1::ConsolidatedResponse::Figure()
                                                   : ReportedFigure(it->second);
    }
    if (row->total.has_value()) {
      *r->mutable_total() = ReportedFigure(*row->total);
      row_totals.push_back(row->total);
      continue;
    }
    if (!DisjointColumns(category.by, row->figures)) {
      out->add_notes(absl::StrCat(row->origin, ": no total: it reports no ", ByName(category),
                                  "=_T cell and its figures overlap (",
                                  category.by == kStayCat ? "categories of stay" : "age intervals",
                                  "), so they do not add up"));
      row_totals.emplace_back();
      continue;
    }
    TableValue sum;
    sum.flow = row->figures.begin()->second.flow;
    bool mixed = false;
    for (const auto& [code, v] : row->figures) {
      mixed = mixed || v.flow != sum.flow;
      sum.withheld = sum.withheld || v.withheld;
      if (!AddChecked(&sum.value, v.value)) {
        return Overflow(absl::StrCat("total of ", row->origin));
      }
    }
    if (mixed) {
      out->add_notes(absl::StrCat(row->origin, ": no total: it reports no ", ByName(category),
                                  "=_T cell and its figures mix stocks and flows"));
      row_totals.emplace_back();
      continue;
    }
    *r->mutable_total() = SumFigure(sum.value, sum.withheld, sum.flow);
    row_totals.push_back(sum);
  }
  return row_totals;
}

// Column totals: the sum over the rows that report the column.
absl::Status AddColumnTotals(const std::vector<const TableOrigin*>& rows,
                             const TableCategory& category, const std::vector<std::string>& codes,
                             v1::ConsolidatedResponse* out) {
  for (const std::string& code : codes) {
    uint64_t sum = 0;
    bool withheld = false;
    std::set<bool> kinds;
    for (const TableOrigin* row : rows) {
      auto it = row->figures.find(code);
      if (it == row->figures.end()) {
        continue;
      }
      kinds.insert(it->second.flow);
      withheld = withheld || it->second.withheld;
      if (!AddChecked(&sum, it->second.value)) {
        return Overflow(absl::StrCat("total of ", ByName(category), "=", code));
      }
    }
    if (kinds.size() > 1) {
      out->add_notes(absl::StrCat(ByName(category), "=", code,
                                  ": no total: the states report it as stocks and as flows"));
      out->add_column_totals();
      continue;
    }
    *out->add_column_totals() = SumFigure(sum, withheld, kinds.count(true) > 0);
  }
  return absl::OkStatus();
}

// The grand total: the sum of the row totals, if every row has one and they are alike.
absl::Status AddGrandTotal(const std::vector<std::optional<TableValue>>& row_totals,
                           v1::ConsolidatedResponse* out) {
  if (row_totals.empty()) {
    return absl::OkStatus();
  }
  uint64_t sum = 0;
  bool withheld = false;
  std::set<bool> kinds;
  bool complete = true;
  for (const std::optional<TableValue>& t : row_totals) {
    if (!t.has_value()) {
      complete = false;
      continue;
    }
    kinds.insert(t->flow);
    withheld = withheld || t->withheld;
    if (!AddChecked(&sum, t->value)) {
      return Overflow("grand total");
    }
  }
  if (complete && kinds.size() == 1) {
    *out->mutable_grand_total() = SumFigure(sum, withheld, kinds.count(true) > 0);
  } else {
    out->add_notes(complete ? "no grand total: the row totals mix stocks and flows"
                            : "no grand total: a row has no total");
  }
  return absl::OkStatus();
}

// "STAY_CAT=_T SEX=F AGE=_T": the table's fixed codes, CITIZEN too where the columns are not it.
std::string FixedCodes(const TableCategory& category) {
  std::vector<std::string> parts;
  if (category.by != kCitizen) {
    parts.push_back(absl::StrCat("CITIZEN=", category.citizen));
  }
  if (category.by != kStayCat) {
    parts.push_back(absl::StrCat("STAY_CAT=", category.stay_cat));
  }
  if (category.by != kSex) {
    parts.push_back(absl::StrCat("SEX=", category.sex));
  }
  if (category.by != kAge) {
    parts.push_back(absl::StrCat("AGE=", category.age));
  }
  return absl::StrJoin(parts, " ");
}

}  // namespace

namespace {

// The category of `out`: its period, the fixed codes (the dimension of the columns is _T, as the
// table does not fix it), and the columns' dimension and CITIZEN unless the columns are CITIZEN.
void SetCategory(const TableCategory& category, v1::ConsolidatedResponse* out) {
  out->set_period(category.period);
  out->set_stay_cat(category.stay_cat);
  out->set_sex(category.sex);
  out->set_age(category.age);
  if (category.by != kCitizen) {
    out->set_by(std::string(ByName(category)));
    out->set_citizen(category.citizen);
  }
}

}  // namespace

absl::StatusOr<v1::ConsolidatedResponse> BuildConsolidated(const TableCategory& category,
                                                           absl::Span<const TableOrigin> origins) {
  v1::ConsolidatedResponse out;
  SetCategory(category, &out);
  std::vector<const TableOrigin*> rows;
  for (const TableOrigin& origin : origins) {
    v1::OriginStatus* status = out.add_checkpoints();
    status->set_origin(origin.origin);
    status->set_log_size(origin.log_size);
    status->set_checkpoint_note(origin.checkpoint_note);
    if (origin.revision == 0) {
      out.add_notes(absl::StrCat(origin.origin, ": no return for ", category.period, " (log size ",
                                 origin.log_size, ")"));
    } else if (origin.figures.empty() && !origin.total.has_value()) {
      out.add_notes(absl::StrCat(origin.origin, ": its return for ", category.period, " (revision ",
                                 origin.revision, ") has no cell for ", FixedCodes(category)));
    } else {
      rows.push_back(&origin);
    }
  }
  const std::vector<std::string> codes = AddColumns(rows, category, &out);
  OTS_ASSIGN_OR_RETURN(std::vector<std::optional<TableValue>> row_totals,
                       AddRows(rows, category, codes, &out));
  OTS_RETURN_IF_ERROR(AddColumnTotals(rows, category, codes, &out));
  OTS_RETURN_IF_ERROR(AddGrandTotal(row_totals, &out));
  return out;
}

absl::StatusOr<v1::ConsolidatedResponse> Consolidate(
    OriginLogs& logs, const v1::ConsolidatedRequest& request,
    const std::function<bool(absl::string_view origin)>& may_see,
    const std::function<bool(absl::string_view origin)>& may_open) {
  OTS_ASSIGN_OR_RETURN(TableCategory category, TableCategoryOf(request));
  Store& store = logs.store();
  const bool series = !request.period_to().empty();
  // Each visible origin at its log point, with its log up to there.
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> names, SelectOrigins(store, request, may_see));
  struct Taken {
    TableOrigin at;  // origin, log size and note; the rest per period
    std::vector<v1::LogEntry> entries;
  };
  std::vector<Taken> taken;
  std::set<std::string> periods;
  if (!series) {
    periods.insert(category.period);
  }
  for (const std::string& origin : names) {
    auto named = request.at_sizes().find(origin);
    absl::StatusOr<LogPoint> point =
        FindLogPoint(logs, origin, named == request.at_sizes().end() ? 0 : named->second);
    if (!point.ok()) {
      return absl::IsInvalidArgument(point.status())
                 ? absl::InvalidArgumentError(absl::StrCat("at_sizes: ", point.status().message()))
                 : point.status();
    }
    Taken& t = taken.emplace_back();
    t.at.origin = origin;
    t.at.log_size = point->size;
    t.at.checkpoint_note = point->checkpoint.note();
    OTS_ASSIGN_OR_RETURN(t.entries, store.ReadLogRange(origin, 0, point->size));
    if (series) {
      OTS_ASSIGN_OR_RETURN(
          std::vector<std::string> own,
          PeriodsInRange(t.entries, origin, request.period(), request.period_to()));
      periods.insert(own.begin(), own.end());
    }
  }
  // One table per period, every origin at the same log point.
  std::vector<v1::ConsolidatedResponse> tables;
  for (const std::string& period : periods) {
    TableCategory at = category;
    at.period = period;
    std::vector<TableOrigin> origins;
    for (const Taken& t : taken) {
      TableOrigin& part = origins.emplace_back(t.at);
      OTS_ASSIGN_OR_RETURN(std::optional<v1::ReturnHeader> in_force,
                           ReturnInForce(t.entries, t.at.origin, period, &part.log_index));
      if (in_force.has_value()) {
        part.revision = in_force->revision();
        part.submitted_at = in_force->created_at();
        OTS_RETURN_IF_ERROR(
            ReadReturn(store, *in_force, at, may_open == nullptr || may_open(t.at.origin), &part));
      }
    }
    OTS_ASSIGN_OR_RETURN(tables.emplace_back(), BuildConsolidated(at, origins));
  }
  v1::ConsolidatedResponse out;
  if (series) {
    SetCategory(category, &out);  // of request.period, the first of the range
    out.set_period_to(request.period_to());
    for (const Taken& t : taken) {
      v1::OriginStatus* status = out.add_checkpoints();
      status->set_origin(t.at.origin);
      status->set_log_size(t.at.log_size);
      status->set_checkpoint_note(t.at.checkpoint_note);
    }
    for (v1::ConsolidatedResponse& table : tables) {
      table.clear_checkpoints();
      *out.add_series() = std::move(table);
    }
  } else {
    out = std::move(tables.front());
  }
  // What the witnesses have cosigned beyond what this node holds: a table taken at the latest
  // checkpoints says so for each origin it is behind on. This is the node's own word, not part
  // of what the signed returns give (a verifier leaves it out: AddFreshness).
  OTS_ASSIGN_OR_RETURN(auto seen, store.SeenCheckpoints());
  for (v1::OriginStatus& status : *out.mutable_checkpoints()) {
    auto gap = seen.find(status.origin());
    if (request.at_sizes().contains(status.origin()) || gap == seen.end() ||
        gap->second.size() <= status.log_size()) {
      continue;
    }
    *status.mutable_seen() = gap->second;
    status.set_behind(DescribeGap(status.origin(), status.log_size(), gap->second));
    out.add_notes(
        absl::StrCat(kBehindNote, status.behind(), ": this table has not received the rest"));
  }
  for (const auto& [origin, cp] : seen) {
    if (request.at_sizes().empty() && may_see(origin) &&
        std::find(names.begin(), names.end(), origin) == names.end()) {
      out.add_notes(
          absl::StrCat(kBehindNote, DescribeGap(origin, 0, cp), ": this table has none of it"));
    }
  }
  return out;
}

}  // namespace ots
