#include "node/server/dashboard.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/query/consolidate.h"

namespace ots {
namespace {

using Figure = v1::ConsolidatedResponse::Figure;

constexpr const char* kStayCats[] = {"_T",          "VISA",      "VISA_FREE", "RES_TEMP",
                                     "RES_PERM",    "WORK_PERM", "STUDY",     "LAB_MIG",
                                     "LAB_MIG_IRR", "STRANDED",  "TRANSIT",   "OVERSTAY",
                                     "EXT_GRANTED", "LEGALISED", "_O"};
constexpr const char* kSexes[] = {"_T", "F", "M", "_U"};
// Colours of the states' lines, in order.
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                    "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

constexpr char kStyle[] = R"(
body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.4em;margin:0}h2{font-size:1.15em;border-bottom:1px solid #ccc;padding-bottom:.2em}
header p{color:#555;margin:.3em 0}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.2em .5em;font-size:.9em}
th{background:#f4f4f4;text-align:left}
td.fig{text-align:right;font-variant-numeric:tabular-nums}
td.derived{color:#555;font-style:italic}td.withheld{color:#a00;text-align:center}
.flag{color:#a60;font-size:.8em;margin-left:.15em}
.alarm{background:#fdd;border:1px solid #c00;padding:.4em}
.ok{color:#070}.bad{color:#a00;font-weight:bold}
.notes li{color:#555;font-size:.9em}
form select,form button{font-size:.95em;margin-right:.5em}
)";

std::string Option(absl::string_view value, absl::string_view chosen) {
  return absl::StrCat("<option value=\"", HtmlEscape(value), "\"",
                      value == chosen ? " selected" : "", ">", HtmlEscape(value), "</option>");
}

std::string Select(absl::string_view name, absl::string_view label,
                   const std::vector<std::string>& values, absl::string_view chosen) {
  std::string out = absl::StrCat("<label>", HtmlEscape(label), " <select name=\"", name, "\">");
  for (const std::string& v : values) {
    out += Option(v, chosen);
  }
  return out + "</select></label> ";
}

// One cell of the consolidated table, with everything a reader may want to know in its title.
std::string FigureCell(absl::string_view area, absl::string_view code, const Figure& f,
                       const v1::ConsolidatedResponse::Row* row) {
  const std::string at =
      absl::StrCat(" data-area=\"", HtmlEscape(area), "\" data-code=\"", HtmlEscape(code), "\"");
  if (f.suppressed()) {
    return absl::StrCat("<td class=\"fig withheld\"", at, " data-withheld=\"",
                        HtmlEscape(f.conf_status()), "\" title=\"withheld by disclosure control (",
                        f.conf_status() == "C" ? "confidential or under the minimum count"
                                               : "so that no withheld figure can be recomputed",
                        ")\">x", HtmlEscape(f.conf_status()), "</td>");
  }
  if (!f.has_value()) {
    return "<td class=\"fig\"></td>";
  }
  std::string title;
  if (f.derived()) {
    title = "derived: the sum of the reported figures it totals";
  } else {
    title = absl::StrCat("OBS_STATUS ", f.obs_status(), ", CONF_STATUS ", f.conf_status(),
                         ", STOCK_FLOW ", f.stock_flow());
    if (row != nullptr) {
      absl::StrAppend(&title, "; ", row->ref_area(), " revision ", row->revision(), " (log index ",
                      row->log_index(), "), submitted ", row->submitted_at());
    }
  }
  const std::string flags = f.derived() ? "" : FigureFlags(f);
  return absl::StrCat("<td class=\"fig", f.derived() ? " derived" : "", "\"", at, " data-value=\"",
                      f.value(), "\" data-derived=\"", f.derived() ? "true" : "false",
                      "\" title=\"", HtmlEscape(title), "\">", f.value(), f.derived() ? "*" : "",
                      flags.empty() ? "" : absl::StrCat("<span class=\"flag\">", flags, "</span>"),
                      "</td>");
}

std::string HealthSection(const v1::StatusResponse& st) {
  std::string out = "<section id=\"health\"><h2>Federation health</h2>";
  for (const v1::Evidence& e : st.alarms()) {
    absl::StrAppend(&out, "<p class=\"alarm\">Split view: ", HtmlEscape(e.origin()),
                    " signed two inconsistent checkpoints; it is frozen on this node.</p>");
  }
  if (!st.clock_alarm().empty()) {
    absl::StrAppend(&out, "<p class=\"alarm\">Clock: ", HtmlEscape(st.clock_alarm()), "</p>");
  }
  if (!st.store_degraded().empty()) {
    absl::StrAppend(&out, "<p class=\"alarm\">Store: ", HtmlEscape(st.store_degraded()), "</p>");
  }
  if (!st.own_log_recovery().empty()) {
    absl::StrAppend(&out, "<p class=\"alarm\">", HtmlEscape(st.own_log_recovery()), "</p>");
  }
  out +=
      "<table id=\"peers\"><tr><th>peer</th><th>state</th><th>last exchange</th><th>lag"
      "</th><th>bundle</th><th>clock</th></tr>";
  for (const v1::PeerStatus& p : st.peers()) {
    uint64_t behind = 0;
    for (const v1::OriginLag& lag : p.lags()) {
      behind += lag.behind_entries();
    }
    absl::StrAppend(
        &out, "<tr><td>", HtmlEscape(p.member()), "</td><td class=\"", p.stale() ? "bad" : "ok",
        "\">", HtmlEscape(p.state()), p.stale() ? " (stale)" : "", "</td><td>",
        HtmlEscape(p.last_success_at()), "</td><td>",
        behind == 0 ? "none" : absl::StrCat(behind, " entries behind"), "</td><td>",
        p.bundle_version() == 0 ? "?" : absl::StrCat("v", p.bundle_version()), "</td><td>",
        p.clock_known() ? absl::StrFormat("%+.1f s", p.clock_offset_ms() / 1000.0) : "?",
        "</td></tr>");
  }
  out +=
      "</table><table id=\"origins\"><tr><th>origin</th><th>log size</th><th>cosigned by"
      "</th><th>behind</th></tr>";
  for (const v1::OriginStatus& o : st.origins()) {
    absl::StrAppend(&out, "<tr><td>", HtmlEscape(o.origin()), "</td><td>", o.log_size(),
                    "</td><td>", HtmlEscape(absl::StrJoin(o.cosigned_by(), " ")), "</td><td>",
                    HtmlEscape(o.behind()), "</td></tr>");
  }
  return out + "</table></section>";
}

std::string TableSection(const DashboardView& v) {
  std::vector<std::string> stay_cats(std::begin(kStayCats), std::end(kStayCats));
  std::vector<std::string> sexes(std::begin(kSexes), std::end(kSexes));
  std::string out = absl::StrCat(
      "<section id=\"table\"><h2>Consolidated table</h2><form method=\"get\" "
      "action=\"/dashboard\">",
      Select("period", "TIME_PERIOD", v.periods, v.period),
      Select("stay_cat", "STAY_CAT", stay_cats, v.stay_cat), Select("sex", "SEX", sexes, v.sex),
      "<button type=\"submit\">Show</button></form>");
  if (!v.table_error.empty()) {
    return absl::StrCat(out, "<p>", HtmlEscape(v.table_error), "</p></section>");
  }
  const v1::ConsolidatedResponse& t = v.table;
  absl::StrAppend(&out, "<p>Persons, TIME_PERIOD ", HtmlEscape(t.period()), ", STAY_CAT ",
                  HtmlEscape(t.stay_cat()), ", SEX ", HtmlEscape(t.sex()), ", AGE ",
                  HtmlEscape(t.age()), ": reporting states by citizenship, as published",
                  t.published() ? absl::StrCat(" (disclosure control: minimum ", t.min_count(),
                                               ", protection ", t.protection(), ")")
                                : "",
                  ".</p>");
  absl::StrAppend(&out, "<table id=\"consolidated\" data-period=\"", HtmlEscape(t.period()),
                  "\" data-stay-cat=\"", HtmlEscape(t.stay_cat()), "\" data-sex=\"",
                  HtmlEscape(t.sex()), "\"><tr><th>REF_AREA</th>");
  for (const std::string& c : t.citizens()) {
    absl::StrAppend(&out, "<th>", HtmlEscape(c), "</th>");
  }
  out += "<th>_T</th></tr>";
  for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
    absl::StrAppend(&out, "<tr><th>", HtmlEscape(r.ref_area()), "</th>");
    for (int c = 0; c < t.citizens_size(); ++c) {
      out += FigureCell(r.ref_area(), t.citizens(c), c < r.figures_size() ? r.figures(c) : Figure(),
                        &r);
    }
    absl::StrAppend(&out, FigureCell(r.ref_area(), "_T", r.total(), &r), "</tr>");
  }
  out += "<tr><th>_T</th>";
  for (int c = 0; c < t.citizens_size(); ++c) {
    out += FigureCell("_T", t.citizens(c),
                      c < t.column_totals_size() ? t.column_totals(c) : Figure(), nullptr);
  }
  absl::StrAppend(&out, FigureCell("_T", "_T", t.grand_total(), nullptr), "</tr></table>");
  out +=
      "<p>* derived (a sum of reported figures); P provisional, E estimated (OBS_STATUS); "
      "xC withheld as confidential or under the minimum count, xD withheld so that no "
      "withheld figure can be recomputed. Hover a figure for its provenance.</p>";
  out += "<ul class=\"notes\">";
  for (const std::string& n : t.notes()) {
    absl::StrAppend(&out, "<li>", HtmlEscape(n), "</li>");
  }
  out += "</ul><p>Computed at these checkpoints:</p><ul class=\"notes\">";
  for (const v1::OriginStatus& s : t.checkpoints()) {
    absl::StrAppend(&out, "<li>", HtmlEscape(s.origin()), " at log size ", s.log_size(), "</li>");
  }
  return out + "</ul></section>";
}

// Each state's total over the periods of the series, as SVG lines.
std::string SeriesSection(const DashboardView& v) {
  std::string out = "<section id=\"series\"><h2>Time series: each state's total</h2>";
  const v1::ConsolidatedResponse& s = v.series;
  std::vector<std::string> periods;
  std::map<std::string, std::map<int, uint64_t>> lines;  // state -> period index -> total
  uint64_t top = 0;
  for (const v1::ConsolidatedResponse& t : s.series()) {
    const int x = static_cast<int>(periods.size());
    periods.push_back(t.period());
    for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
      if (r.total().has_value()) {
        lines[r.ref_area()][x] = r.total().value();
        top = std::max(top, r.total().value());
      }
    }
  }
  if (periods.empty() || top == 0) {
    return out + "<p>No period of this frequency has figures yet.</p></section>";
  }
  const int width = 900, height = 320, left = 90, right = 120, top_m = 20, bottom = 40;
  const double plot_w = width - left - right, plot_h = height - top_m - bottom;
  const auto px = [&](int i) {
    return left + (periods.size() == 1 ? plot_w / 2 : plot_w * i / (periods.size() - 1));
  };
  const auto py = [&](uint64_t value) {
    return top_m + plot_h - plot_h * static_cast<double>(value) / static_cast<double>(top);
  };
  absl::StrAppend(&out, "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"", width,
                  "\" height=\"", height,
                  "\" role=\"img\" aria-label=\"each state's total by "
                  "period\">");
  absl::StrAppend(&out, absl::StrFormat("<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                        "stroke=\"#999\"/>",
                                        left, top_m + plot_h, left + plot_w, top_m + plot_h));
  absl::StrAppend(&out, absl::StrFormat("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" "
                                        "stroke=\"#999\"/>",
                                        left, top_m, left, top_m + plot_h));
  absl::StrAppend(&out, absl::StrFormat("<text x=\"%d\" y=\"%d\" font-size=\"11\" "
                                        "text-anchor=\"end\">%d</text>",
                                        left - 6, top_m + 4, top));
  absl::StrAppend(&out, absl::StrFormat("<text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
                                        "text-anchor=\"end\">0</text>",
                                        left - 6, top_m + plot_h + 4));
  const size_t step = std::max<size_t>(1, periods.size() / 10);
  for (size_t i = 0; i < periods.size(); i += step) {
    absl::StrAppend(&out, absl::StrFormat("<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
                                          "text-anchor=\"middle\">%s</text>",
                                          px(static_cast<int>(i)), height - bottom + 16,
                                          HtmlEscape(periods[i])));
  }
  int n = 0;
  for (const auto& [state, points] : lines) {
    const char* colour = kColours[n % (sizeof(kColours) / sizeof(kColours[0]))];
    std::vector<std::string> coords;
    for (const auto& [i, value] : points) {
      coords.push_back(absl::StrFormat("%.1f,%.1f", px(i), py(value)));
      absl::StrAppend(&out, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
                                            "<title>%s %s: %d</title></circle>",
                                            px(i), py(value), colour, HtmlEscape(state),
                                            HtmlEscape(periods[i]), value));
    }
    absl::StrAppend(&out, "<polyline fill=\"none\" stroke=\"", colour,
                    "\" stroke-width=\"2\" data-state=\"", HtmlEscape(state), "\" points=\"",
                    absl::StrJoin(coords, " "), "\"/>");
    absl::StrAppend(
        &out, absl::StrFormat("<text x=\"%d\" y=\"%d\" font-size=\"12\" "
                              "fill=\"%s\">%s</text>",
                              width - right + 10, top_m + 16 * (n + 1), colour, HtmlEscape(state)));
    ++n;
  }
  return out + "</svg></section>";
}

std::string LateSection(const v1::StatusResponse& st) {
  std::string out = "<section id=\"late\"><h2>Late returns</h2>";
  if (st.late_returns().empty()) {
    return out +
           "<p>None: every return the reporting calendar expects by now has come.</p>"
           "</section>";
  }
  out +=
      "<table id=\"late-returns\"><tr><th>state</th><th>period</th><th>dataflow</th><th>due"
      "</th><th>days late</th></tr>";
  for (const v1::LateReturn& l : st.late_returns()) {
    absl::StrAppend(&out, "<tr><td>", HtmlEscape(l.origin()), "</td><td>", HtmlEscape(l.period()),
                    "</td><td>", HtmlEscape(l.dataflow()), "</td><td>", HtmlEscape(l.due_at()),
                    "</td><td class=\"bad\">", absl::StrFormat("%.1f", l.late_seconds() / 86400.0),
                    "</td></tr>");
  }
  return out + "</table></section>";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = absl::ascii_tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string PercentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ParseQueryString(absl::string_view query) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) {
      continue;
    }
    out[PercentDecode(pair.substr(0, eq))] = PercentDecode(pair.substr(eq + 1));
  }
  return out;
}

std::string HtmlEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderDashboard(const DashboardView& v) {
  const v1::StatusResponse& st = v.status;
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>OTS Migration "
      "Exchange: ",
      HtmlEscape(st.member()), "</title><style>", kStyle,
      "</style></head><body><header><h1>OTS Migration Exchange</h1><p>Node ",
      HtmlEscape(st.member()), " (", HtmlEscape(st.role()), ") of federation ",
      HtmlEscape(st.federation()), ", trust bundle version <span id=\"bundle-version\">",
      st.bundle_version(), "</span>, software ", HtmlEscape(st.version()), ". Generated ",
      HtmlEscape(v.generated_at), ".</p></header>", HealthSection(st), TableSection(v),
      SeriesSection(v), LateSection(st), "</body></html>\n");
}

}  // namespace ots
