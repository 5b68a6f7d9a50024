// The consolidated table as text, CSV and JSON, and its --at argument (node/cli/render.h).
#include "node/cli/render.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/log/checkpoint.h"
#include "node/query/consolidate.h"
#include "node/query/sdmx.h"

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

// The flags of a figure in the text table: '*' derived; else FigureFlags (node/query).
std::string TextFlags(const v1::ConsolidatedResponse::Figure& f) {
  return f.derived() ? "*" : FigureFlags(f);
}

// A figure withheld by disclosure control shows as "x" and its CONF_STATUS (C or D).
std::string FigureText(const v1::ConsolidatedResponse::Figure& f) {
  if (f.suppressed()) {
    return absl::StrCat("x", f.conf_status());
  }
  if (!f.has_value()) {
    return "";
  }
  return absl::StrCat(f.value(), TextFlags(f));
}

std::string JsonFigure(const v1::ConsolidatedResponse::Figure& f) {
  if (f.suppressed()) {
    return absl::StrCat(
        "{\"value\": null, \"suppressed\": true, \"derived\": ", f.derived() ? "true" : "false",
        ", \"obs_status\": ", JsonString(f.obs_status()),
        ", \"conf_status\": ", JsonString(f.conf_status()),
        ", \"stock_flow\": ", JsonString(f.stock_flow()), "}");
  }
  if (!f.has_value()) {
    return "null";
  }
  return absl::StrCat("{\"value\": ", f.value(), ", \"derived\": ", f.derived() ? "true" : "false",
                      ", \"obs_status\": ", JsonString(f.obs_status()),
                      ", \"conf_status\": ", JsonString(f.conf_status()),
                      ", \"stock_flow\": ", JsonString(f.stock_flow()), "}");
}

std::string ColumnsName(const v1::ConsolidatedResponse& t) {
  return t.by().empty() ? "CITIZEN" : t.by();
}

std::string Title(const v1::ConsolidatedResponse& t) {
  std::vector<std::string> fixed;
  if (!t.by().empty()) {
    fixed.push_back(absl::StrCat("CITIZEN=", t.citizen()));
  }
  if (t.by() != "STAY_CAT") {
    fixed.push_back(absl::StrCat("STAY_CAT=", t.stay_cat()));
  }
  if (t.by() != "SEX") {
    fixed.push_back(absl::StrCat("SEX=", t.sex()));
  }
  if (t.by() != "AGE") {
    fixed.push_back(absl::StrCat("AGE=", t.age()));
  }
  return absl::StrCat("Consolidated table: TIME_PERIOD=", t.period(),
                      t.period_to().empty() ? "" : absl::StrCat(" to ", t.period_to()), " ",
                      absl::StrJoin(fixed, " "),
                      t.by().empty() ? "" : absl::StrCat(", by ", t.by()), " (persons)");
}

