// The consolidated table as text, CSV and JSON, and its --at argument (node/cli/render.h).
#include "node/cli/render.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/log/checkpoint.h"

namespace ots {

absl::StatusOr<std::map<std::string, uint64_t>> ParseAtSizes(absl::string_view spec) {
  std::map<std::string, uint64_t> out;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    uint64_t size = 0;
    if (kv.size() != 2 || kv[0].empty() || kv[1].empty() ||
        !std::all_of(kv[1].begin(), kv[1].end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        !absl::SimpleAtoi(kv[1], &size) || size == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--at \"", part, "\": expected ORIGIN=SIZE, SIZE a log size of 1 or more"));
    }
    if (!out.emplace(std::string(kv[0]), size).second) {
      return absl::InvalidArgumentError(absl::StrCat("--at names ", kv[0], " twice"));
    }
  }
  return out;
}

std::string FormatAtSizes(const v1::ConsolidatedResponse& table) {
  std::vector<std::string> parts;
  for (const v1::OriginStatus& s : table.checkpoints()) {
    parts.push_back(absl::StrCat(s.origin(), "=", s.log_size()));
  }
  return absl::StrJoin(parts, ",");
}

namespace {

constexpr absl::string_view kTotal = "_T";

std::string FigureText(const v1::ConsolidatedResponse::Figure& f) {
  if (!f.has_value()) {
    return "";
  }
  return absl::StrCat(f.value(), f.derived() ? "*" : "");
}

std::string JsonFigure(const v1::ConsolidatedResponse::Figure& f) {
  if (!f.has_value()) {
    return "null";
  }
  return absl::StrCat("{\"value\": ", f.value(), ", \"derived\": ", f.derived() ? "true" : "false",
                      "}");
}

std::string Title(const v1::ConsolidatedResponse& t) {
  return absl::StrCat("Consolidated table: TIME_PERIOD=", t.period(), " STAY_CAT=", t.stay_cat(),
                      " SEX=", t.sex(), " AGE=", t.age(), " (persons)");
}

// The checkpoints, the --at that recomputes the table, and the notes.
std::string RenderTrailer(const v1::ConsolidatedResponse& t) {
  std::string out;
  if (t.checkpoints_size() > 0) {
    absl::StrAppend(&out, "\nComputed at these checkpoints (log size: root):\n");
    for (const v1::OriginStatus& s : t.checkpoints()) {
      absl::StrAppend(&out, "  ", s.origin(), " at size ", s.log_size(), ": ",
                      CheckpointRootText(s.checkpoint_note()), "\n");
    }
    absl::StrAppend(&out, "Recompute exactly with: --at ", FormatAtSizes(t), "\n");
  }
  if (t.notes_size() > 0) {
    absl::StrAppend(&out, "\n");
    for (const std::string& n : t.notes()) {
      absl::StrAppend(&out, "note: ", n, "\n");
    }
  }
  return out;
}

std::string RenderText(const v1::ConsolidatedResponse& t) {
  if (t.rows_size() == 0) {
    return absl::StrCat(
        Title(t), "\n\n",
        t.checkpoints_size() == 0
            ? "No state's log is held here, or none shares its data with you.\n"
            : absl::StrCat("No state has a cell of this category for ", t.period(), ".\n"),
        RenderTrailer(t));
  }
  // The matrix as text cells: header, one line per state, the totals line.
  std::vector<std::vector<std::string>> grid;
  std::vector<std::string> header = {"REF_AREA"};
  header.insert(header.end(), t.citizens().begin(), t.citizens().end());
  header.emplace_back(kTotal);
  grid.push_back(header);
  bool any_derived = t.grand_total().derived();
  for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
    std::vector<std::string> line = {r.ref_area()};
    for (const v1::ConsolidatedResponse::Figure& f : r.figures()) {
      line.push_back(FigureText(f));
    }
    line.push_back(FigureText(r.total()));
    any_derived = any_derived || r.total().derived();
    grid.push_back(std::move(line));
  }
  std::vector<std::string> totals = {std::string(kTotal)};
  for (const v1::ConsolidatedResponse::Figure& f : t.column_totals()) {
    totals.push_back(FigureText(f));
    any_derived = any_derived || f.derived();
  }
  totals.push_back(FigureText(t.grand_total()));
  grid.push_back(std::move(totals));

