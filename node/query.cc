#include "node/query.h"

#include <algorithm>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/status_macros.h"

namespace ots {
namespace {

constexpr int kObsValueColumn = 6;

int ColumnIndex(absl::string_view name) {
  for (size_t c = 0; c < kCellColumnCount; ++c) {
    if (name == kCellColumns[c]) {
      return static_cast<int>(c);
    }
  }
  return -1;
}

bool Allowed(const std::vector<std::string>& allowed, absl::string_view code) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), code) != allowed.end();
}

// Calls `fn(fields)` for every current cell matching `filter`.
absl::Status ForEachMatchingCell(
    Store& store, const CellFilter& filter,
    const std::function<void(const std::vector<absl::string_view>&)>& fn) {
  return store.ForEachCurrent([&](absl::string_view origin, absl::string_view period,
                                  const v1::CurrentEntry& entry) -> absl::Status {
    if (!Allowed(filter.allowed[0], origin) || !Allowed(filter.allowed[1], period)) {
      return absl::OkStatus();
    }
    return store.ForEachCell(
        origin, period, entry.revision(), [&](absl::string_view line) -> absl::Status {
          std::vector<absl::string_view> f = absl::StrSplit(line, ',');
          if (f.size() != kCellColumnCount) {
            return absl::DataLossError(absl::StrCat("stored cell is malformed: ", line));
          }
          for (size_t c = 0; c < kCellColumnCount; ++c) {
            if (!Allowed(filter.allowed[c], f[c])) {
              return absl::OkStatus();
            }
          }
          fn(f);
          return absl::OkStatus();
        });
  });
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", c < 0x10 ? "0" : "", absl::Hex(c));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

absl::StatusOr<CellFilter> ParseCellFilter(const std::vector<std::string>& specs) {
  CellFilter filter;
  for (const std::string& spec : specs) {
    size_t eq = spec.find('=');
    int column = eq == std::string::npos ? -1 : ColumnIndex(spec.substr(0, eq));
    if (column < 0 || column == kObsValueColumn) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter \"", spec, "\": expected COLUMN=code[,code...] with COLUMN one of ",
          "REF_AREA TIME_PERIOD CITIZEN STAY_CAT SEX AGE OBS_STATUS CONF_STATUS STOCK_FLOW"));
    }
    std::vector<std::string> codes = absl::StrSplit(spec.substr(eq + 1), ',');
    if (codes.empty() ||
        std::any_of(codes.begin(), codes.end(), [](const std::string& c) { return c.empty(); })) {
      return absl::InvalidArgumentError(absl::StrCat("filter \"", spec, "\": empty code"));
    }
    auto& allowed = filter.allowed[column];
    allowed.insert(allowed.end(), codes.begin(), codes.end());
  }
  return filter;
}

absl::StatusOr<std::vector<int>> ParseColumnList(absl::string_view spec) {
  std::vector<int> out;
  for (absl::string_view name : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    int column = ColumnIndex(name);
    if (column < 0 || column == kObsValueColumn) {
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

absl::StatusOr<Table> QueryCells(Store& store, const CellFilter& filter) {
  Table t;
  t.columns.assign(std::begin(kCellColumns), std::end(kCellColumns));
  OTS_RETURN_IF_ERROR(ForEachMatchingCell(
      store, filter,
      [&](const std::vector<absl::string_view>& f) { t.rows.emplace_back(f.begin(), f.end()); }));
  return t;
}

absl::StatusOr<Table> QueryTotals(Store& store, const CellFilter& filter,
                                  const std::vector<int>& group_by) {
  // Grouping columns in cell-line order, with the implicit ones.
  std::vector<int> columns = {0, 1};
  for (int c : group_by) {
    if (c != 0 && c != 1 && c != 9) {
      columns.push_back(c);
    }
  }
  std::sort(columns.begin() + 2, columns.end());
  columns.push_back(9);  // STOCK_FLOW
  CellFilter effective = filter;
  for (int dim = 2; dim <= 5; ++dim) {  // CITIZEN, STAY_CAT, SEX, AGE
    bool grouped = std::find(columns.begin(), columns.end(), dim) != columns.end();
    if (!grouped && effective.allowed[dim].empty()) {
      effective.allowed[dim] = {"_T"};
    }
  }
  std::map<std::vector<std::string>, uint64_t> sums;
  absl::Status bad;
  OTS_RETURN_IF_ERROR(
      ForEachMatchingCell(store, effective, [&](const std::vector<absl::string_view>& f) {
        std::vector<std::string> key;
        key.reserve(columns.size());
        for (int c : columns) {
          key.emplace_back(f[c]);
        }
        uint64_t v = 0;
        if (!absl::SimpleAtoi(f[kObsValueColumn], &v) && bad.ok()) {
          bad = absl::DataLossError(
              absl::StrCat("stored OBS_VALUE \"", f[kObsValueColumn], "\" is not a number"));
        }
        sums[key] += v;
      }));
  OTS_RETURN_IF_ERROR(bad);
  Table t;
  for (int c : columns) {
    t.columns.push_back(kCellColumns[c]);
  }
  t.columns.push_back("OBS_VALUE");
  for (auto& [key, sum] : sums) {
    std::vector<std::string> row = key;
    row.push_back(absl::StrCat(sum));
    t.rows.push_back(std::move(row));
  }
  return t;
}

absl::StatusOr<TableFormat> ParseTableFormat(absl::string_view name) {
  if (name == "table") {
    return TableFormat::kTable;
  }
  if (name == "csv") {
    return TableFormat::kCsv;
  }
  if (name == "json") {
    return TableFormat::kJson;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--format \"", name, "\": expected table, csv or json"));
}

std::string RenderTable(const Table& t, TableFormat format) {
  std::string out;
  switch (format) {
    case TableFormat::kCsv:
      absl::StrAppend(&out, absl::StrJoin(t.columns, ","), "\n");
      for (const auto& row : t.rows) {
        absl::StrAppend(&out, absl::StrJoin(row, ","), "\n");
      }
      return out;
    case TableFormat::kJson: {
      out = "[";
      for (size_t r = 0; r < t.rows.size(); ++r) {
        out += r == 0 ? "\n  {" : ",\n  {";
        for (size_t c = 0; c < t.columns.size(); ++c) {
          absl::StrAppend(&out, c == 0 ? "" : ", ", JsonString(t.columns[c]), ": ",
                          t.columns[c] == "OBS_VALUE" ? t.rows[r][c] : JsonString(t.rows[r][c]));
        }
        out += "}";
      }
      out += t.rows.empty() ? "]\n" : "\n]\n";
      return out;
    }
    case TableFormat::kTable:
      break;
  }
  std::vector<size_t> width(t.columns.size());
  for (size_t c = 0; c < t.columns.size(); ++c) {
    width[c] = t.columns[c].size();
    for (const auto& row : t.rows) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      bool numeric = t.columns[c] == "OBS_VALUE";
      std::string pad(width[c] - cells[c].size(), ' ');
      absl::StrAppend(&out, c == 0 ? "" : "  ", numeric ? pad : "", cells[c],
                      numeric || c + 1 == cells.size() ? "" : pad);
    }
    out += "\n";
  };
  line(t.columns);
  std::vector<std::string> rule;
  for (size_t w : width) {
    rule.emplace_back(w, '-');
  }
  line(rule);
  for (const auto& row : t.rows) {
    line(row);
  }
  absl::StrAppend(&out, "(", t.rows.size(), t.rows.size() == 1 ? " row" : " rows", ")\n");
  return out;
}

}  // namespace ots