// What the flags of the figures of `t` mean, for those that appear.
std::string Legend(const v1::ConsolidatedResponse& t) {
  static const std::map<std::string, std::string> kWords = {
      {"*", "derived, the sum of the reported figures it totals, not a reported cell"},
      {"B", "OBS_STATUS B, time series break"},
      {"E", "OBS_STATUS E, estimated"},
      {"F", "OBS_STATUS F, forecast"},
      {"I", "OBS_STATUS I, imputed"},
      {"P", "OBS_STATUS P, provisional"},
      {"U", "OBS_STATUS U, low reliability"},
      {"C", "CONF_STATUS C, confidential"},
      {"D", "CONF_STATUS D, secondary confidential"},
      {"N", "CONF_STATUS N, not for publication"},
      {"S", "CONF_STATUS S, secondary confidential (set by the sender)"},
      {"xC", "withheld: confidential, or fewer persons than the federation's minimum"},
      {"xD", "withheld so that no withheld figure can be recomputed from the rest"},
  };
  std::set<std::string> seen;
  const auto note = [&](const v1::ConsolidatedResponse::Figure& f) {
    if (f.suppressed()) {
      seen.insert(FigureText(f));
      return;
    }
    if (!f.has_value()) {
      return;
    }
    for (absl::string_view flag : absl::StrSplit(TextFlags(f), ',', absl::SkipEmpty())) {
      seen.insert(std::string(flag));
    }
  };
  const auto walk = [&](const v1::ConsolidatedResponse& one) {
    for (const v1::ConsolidatedResponse::Row& r : one.rows()) {
      for (const v1::ConsolidatedResponse::Figure& f : r.figures()) {
        note(f);
      }
      note(r.total());
    }
    for (const v1::ConsolidatedResponse::Figure& f : one.column_totals()) {
      note(f);
    }
    note(one.grand_total());
  };
  walk(t);
  for (const v1::ConsolidatedResponse& one : t.series()) {
    walk(one);
  }
  std::string out;
  for (const std::string& flag : seen) {
    auto it = kWords.find(flag);
    absl::StrAppend(&out, "\n", flag, ": ",
                    it != kWords.end() ? it->second : "a code of CL_OBS_STATUS or CL_CONF_STATUS",
                    ".");
  }
  return out;
}

// Where each row's figures come from: the return in force and when it was submitted.
std::string Provenance(const v1::ConsolidatedResponse& t) {
  if (t.rows_size() == 0) {
    return "";
  }
  std::string out = "\nProvenance (the return in force of each row):\n";
  for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
    absl::StrAppend(&out, "  ", r.ref_area(), " ", t.period(), " revision ", r.revision(),
                    " (log index ", r.log_index(), "), submitted ", r.submitted_at(), "\n");
  }
  return out;
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
  for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
    std::vector<std::string> line = {r.ref_area()};
    for (const v1::ConsolidatedResponse::Figure& f : r.figures()) {
      line.push_back(FigureText(f));
    }
    line.push_back(FigureText(r.total()));
    grid.push_back(std::move(line));
  }
  std::vector<std::string> totals = {std::string(kTotal)};
  for (const v1::ConsolidatedResponse::Figure& f : t.column_totals()) {
    totals.push_back(FigureText(f));
  }
  totals.push_back(FigureText(t.grand_total()));
  grid.push_back(std::move(totals));

  // Column widths count digits only: a figure's flags ('*', P, E,C) hang in the space after it,
  // so the digits of every figure line up.
  auto digits = [](const std::string& cell) {
    size_t n = 0;
    while (n < cell.size() && absl::ascii_isdigit(cell[n])) {
      ++n;
    }
    return n == 0 ? cell.size() : n;
  };
  std::vector<size_t> width(header.size(), 0), flags(header.size(), 1);
  for (const auto& line : grid) {
    for (size_t c = 0; c < line.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], c == 0 ? line[c].size() : digits(line[c]));
      if (c > 0) {
        flags[c] = std::max(flags[c], line[c].size() - digits(line[c]));
      }
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
      const absl::string_view flag = absl::string_view(cell).substr(n);
      absl::StrAppend(&text, "  ", std::string(width[c] - std::min(n, width[c]), ' '),
                      absl::string_view(cell).substr(0, n), flag,
                      std::string(flags[c] - std::min(flag.size(), flags[c]), ' '));
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
                  t.citizens_size(), " ",
                  t.by().empty()
                      ? (t.citizens_size() == 1 ? "citizenship" : "citizenships")
                      : absl::StrCat(t.by(), t.citizens_size() == 1 ? " code" : " codes"),
                  ". Blank: not reported.", Legend(t), "\n", Provenance(t));
  absl::StrAppend(&out, RenderTrailer(t));
  return out;
}

std::string JsonStrings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  std::vector<std::string> quoted;
  for (const std::string& s : list) {
    quoted.push_back(JsonString(s));
  }
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

