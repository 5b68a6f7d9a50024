#include "node/query/sdmx.h"

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/base/text.h"
#include "node/log/checkpoint.h"
#include "node/model/cell_line.h"
#include "node/model/sealed_cells.h"

namespace ots {
namespace {

// OBS_VALUE as an export carries it: a sealed cell's (docs/formats.md §2a) is withheld, empty
// as a withheld figure is, since an analytics engine reads the column as numbers.
absl::string_view Measure(absl::string_view text) {
  return absl::StartsWith(text, kSealedValuePrefix) ? absl::string_view() : text;
}

constexpr absl::string_view kTotal = "_T";

// Where each column of the table is: the index of every dimension, of OBS_VALUE, and the
// attributes (every other column) in table order.
struct Layout {
  std::array<int, kSdmxDimensionCount> dims{};
  int measure = -1;
  std::vector<int> attributes;
};

absl::StatusOr<Layout> LayoutOf(const Table& table) {
  Layout layout;
  layout.dims.fill(-1);
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const std::string& name = table.columns[i];
    auto dim = std::find(std::begin(kSdmxDimensions), std::end(kSdmxDimensions), name);
    if (dim != std::end(kSdmxDimensions)) {
      layout.dims[dim - std::begin(kSdmxDimensions)] = static_cast<int>(i);
    } else if (name == kSdmxMeasure) {
      layout.measure = static_cast<int>(i);
    } else {
      layout.attributes.push_back(static_cast<int>(i));
    }
  }
  for (size_t d = 0; d < kSdmxDimensionCount; ++d) {
    if (layout.dims[d] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("an export needs the dimension ", kSdmxDimensions[d]));
    }
  }
  if (layout.measure < 0) {
    return absl::InvalidArgumentError("an export needs the measure OBS_VALUE");
  }
  for (size_t r = 0; r < table.rows.size(); ++r) {
    if (table.rows[r].size() != table.columns.size()) {
      return absl::InvalidArgumentError(absl::StrCat("row ", r + 1, " has ", table.rows[r].size(),
                                                     " fields for ", table.columns.size(),
                                                     " columns"));
    }
  }
  return layout;
}

// Plain CSV and SDMX-CSV 1.0 and 2.0: the structure columns, the dimensions, the measure, the
// attributes, then PREPARED.
std::string RenderCsvForm(const Table& table, const Layout& layout, ExportFormat format,
                          const ExportHeader& header) {
  std::vector<int> order(layout.dims.begin(), layout.dims.end());
  order.push_back(layout.measure);
  order.insert(order.end(), layout.attributes.begin(), layout.attributes.end());
  std::string prefix_names, prefix_values;
  switch (format) {
    case ExportFormat::kSdmxCsv1:
      prefix_names = "DATAFLOW,";
      prefix_values = absl::StrCat(CsvField(header.dataflow), ",");
      break;
    case ExportFormat::kSdmxCsv2:
      // Information: the receiver appends what it does not hold (SDMX-CSV 2.0 ACTION I).
      prefix_names = "STRUCTURE,STRUCTURE_ID,ACTION,";
      prefix_values = absl::StrCat("dataflow,", CsvField(header.dataflow), ",I,");
      break;
    default:
      break;
  }
  std::string out = prefix_names;
  for (int c : order) {
    absl::StrAppend(&out, CsvField(table.columns[c]), ",");
  }
  absl::StrAppend(&out, kPreparedColumn, "\n");
  const std::string prepared = CsvField(header.prepared);
  for (const std::vector<std::string>& row : table.rows) {
    out += prefix_values;
    for (int c : order) {
      absl::StrAppend(&out, CsvField(c == layout.measure ? Measure(row[c]) : row[c]), ",");
    }
    absl::StrAppend(&out, prepared, "\n");
  }
  return out;
}

// The index of `value` among `values`, appended if new.
size_t IndexOf(std::vector<std::string>& values, std::map<std::string, size_t>& index,
               const std::string& value) {
  auto [it, added] = index.emplace(value, values.size());
  if (added) {
    values.push_back(value);
  }
  return it->second;
}

