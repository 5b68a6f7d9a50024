// Exports that describe themselves (docs/formats.md "Exports"): cells, totals and consolidated
// tables as flat observations, written as plain CSV, SDMX-CSV 1.0, SDMX-CSV 2.0 or an SDMX-JSON
// 2.0 data message. Every observation carries its dimensions, its attributes and where it comes
// from (revision, log index, submission time, the checkpoint it was taken at); every file says
// when it was prepared and of which dataflow it is.
//
// All functions are pure and thread-safe.
#ifndef OTS_NODE_QUERY_SDMX_H_
#define OTS_NODE_QUERY_SDMX_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/query/query.h"
#include "proto/services.pb.h"

namespace ots {

// The dimensions of an observation, in key order (SDMX-JSON key positions).
constexpr size_t kSdmxDimensionCount = 6;
constexpr const char* kSdmxDimensions[kSdmxDimensionCount] = {"REF_AREA", "TIME_PERIOD", "CITIZEN",
                                                              "STAY_CAT", "SEX",         "AGE"};
// The measure.
constexpr absl::string_view kSdmxMeasure = "OBS_VALUE";
// The column of the time an export was prepared, last in the CSV forms.
constexpr absl::string_view kPreparedColumn = "PREPARED";

enum class ExportFormat { kCsv, kSdmxCsv1, kSdmxCsv2, kSdmxJson };
// "csv", "sdmx-csv1", "sdmx-csv2", "sdmx-csv" (2.0) or "sdmx-json"; INVALID_ARGUMENT otherwise.
absl::StatusOr<ExportFormat> ParseExportFormat(absl::string_view name);
// Whether `name` names one of ParseExportFormat's SDMX formats.
bool IsSdmxFormatName(absl::string_view name);

// What a file says of itself besides its observations.
struct ExportHeader {
  std::string dataflow = "OTS:DF_MIGR_STOCK(1.0)";  // AGENCY:ID(VERSION)
  std::string prepared;                             // RFC 3339 UTC: when the figures were computed
  std::string id;  // the message id (SDMX-JSON meta.id): [A-Za-z0-9_@$-]+
  std::string sender = "OTS";
  // Signed checkpoint notes the figures were taken at, by origin (SDMX-JSON annotations).
  std::vector<std::pair<std::string, std::string>> checkpoints;
  // What a reader must know (notes of the table), also as annotations.
  std::vector<std::string> notes;
};

// "OTS_20261128T101500Z" for a file prepared at 2026-11-28T10:15:00Z: a message id of the
// characters SDMX-JSON allows.
std::string MessageId(absl::string_view prepared);

// `table` (columns named as cell columns, provenance columns or others; one of them OBS_VALUE,
// every dimension of kSdmxDimensions present) in `format`. Columns other than the dimensions and
// OBS_VALUE are attributes of the observation. INVALID_ARGUMENT if a dimension or OBS_VALUE
// column is missing, or a row has another number of fields than the columns.
absl::StatusOr<std::string> RenderExport(const Table& table, ExportFormat format,
                                         const ExportHeader& header);

// Adds to `table` every dimension of kSdmxDimensions it lacks, as a column of _T (a total over
// that dimension: query totals leave out the dimensions they collapse).
void CompleteDimensions(Table* table);

// The figures of a consolidated table (or of every table of a series) as flat observations:
// the six dimensions (REF_AREA _T for a column total, the column code _T for a row total),
// OBS_VALUE, OBS_STATUS, CONF_STATUS, STOCK_FLOW, DERIVED (true or false), and the provenance of
// the row's return (REVISION, LOG_INDEX, SUBMITTED_AT, LOG_SIZE, LOG_ROOT; empty for totals
// across states). Only figures with a value.
Table ConsolidatedObservations(const v1::ConsolidatedResponse& table);

// `header` for a consolidated table: its checkpoints, its notes and its computed_at (or
// `fallback_prepared` if the table has none).
ExportHeader ConsolidatedHeader(const v1::ConsolidatedResponse& table,
                                absl::string_view fallback_prepared);

}  // namespace ots

#endif  // OTS_NODE_QUERY_SDMX_H_