// The figures of one table (not a series): columns, rows with provenance, totals, notes.
std::string TableFiguresJson(const v1::ConsolidatedResponse& t, absl::string_view indent) {
  std::string out =
      absl::StrCat(indent, "\"period\": ", JsonString(t.period()), ",\n", indent,
                   "\"citizens\": ", JsonStrings(t.citizens()), ",\n", indent, "\"rows\": [");
  for (int i = 0; i < t.rows_size(); ++i) {
    const v1::ConsolidatedResponse::Row& r = t.rows(i);
    std::vector<std::string> figures;
    for (int c = 0; c < r.figures_size() && c < t.citizens_size(); ++c) {
      if (r.figures(c).has_value() || r.figures(c).suppressed()) {
        figures.push_back(absl::StrCat(JsonString(t.citizens(c)), ": ", JsonFigure(r.figures(c))));
      }
    }
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", indent,
                    "  {\"ref_area\": ", JsonString(r.ref_area()), ", \"revision\": ", r.revision(),
                    ", \"log_index\": ", r.log_index(),
                    ", \"submitted_at\": ", JsonString(r.submitted_at()), ", \"figures\": {",
                    absl::StrJoin(figures, ", "), "}, \"total\": ", JsonFigure(r.total()), "}");
  }
  absl::StrAppend(&out, t.rows_size() == 0 ? "" : absl::StrCat("\n", indent), "],\n", indent,
                  "\"column_totals\": {");
  for (int c = 0; c < t.column_totals_size() && c < t.citizens_size(); ++c) {
    absl::StrAppend(&out, c == 0 ? "" : ", ", JsonString(t.citizens(c)), ": ",
                    JsonFigure(t.column_totals(c)));
  }
  absl::StrAppend(&out, "},\n", indent, "\"grand_total\": ", JsonFigure(t.grand_total()), ",\n",
                  indent, "\"notes\": ", JsonStrings(t.notes()));
  return out;
}

std::string RenderJson(const v1::ConsolidatedResponse& t) {
  std::string out = absl::StrCat(
      "{\n  \"stay_cat\": ", JsonString(t.stay_cat()), ",\n  \"sex\": ", JsonString(t.sex()),
      ",\n  \"age\": ", JsonString(t.age()), ",\n  \"by\": ", JsonString(ColumnsName(t)),
      ",\n  \"citizen\": ", JsonString(t.citizen().empty() ? "" : t.citizen()),
      ",\n  \"computed_at\": ", JsonString(t.computed_at()), ",\n");
  if (t.period_to().empty()) {
    absl::StrAppend(&out, TableFiguresJson(t, "  "), ",\n");
  } else {
    absl::StrAppend(&out, "  \"period\": ", JsonString(t.period()),
                    ",\n  \"period_to\": ", JsonString(t.period_to()),
                    ",\n  \"notes\": ", JsonStrings(t.notes()), ",\n  \"series\": [");
    for (int i = 0; i < t.series_size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "    {\n",
                      TableFiguresJson(t.series(i), "      "), "\n    }");
    }
    absl::StrAppend(&out, t.series_size() == 0 ? "" : "\n  ", "],\n");
  }
  absl::StrAppend(&out, "  \"checkpoints\": [");
  for (int i = 0; i < t.checkpoints_size(); ++i) {
    const v1::OriginStatus& s = t.checkpoints(i);
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "    {\"origin\": ", JsonString(s.origin()),
                    ", \"log_size\": ", s.log_size(),
                    ", \"root\": ", JsonString(CheckpointRootText(s.checkpoint_note())),
                    ", \"checkpoint_note\": ", JsonString(s.checkpoint_note()), "}");
  }
  absl::StrAppend(&out, t.checkpoints_size() == 0 ? "" : "\n  ",
                  "],\n  \"at\": ", JsonString(FormatAtSizes(t)), "\n}\n");
  return out;
}