// A JSON number for a decimal text of digits, null for none; the text as a JSON string otherwise.
std::string JsonValue(absl::string_view text) {
  text = Measure(text);
  if (text.empty()) {
    return "null";  // a value withheld by disclosure control
  }
  const bool number =
      text.size() <= 19 && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
  return number ? std::string(text) : JsonString(text);
}

// An SDMX-JSON 2.0 data message (docs/formats.md "SDMX-JSON"): one structure, one data set, every
// dimension at observation level, OBS_VALUE the measure, every other column an observation
// attribute; the checkpoints and notes as annotations of the structure.
std::string RenderJson(const Table& table, const Layout& layout, const ExportHeader& header) {
  std::array<std::vector<std::string>, kSdmxDimensionCount> dim_values;
  std::array<std::map<std::string, size_t>, kSdmxDimensionCount> dim_index;
  std::vector<std::vector<std::string>> attr_values(layout.attributes.size());
  std::vector<std::map<std::string, size_t>> attr_index(layout.attributes.size());
  std::vector<std::string> observations;
  observations.reserve(table.rows.size());
  for (const std::vector<std::string>& row : table.rows) {
    std::string key;
    for (size_t d = 0; d < kSdmxDimensionCount; ++d) {
      absl::StrAppend(&key, d == 0 ? "" : ":",
                      IndexOf(dim_values[d], dim_index[d], row[layout.dims[d]]));
    }
    std::string value = absl::StrCat(JsonString(key), ": [", JsonValue(row[layout.measure]));
    for (size_t a = 0; a < layout.attributes.size(); ++a) {
      const std::string& v = row[layout.attributes[a]];
      absl::StrAppend(&value, ", ",
                      v.empty() ? std::string("null")
                                : absl::StrCat(IndexOf(attr_values[a], attr_index[a], v)));
    }
    value += "]";
    observations.push_back(std::move(value));
  }
  // Coded values are {"id"}; others (times, roots, numbers as text) {"value"}: an id allows
  // letters, digits and _@$- only.
  const auto values_json = [](const std::vector<std::string>& values, bool coded) {
    std::vector<std::string> items;
    for (const std::string& v : values) {
      items.push_back(
          coded ? absl::StrCat("{\"id\": ", JsonString(v), ", \"name\": ", JsonString(v), "}")
                : absl::StrCat("{\"value\": ", JsonString(v), "}"));
    }
    return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
  };
  std::vector<std::string> dims;
  for (size_t d = 0; d < kSdmxDimensionCount; ++d) {
    dims.push_back(absl::StrCat(
        "{\"id\": ", JsonString(kSdmxDimensions[d]), ", \"name\": ", JsonString(kSdmxDimensions[d]),
        ", \"keyPosition\": ", d, d == 1 ? ", \"roles\": [\"TIME_PERIOD\"]" : "",
        ", \"values\": ", values_json(dim_values[d], true), "}"));
  }
  std::vector<std::string> attrs;
  for (size_t a = 0; a < layout.attributes.size(); ++a) {
    const std::string& id = table.columns[layout.attributes[a]];
    const bool coded =
        id == "OBS_STATUS" || id == "CONF_STATUS" || id == "STOCK_FLOW" || id == "DERIVED";
    attrs.push_back(absl::StrCat("{\"id\": ", JsonString(id), ", \"name\": ", JsonString(id),
                                 ", \"relationship\": {\"observation\": {}}",
                                 ", \"values\": ", values_json(attr_values[a], coded), "}"));
  }
  std::vector<std::string> annotations;
  for (const auto& [origin, note] : header.checkpoints) {
    annotations.push_back(absl::StrCat("{\"id\": ", JsonString(absl::StrCat("CHECKPOINT_", origin)),
                                       ", \"type\": \"OTS_CHECKPOINT\", \"title\": ",
                                       JsonString(origin), ", \"text\": ", JsonString(note), "}"));
  }
  for (size_t i = 0; i < header.notes.size(); ++i) {
    annotations.push_back(
        absl::StrCat("{\"id\": ", JsonString(absl::StrCat("NOTE_", i + 1)),
                     ", \"type\": \"OTS_NOTE\", \"text\": ", JsonString(header.notes[i]), "}"));
  }
  std::string out = absl::StrCat(
      "{\n  \"meta\": {\n    \"schema\": "
      "\"https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/"
      "2.0.0/sdmx-json-data-schema.json\",\n    \"id\": ",
      JsonString(header.id),
      ",\n    \"test\": false,\n    \"prepared\": ", JsonString(header.prepared),
      ",\n    \"contentLanguages\": [\"en\"],\n    \"sender\": {\"id\": ",
      JsonString(header.sender), "}\n  },\n  \"data\": {\n    \"structures\": [{\n");
  absl::StrAppend(&out, "      \"links\": [{\"urn\": ",
                  JsonString(absl::StrCat("urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=",
                                          header.dataflow)),
                  ", \"rel\": \"dataflow\"}],\n");
  absl::StrAppend(&out, "      \"dataSets\": [0],\n");
  absl::StrAppend(
      &out, "      \"dimensions\": {\"dataSet\": [], \"series\": [], \"observation\": [\n        ",
      absl::StrJoin(dims, ",\n        "), "]},\n");
  absl::StrAppend(&out,
                  "      \"measures\": {\"observation\": [{\"id\": \"OBS_VALUE\", \"name\": "
                  "\"OBS_VALUE\"}]},\n");
  absl::StrAppend(&out,
                  "      \"attributes\": {\"dataSet\": [], \"series\": [], \"observation\": [",
                  attrs.empty() ? "" : "\n        ", absl::StrJoin(attrs, ",\n        "), "]},\n");
  absl::StrAppend(&out, "      \"annotations\": [", annotations.empty() ? "" : "\n        ",
                  absl::StrJoin(annotations, ",\n        "), "]\n    }],\n");
  absl::StrAppend(
      &out,
      "    \"dataSets\": [{\n      \"structure\": 0,\n      \"action\": \"Information\",\n"
      "      \"links\": [],\n"
      "      \"observations\": {",
      observations.empty() ? "" : "\n        ", absl::StrJoin(observations, ",\n        "),
      "}\n    }]\n  }\n}\n");
  return out;
}

}  // namespace

