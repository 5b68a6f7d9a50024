#include "node/query/query.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/log/log_checker.h"
#include "node/model/codes.h"
#include "node/model/sealed_cells.h"

namespace ots {

namespace {

bool Allowed(const std::vector<std::string>& allowed, absl::string_view code) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), code) != allowed.end();
}

// Checks one column's codes: a column that can be filtered, and no empty code.
absl::Status AddCodes(absl::string_view spec, int column, const std::vector<std::string>& codes,
                      CellFilter* filter) {
  if (column < 0 || column == kObsValue) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter \"", spec, "\": expected COLUMN=code[,code...] with COLUMN one of ",
        "REF_AREA TIME_PERIOD CITIZEN STAY_CAT SEX AGE OBS_STATUS CONF_STATUS STOCK_FLOW"));
  }
  if (codes.empty() ||
      std::any_of(codes.begin(), codes.end(), [](const std::string& c) { return c.empty(); })) {
    return absl::InvalidArgumentError(absl::StrCat("filter \"", spec, "\": empty code"));
  }
  auto& allowed = filter->allowed[column];
  allowed.insert(allowed.end(), codes.begin(), codes.end());
  return absl::OkStatus();
}

}  // namespace

bool CellFilter::Matches(const CellLineView& cell) const {
  // A sealed cell's OBS_STATUS is sealed with its value: unknown, so not filtered out (a total
  // over it is withheld, not silently smaller).
  const bool sealed = IsSealedCell(cell);
  for (size_t c = 0; c < kCellColumnCount; ++c) {
    if (sealed && c == kObsStatus) {
      continue;
    }
    if (!Allowed(allowed[c], cell[c])) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<CellFilter> ParseCellFilter(const std::vector<std::string>& specs) {
  CellFilter filter;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    const int column = eq == std::string::npos ? -1 : CellColumnIndex(spec.substr(0, eq));
    std::vector<std::string> codes;
    if (eq != std::string::npos) {
      codes = absl::StrSplit(spec.substr(eq + 1), ',');
    }
    OTS_RETURN_IF_ERROR(AddCodes(spec, column, codes, &filter));
  }
  return filter;
}

absl::StatusOr<CellFilter> CellFilterFromWire(
    const google::protobuf::RepeatedPtrField<v1::ColumnFilter>& filters) {
  CellFilter filter;
  for (const v1::ColumnFilter& f : filters) {
    std::vector<std::string> codes(f.codes().begin(), f.codes().end());
    OTS_RETURN_IF_ERROR(AddCodes(absl::StrCat(f.column(), "=", absl::StrJoin(codes, ",")),
                                 CellColumnIndex(f.column()), codes, &filter));
  }
  return filter;
}

absl::StatusOr<CellFilter> VisibleTo(Store& store, const Directory& directory,
                                     absl::string_view member, CellFilter filter) {
  std::vector<std::string>& areas = filter.allowed[kRefArea];
  for (const std::string& o : areas) {
    if (!directory.MaySee(member, o)) {
      return absl::PermissionDeniedError(absl::StrCat(o, " does not share its data with ", member));
    }
  }
  if (areas.empty()) {
    OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
    for (const std::string& o : origins) {
      if (directory.MaySee(member, o)) {
        areas.push_back(o);
      }
    }
    if (areas.empty()) {
      areas.emplace_back();  // matches no cell
    }
  }
  filter.open_all = false;
  filter.open_origins.clear();
  for (const std::string& o : areas) {
    if (!o.empty() && directory.MaySeeConfidential(member, o)) {
      filter.open_origins.push_back(o);
    }
  }
  return filter;
}

namespace {

absl::Status ForEachCurrent(
    OriginLogs& logs, const CellFilter& filter, bool with_source,
    const std::function<absl::Status(const CellSource&, const CellLineView&)>& fn) {
  Store& store = logs.store();
  CellSource source;
  std::string heads_of;  // the origin whose tree head `source` holds
  return store.ForEachCurrent([&](absl::string_view origin, absl::string_view period,
                                  const v1::CurrentEntry& entry) -> absl::Status {
    if (!Allowed(filter.allowed[kRefArea], origin) ||
        !Allowed(filter.allowed[kTimePeriod], period)) {
      return absl::OkStatus();
    }
    const auto parse = [](absl::string_view line, CellLineView* cell) {
      return CellLineView::Parse(line, cell)
                 ? absl::OkStatus()
                 : absl::DataLossError(absl::StrCat("stored cell is malformed: ", line));
    };
    if (with_source) {
      if (heads_of != origin) {
        OTS_ASSIGN_OR_RETURN(OriginLogs::TreeHead head, logs.Head(origin));
        source.log_size = head.size;
        source.log_root = absl::Base64Escape(HashBytes(head.root));
        heads_of = std::string(origin);
      }
      OTS_ASSIGN_OR_RETURN(v1::ReturnHeader header, logs.VerifiedHeader(origin, entry.log_index()));
      source.revision = entry.revision();
      source.log_index = entry.log_index();
      source.submitted_at = header.created_at();
    }
    if (logs.CellsVerified(origin, entry.log_index(), period, entry.revision())) {
      return store.ForEachOpenedCell(
          origin, period, entry.revision(), filter.Opens(origin),
          [&](absl::string_view, absl::string_view line) -> absl::Status {
            CellLineView cell;
            OTS_RETURN_IF_ERROR(parse(line, &cell));
            return filter.Matches(cell) ? fn(source, cell) : absl::OkStatus();
          });
    }
    // First read of this return: every stored cell is hashed against the cells root its signed
    // header states, and the header against the verified log; nothing is passed on before.
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader header, logs.VerifiedHeader(origin, entry.log_index()));
    const std::string where = absl::StrCat(origin, " ", period, " revision ", entry.revision(),
                                           " (log index ", entry.log_index(), ")");
    if (header.period() != period || header.revision() != entry.revision()) {
      return absl::DataLossError(absl::StrCat(where,
                                              ": the current view names a return the "
                                              "log entry is not"));
    }
    CellsChecker checker(header, absl::StatusCode::kDataLoss);
    std::vector<std::string> matched;
    OTS_RETURN_IF_ERROR(store.ForEachOpenedCell(
        origin, period, entry.revision(), filter.Opens(origin),
        [&](absl::string_view leaf, absl::string_view line) -> absl::Status {
          checker.Add(leaf);
          CellLineView cell;
          if (CellLineView::Parse(line, &cell) && filter.Matches(cell)) {
            matched.emplace_back(line);
          }
          return absl::OkStatus();
        }));
    absl::Status verified = checker.Finish(where);
    if (!verified.ok()) {
      return absl::DataLossError(
          absl::StrCat(verified.message(),
                       "; the stored cells do not hash to the cells root its header "
                       "signs, so none of them is shown (run ots-ctl audit)"));
    }
    logs.MarkCellsVerified(origin, entry.log_index(), period, entry.revision());
    for (const std::string& line : matched) {
      CellLineView cell;
      OTS_RETURN_IF_ERROR(parse(line, &cell));
      OTS_RETURN_IF_ERROR(fn(source, cell));
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::Status ForEachCurrentCell(OriginLogs& logs, const CellFilter& filter,
                                const std::function<absl::Status(const CellLineView&)>& fn) {
  return ForEachCurrent(logs, filter, false,
                        [&](const CellSource&, const CellLineView& cell) { return fn(cell); });
}

absl::Status ForEachCurrentCellWithSource(
    OriginLogs& logs, const CellFilter& filter,
    const std::function<absl::Status(const CellSource&, const CellLineView&)>& fn) {
  return ForEachCurrent(logs, filter, true, fn);
}

std::vector<std::string> ProvenanceFields(const CellSource& source) {
  return {absl::StrCat(source.revision), absl::StrCat(source.log_index), source.submitted_at,
          absl::StrCat(source.log_size), source.log_root};
}

absl::StatusOr<Table> LogListing(OriginLogs& logs, const std::vector<std::string>& origins) {
  Table t;
  t.columns = {"origin",    "index",      "period",     "revision", "cells",
               "value_sum", "cells_root", "created_at", "key_id"};
  for (const std::string& origin : origins) {
    OTS_ASSIGN_OR_RETURN(uint64_t size, logs.store().LogSize(origin));
    if (size == 0) {
      return absl::NotFoundError(absl::StrCat("this node holds no log of ", origin));
    }
    for (uint64_t i = 0; i < size; ++i) {
      OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, logs.VerifiedHeader(origin, i));
      t.rows.push_back({origin, absl::StrCat(i), h.period(), absl::StrCat(h.revision()),
                        absl::StrCat(h.cell_count()), absl::StrCat(h.value_sum()),
                        HexEncode(h.cells_root()), h.created_at(), h.key_id()});
    }
  }
  return t;
}

absl::StatusOr<std::vector<int>> ColumnsByName(const std::vector<std::string>& names) {
  std::vector<int> out;
  for (const std::string& name : names) {
    const int column = CellColumnIndex(name);
    if (column < 0 || column == kObsValue) {
      return absl::InvalidArgumentError(absl::StrCat("\"", name,
                                                     "\" is not a column to group "
                                                     "by (REF_AREA TIME_PERIOD CITIZEN STAY_CAT "
                                                     "SEX AGE OBS_STATUS CONF_STATUS "
                                                     "STOCK_FLOW)"));
    }
    if (std::find(out.begin(), out.end(), column) == out.end()) {
      out.push_back(column);
    }
  }
  return out;
}

absl::StatusOr<std::vector<int>> ParseColumnList(absl::string_view spec) {
  return ColumnsByName(absl::StrSplit(spec, ',', absl::SkipEmpty()));
}

absl::StatusOr<Table> QueryCells(OriginLogs& logs, const CellFilter& filter, bool provenance) {
  Table t;
  t.columns.assign(std::begin(kCellColumns), std::end(kCellColumns));
  if (provenance) {
    t.columns.insert(t.columns.end(), std::begin(kProvenanceColumns), std::end(kProvenanceColumns));
  }
  OTS_RETURN_IF_ERROR(ForEachCurrent(logs, filter, provenance,
                                     [&](const CellSource& source, const CellLineView& cell) {
                                       std::vector<std::string>& row = t.rows.emplace_back();
                                       for (size_t c = 0; c < kCellColumnCount; ++c) {
                                         row.emplace_back(cell[c]);
                                       }
                                       if (provenance) {
                                         for (std::string& field : ProvenanceFields(source)) {
                                           row.push_back(std::move(field));
                                         }
                                       }
                                       return absl::OkStatus();
                                     }));
  return t;
}

namespace {

// One cell during aggregation: its ten columns (OBS_VALUE unused) and its value.
struct Row {
  std::array<std::string, kCellColumnCount> f;
  uint64_t value = 0;
  bool withheld = false;  // a sealed cell not opened here, or a sum over one
};

// Replaces the cells that differ only in dimension `dim` by one cell with `dim` = _T: the
// reported total where there is one, else the sum of the parts where the parts are disjoint
// (CITIZEN, SEX; AGE intervals that do not overlap). Groups whose total cannot be known are
// dropped and described in `notes`. `key_columns` are the columns that tell groups apart.
std::vector<Row> Collapse(std::vector<Row> rows, int dim, const std::vector<int>& key_columns,
                          std::vector<std::string>* notes) {
  struct Group {
    Row total;
    bool has_total = false;
    std::vector<const Row*> parts;
  };
  std::map<std::vector<std::string>, Group> groups;
  for (const Row& r : rows) {
    std::vector<std::string> key;
    for (int c : key_columns) {
      if (c != dim) {
        key.push_back(r.f[c]);
      }
    }
    Group& g = groups[key];
    if (r.f[dim] == "_T") {
      g.total = r;
      g.has_total = true;
    } else {
      g.parts.push_back(&r);
    }
  }
  std::vector<Row> out;
  size_t dropped = 0;
  std::string example;
  for (auto& [key, g] : groups) {
    if (g.has_total) {
      out.push_back(std::move(g.total));
      continue;
    }
    bool derivable = dim == kCitizen || dim == kSex;  // these parts are disjoint
    uint64_t sum = 0;
    bool withheld = false;
    if (dim == kAge) {
      // AGE: the outermost intervals (and _U) must not overlap.
      std::vector<std::pair<AgeCode, const Row*>> ages;
      derivable = true;
      for (const Row* p : g.parts) {
        AgeCode a;
        if (!ParseAgeCode(p->f[dim], &a)) {
          derivable = false;
        } else if (a.kind == AgeCode::kUnknown) {
          sum += p->value;
          withheld = withheld || p->withheld;
        } else {
          ages.emplace_back(a, p);
        }
      }
      std::sort(ages.begin(), ages.end(), [](const auto& x, const auto& y) {
        return std::make_pair(x.first.lo, -static_cast<int>(x.first.hi)) <
               std::make_pair(y.first.lo, -static_cast<int>(y.first.hi));
      });
      uint16_t covered_to = 0;
      for (const auto& [a, part] : ages) {
        if (a.hi <= covered_to) {
          continue;  // inside an interval already counted
        }
        if (a.lo < covered_to) {
          derivable = false;  // overlaps partly: no sound sum
        }
        sum += part->value;
        withheld = withheld || part->withheld;
        covered_to = a.hi;
      }
    } else {
      for (const Row* p : g.parts) {
        sum += p->value;
        withheld = withheld || p->withheld;
      }
    }
    if (!derivable) {
      ++dropped;
      if (example.empty()) {
        example = absl::StrJoin(key, " ");
      }
      continue;
    }
    Row r = *g.parts.front();
    r.f[dim] = "_T";
    r.value = sum;
    r.withheld = withheld;
    out.push_back(std::move(r));
  }
  if (dropped > 0) {
    notes->push_back(absl::StrCat(dropped, dropped == 1 ? " group" : " groups", " left out: no ",
                                  kCellColumns[dim], "=_T total is reported and ",
                                  dim == kStayCat
                                      ? "categories of stay overlap, so their sum is no total"
                                      : "the AGE groups overlap, so their sum is no total",
                                  " (first: ", example, ")"));
  }
  return out;
}

}  // namespace

absl::StatusOr<Table> QueryTotals(OriginLogs& logs, const CellFilter& filter,
                                  const std::vector<int>& group_by) {
  // Output columns in cell-line order: REF_AREA, TIME_PERIOD, the grouped ones, STOCK_FLOW.
  std::vector<int> columns = {kRefArea, kTimePeriod};
  for (int c : group_by) {
    if (c != kRefArea && c != kTimePeriod && c != kStockFlow) {
      columns.push_back(c);
    }
  }
  std::sort(columns.begin() + 2, columns.end());
  columns.push_back(kStockFlow);

  std::vector<Row> rows;
  OTS_RETURN_IF_ERROR(ForEachCurrentCell(logs, filter, [&](const CellLineView& cell) {
    Row r;
    for (size_t c = 0; c < kCellColumnCount; ++c) {
      r.f[c] = std::string(cell[c]);
    }
    r.withheld = IsSealedCell(cell);
    if (!r.withheld && !cell.ObsValue(&r.value)) {
      return absl::DataLossError(
          absl::StrCat("stored OBS_VALUE \"", cell.obs_value_text(), "\" is not a number"));
    }
    rows.push_back(std::move(r));
    return absl::OkStatus();
  }));

  // Collapse every dimension that is not grouped by, one at a time. Groups are told apart by
  // the dimensions, STOCK_FLOW and any grouped attribute.
  std::vector<int> key_columns = {kRefArea, kTimePeriod, kCitizen,  kStayCat,
                                  kSex,     kAge,        kStockFlow};
  for (int c : columns) {
    if (c == kObsStatus || c == kConfStatus) {
      key_columns.push_back(c);
    }
  }
  // Dimensions whose parts may not add up (STAY_CAT, AGE) go first, so that a group left out
  // there is left out before its siblings are summed over citizenships and sexes.
  Table t;
  for (int dim : {kStayCat, kAge, kSex, kCitizen}) {
    if (std::find(columns.begin(), columns.end(), dim) == columns.end()) {
      rows = Collapse(std::move(rows), dim, key_columns, &t.notes);
    }
  }

  std::map<std::vector<std::string>, std::pair<uint64_t, bool>> sums;  // sum, withheld
  for (const Row& r : rows) {
    std::vector<std::string> key;
    for (int c : columns) {
      key.push_back(r.f[c]);
    }
    std::pair<uint64_t, bool>& sum = sums[key];
    sum.first += r.value;
    sum.second = sum.second || r.withheld;
  }
  for (int c : columns) {
    t.columns.push_back(kCellColumns[c]);
  }
  t.columns.push_back("OBS_VALUE");
  size_t withheld = 0;
  for (auto& [key, sum] : sums) {
    std::vector<std::string> row = key;
    // A total over a sealed cell would give its value away: it is left empty.
    row.push_back(sum.second ? "" : absl::StrCat(sum.first));
    withheld += sum.second ? 1 : 0;
    t.rows.push_back(std::move(row));
  }
  if (withheld > 0) {
    t.notes.push_back(absl::StrCat(withheld, withheld == 1 ? " total" : " totals",
                                   " withheld (OBS_VALUE empty): each includes confidential cells "
                                   "whose values this node does not show you"));
  }
  return t;
}

}  // namespace ots