// A time series as text: one line per state and column code (and the totals), one column per
// period; then each period's provenance, the checkpoints and the notes.
std::string RenderSeriesText(const v1::ConsolidatedResponse& t) {
  std::vector<std::string> periods;
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> cells;
  std::vector<std::pair<std::string, std::string>> order;
  const auto put = [&](const std::string& area, const std::string& code, const std::string& period,
                       const v1::ConsolidatedResponse::Figure& f) {
    if (!f.has_value() && !f.suppressed()) {
      return;
    }
    auto key = std::make_pair(area, code);
    if (!cells.contains(key)) {
      order.push_back(key);
    }
    cells[key][period] = FigureText(f);
  };
  for (const v1::ConsolidatedResponse& one : t.series()) {
    periods.push_back(one.period());
    for (const v1::ConsolidatedResponse::Row& r : one.rows()) {
      for (int c = 0; c < r.figures_size() && c < one.citizens_size(); ++c) {
        put(r.ref_area(), one.citizens(c), one.period(), r.figures(c));
      }
      put(r.ref_area(), std::string(kTotal), one.period(), r.total());
    }
    for (int c = 0; c < one.column_totals_size() && c < one.citizens_size(); ++c) {
      put(std::string(kTotal), one.citizens(c), one.period(), one.column_totals(c));
    }
    put(std::string(kTotal), std::string(kTotal), one.period(), one.grand_total());
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    // Totals (_T) after the states and after the codes they total.
    const auto rank = [](const std::pair<std::string, std::string>& k) {
      return std::make_tuple(k.first == kTotal, k.first, k.second == kTotal, k.second);
    };
    return rank(a) < rank(b);
  });
  std::string out = absl::StrCat(Title(t), "\n\n");
  if (periods.empty()) {
    absl::StrAppend(&out, "No state has a return for a period of this range.\n", RenderTrailer(t));
    return out;
  }
  std::vector<std::vector<std::string>> grid;
  std::vector<std::string> header = {"REF_AREA", ColumnsName(t)};
  header.insert(header.end(), periods.begin(), periods.end());
  grid.push_back(header);
  for (const auto& key : order) {
    std::vector<std::string> line = {key.first, key.second};
    for (const std::string& p : periods) {
      auto it = cells[key].find(p);
      line.push_back(it == cells[key].end() ? "" : it->second);
    }
    grid.push_back(std::move(line));
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : grid) {
    for (size_t c = 0; c < line.size(); ++c) {
      width[c] = std::max(width[c], line[c].size());
    }
  }
  for (const auto& line : grid) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      const std::string pad(width[c] - line[c].size(), ' ');
      absl::StrAppend(&text, c == 0 ? "" : "  ", c < 2 ? line[c] + pad : pad + line[c]);
    }
    while (!text.empty() && text.back() == ' ') {
      text.pop_back();
    }
    absl::StrAppend(&out, text, "\n");
  }
  absl::StrAppend(&out, "\n", periods.size(), periods.size() == 1 ? " period" : " periods",
                  ". Blank: not reported.", Legend(t), "\n");
  for (const v1::ConsolidatedResponse& one : t.series()) {
    absl::StrAppend(&out, Provenance(one));
    for (const std::string& n : one.notes()) {
      absl::StrAppend(&out, "note: ", one.period(), ": ", n, "\n");
    }
  }
  absl::StrAppend(&out, RenderTrailer(t));
  return out;
}

}  // namespace

std::string RenderConsolidated(const v1::ConsolidatedResponse& table, TableFormat format) {
  switch (format) {
    case TableFormat::kCsv: {
      absl::StatusOr<std::string> csv =
          RenderExport(ConsolidatedObservations(table), ExportFormat::kCsv,
                       ConsolidatedHeader(table, table.computed_at()));
      return csv.ok() ? *csv : std::string(csv.status().message());  // the columns are its own
    }
    case TableFormat::kJson:
      return RenderJson(table);
    case TableFormat::kTable:
      break;
  }
  return table.period_to().empty() ? RenderText(table) : RenderSeriesText(table);
}

}  // namespace ots