void CompleteDimensions(Table* table) {
  for (const char* dim : kSdmxDimensions) {
    if (std::find(table->columns.begin(), table->columns.end(), dim) == table->columns.end()) {
      table->columns.emplace_back(dim);
      for (std::vector<std::string>& row : table->rows) {
        row.emplace_back(kTotal);
      }
    }
  }
}

absl::StatusOr<ExportFormat> ParseExportFormat(absl::string_view name) {
  if (name == "csv") {
    return ExportFormat::kCsv;
  }
  if (name == "sdmx-csv1") {
    return ExportFormat::kSdmxCsv1;
  }
  if (name == "sdmx-csv" || name == "sdmx-csv2") {
    return ExportFormat::kSdmxCsv2;
  }
  if (name == "sdmx-json") {
    return ExportFormat::kSdmxJson;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "format \"", name, "\" is not csv, sdmx-csv (2.0), sdmx-csv1, sdmx-csv2 or sdmx-json"));
}

bool IsSdmxFormatName(absl::string_view name) {
  absl::StatusOr<ExportFormat> f = ParseExportFormat(name);
  return f.ok() && *f != ExportFormat::kCsv;
}

absl::StatusOr<std::string> RenderExport(const Table& table, ExportFormat format,
                                         const ExportHeader& header) {
  absl::StatusOr<Layout> layout = LayoutOf(table);
  if (!layout.ok()) {
    return layout.status();
  }
  if (format == ExportFormat::kSdmxJson) {
    return RenderJson(table, *layout, header);
  }
  return RenderCsvForm(table, *layout, format, header);
}

