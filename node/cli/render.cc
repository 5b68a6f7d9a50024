#include "node/cli/render.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace ots {
namespace {

std::string CsvRow(const std::vector<std::string>& row) {
  std::string out;
  for (size_t i = 0; i < row.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", CsvField(row[i]));
  }
  return out;
}

}  // namespace

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

namespace {

// OBS_VALUE in JSON: a number; null where withheld (an empty total over sealed cells); a sealed
// cell's commitment (docs/formats.md §2a) as a string.
std::string JsonMeasure(const std::string& value) {
  if (value.empty()) {
    return "null";
  }
  const bool number = std::all_of(value.begin(), value.end(), absl::ascii_isdigit);
  return number ? value : JsonString(value);
}

}  // namespace

std::string RenderTable(const Table& t, TableFormat format) {
  std::string out;
  switch (format) {
    case TableFormat::kCsv:
      absl::StrAppend(&out, CsvRow(t.columns), "\n");
      for (const auto& row : t.rows) {
        absl::StrAppend(&out, CsvRow(row), "\n");
      }
      return out;
    case TableFormat::kJson: {
      out.push_back('[');  // not out = "[", on which GCC 12 gives a false -Wrestrict
      for (size_t r = 0; r < t.rows.size(); ++r) {
        out += r == 0 ? "\n  {" : ",\n  {";
        for (size_t c = 0; c < t.columns.size(); ++c) {
          absl::StrAppend(
              &out, c == 0 ? "" : ", ", JsonString(t.columns[c]), ": ",
              t.columns[c] == "OBS_VALUE" ? JsonMeasure(t.rows[r][c]) : JsonString(t.rows[r][c]));
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