  // Column widths count digits only: a derived number's '*' hangs in the space after it, so
  // the digits of reported and derived figures line up.
  auto digits = [](const std::string& cell) {
    return cell.size() - (!cell.empty() && cell.back() == '*' ? 1 : 0);
  };
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : grid) {
    for (size_t c = 0; c < line.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], c == 0 ? line[c].size() : digits(line[c]));
    }
  }
  std::string out = absl::StrCat(Title(t), "\n\n");
  auto emit = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t c = 0; c < line.size() && c < width.size(); ++c) {
      const std::string& cell = line[c];
      if (c == 0) {
        absl::StrAppend(&text, cell, std::string(width[0] - cell.size(), ' '));
        continue;
      }
      const size_t n = digits(cell);
      absl::StrAppend(&text, "  ", std::string(width[c] - n, ' '),
                      absl::string_view(cell).substr(0, n), n < cell.size() ? "*" : " ");
    }
    while (!text.empty() && text.back() == ' ') {
      text.pop_back();
    }
    absl::StrAppend(&out, text, "\n");
  };
  emit(grid[0]);
  std::vector<std::string> rule;
  for (size_t w : width) {
    rule.emplace_back(w, '-');
  }
  emit(rule);
  for (size_t i = 1; i < grid.size(); ++i) {
    if (i + 1 == grid.size()) {
      emit(rule);
    }
    emit(grid[i]);
  }
  absl::StrAppend(&out, "\n", t.rows_size(), t.rows_size() == 1 ? " state" : " states", ", ",
                  t.citizens_size(), t.citizens_size() == 1 ? " citizenship" : " citizenships",
                  ". Blank: not reported.");
  if (any_derived) {
    absl::StrAppend(
        &out, "\n*: derived, the sum of the reported figures it totals, not a reported cell.");
  }
  absl::StrAppend(&out, "\n", RenderTrailer(t));
  return out;
}

std::string RenderCsv(const v1::ConsolidatedResponse& t) {
  std::string out = "REF_AREA,CITIZEN,OBS_VALUE,DERIVED\n";
  auto line = [&](absl::string_view area, absl::string_view citizen,
                  const v1::ConsolidatedResponse::Figure& f) {
    if (f.has_value()) {
      absl::StrAppend(&out, CsvField(area), ",", CsvField(citizen), ",", f.value(), ",",
                      f.derived() ? "true" : "false", "\n");
    }
  };
  for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
    for (int c = 0; c < r.figures_size() && c < t.citizens_size(); ++c) {
      line(r.ref_area(), t.citizens(c), r.figures(c));
    }
    line(r.ref_area(), kTotal, r.total());
  }
  for (int c = 0; c < t.column_totals_size() && c < t.citizens_size(); ++c) {
    line(kTotal, t.citizens(c), t.column_totals(c));
  }
  line(kTotal, kTotal, t.grand_total());
  return out;
}

std::string RenderJson(const v1::ConsolidatedResponse& t) {
  auto strings = [](const auto& list) {
    std::vector<std::string> quoted;
    for (const std::string& s : list) {
      quoted.push_back(JsonString(s));
    }
    return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
  };
  std::string out = absl::StrCat(
      "{\n  \"period\": ", JsonString(t.period()), ",\n  \"stay_cat\": ", JsonString(t.stay_cat()),
      ",\n  \"sex\": ", JsonString(t.sex()), ",\n  \"age\": ", JsonString(t.age()),
      ",\n  \"citizens\": ", strings(t.citizens()), ",\n  \"rows\": [");
  for (int i = 0; i < t.rows_size(); ++i) {
    const v1::ConsolidatedResponse::Row& r = t.rows(i);
    std::vector<std::string> figures;
    for (int c = 0; c < r.figures_size() && c < t.citizens_size(); ++c) {
      if (r.figures(c).has_value()) {
        figures.push_back(absl::StrCat(JsonString(t.citizens(c)), ": ", JsonFigure(r.figures(c))));
      }
    }
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "    {\"ref_area\": ", JsonString(r.ref_area()),
                    ", \"figures\": {", absl::StrJoin(figures, ", "),
                    "}, \"total\": ", JsonFigure(r.total()), "}");
  }
  absl::StrAppend(&out, t.rows_size() == 0 ? "" : "\n  ", "],\n  \"column_totals\": {");
  for (int c = 0; c < t.column_totals_size() && c < t.citizens_size(); ++c) {
    absl::StrAppend(&out, c == 0 ? "" : ", ", JsonString(t.citizens(c)), ": ",
                    JsonFigure(t.column_totals(c)));
  }
  absl::StrAppend(&out, "},\n  \"grand_total\": ", JsonFigure(t.grand_total()),
                  ",\n  \"checkpoints\": [");
  for (int i = 0; i < t.checkpoints_size(); ++i) {
    const v1::OriginStatus& s = t.checkpoints(i);
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "    {\"origin\": ", JsonString(s.origin()),
                    ", \"log_size\": ", s.log_size(),
                    ", \"root\": ", JsonString(CheckpointRootText(s.checkpoint_note())),
                    ", \"checkpoint_note\": ", JsonString(s.checkpoint_note()), "}");
  }
  absl::StrAppend(&out, t.checkpoints_size() == 0 ? "" : "\n  ",
                  "],\n  \"at\": ", JsonString(FormatAtSizes(t)),
                  ",\n  \"notes\": ", strings(t.notes()), "\n}\n");
  return out;
}

}  // namespace

std::string RenderConsolidated(const v1::ConsolidatedResponse& table, TableFormat format) {
  switch (format) {
    case TableFormat::kCsv:
      return RenderCsv(table);
    case TableFormat::kJson:
      return RenderJson(table);
    case TableFormat::kTable:
      break;
  }
  return RenderText(table);
}

}  // namespace ots