namespace {

// The flat observations of one table (not a series), appended to `out`.
void AddObservations(const v1::ConsolidatedResponse& t,
                     const std::map<std::string, std::pair<uint64_t, std::string>>& points,
                     Table* out) {
  // The column dimension's position in the six, and the codes of the others.
  const int by = t.by().empty() ? kCitizen : CellColumnIndex(t.by());
  std::array<std::string, kSdmxDimensionCount> fixed = {
      "",           t.period(), t.citizen().empty() ? std::string(kTotal) : t.citizen(),
      t.stay_cat(), t.sex(),    t.age()};
  fixed[by] = std::string(kTotal);
  const auto add = [&](absl::string_view area, absl::string_view code,
                       const v1::ConsolidatedResponse::Figure& f,
                       const v1::ConsolidatedResponse::Row* row) {
    if (!f.has_value() && !f.suppressed()) {
      return;
    }
    std::vector<std::string>& r = out->rows.emplace_back(fixed.begin(), fixed.end());
    r[kRefArea] = std::string(area);
    r[by] = std::string(code);
    // A figure withheld by disclosure control: no value, CONF_STATUS C or D says why.
    r.push_back(f.suppressed() ? "" : absl::StrCat(f.value()));
    r.push_back(f.obs_status());
    r.push_back(f.conf_status());
    r.push_back(f.stock_flow());
    r.push_back(f.derived() ? "true" : "false");
    auto point = points.find(std::string(area));
    if (row != nullptr && point != points.end()) {
      r.push_back(absl::StrCat(row->revision()));
      r.push_back(absl::StrCat(row->log_index()));
      r.push_back(row->submitted_at());
      r.push_back(absl::StrCat(point->second.first));
      r.push_back(point->second.second);
    } else {
      r.insert(r.end(), kProvenanceColumnCount, "");
    }
  };
  for (const v1::ConsolidatedResponse::Row& row : t.rows()) {
    for (int c = 0; c < row.figures_size() && c < t.citizens_size(); ++c) {
      add(row.ref_area(), t.citizens(c), row.figures(c), &row);
    }
    add(row.ref_area(), kTotal, row.total(), &row);
  }
  for (int c = 0; c < t.column_totals_size() && c < t.citizens_size(); ++c) {
    add(kTotal, t.citizens(c), t.column_totals(c), nullptr);
  }
  add(kTotal, kTotal, t.grand_total(), nullptr);
}

// The notes of a table, and of each table of a series prefixed with its period.
std::vector<std::string> AllNotes(const v1::ConsolidatedResponse& table) {
  std::vector<std::string> notes(table.notes().begin(), table.notes().end());
  for (const v1::ConsolidatedResponse& one : table.series()) {
    for (const std::string& note : one.notes()) {
      notes.push_back(absl::StrCat(one.period(), ": ", note));
    }
  }
  return notes;
}

}  // namespace

std::string MessageId(absl::string_view prepared) {
  std::string id = "OTS_";
  for (char c : prepared) {
    if (absl::ascii_isalnum(c)) {
      id.push_back(c);
    }
  }
  return id;
}

Table ConsolidatedObservations(const v1::ConsolidatedResponse& table) {
  Table out;
  out.columns.assign(std::begin(kSdmxDimensions), std::end(kSdmxDimensions));
  out.columns.insert(out.columns.end(), {std::string(kSdmxMeasure), "OBS_STATUS", "CONF_STATUS",
                                         "STOCK_FLOW", "DERIVED"});
  out.columns.insert(out.columns.end(), std::begin(kProvenanceColumns),
                     std::end(kProvenanceColumns));
  std::map<std::string, std::pair<uint64_t, std::string>> points;
  for (const v1::OriginStatus& s : table.checkpoints()) {
    points[s.origin()] = {s.log_size(), CheckpointRootText(s.checkpoint_note())};
  }
  if (table.series_size() == 0) {
    AddObservations(table, points, &out);
  }
  for (const v1::ConsolidatedResponse& one : table.series()) {
    AddObservations(one, points, &out);
  }
  out.notes = AllNotes(table);
  return out;
}

ExportHeader ConsolidatedHeader(const v1::ConsolidatedResponse& table,
                                absl::string_view fallback_prepared) {
  ExportHeader header;
  header.prepared =
      table.computed_at().empty() ? std::string(fallback_prepared) : table.computed_at();
  header.id = MessageId(header.prepared);
  for (const v1::OriginStatus& s : table.checkpoints()) {
    header.checkpoints.emplace_back(s.origin(), s.checkpoint_note());
  }
  header.notes = AllNotes(table);
  return header;
}

}  // namespace ots
