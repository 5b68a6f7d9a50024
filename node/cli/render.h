// How ots-ctl shows results: query tables and the consolidated table (node/query) as aligned
// text, CSV or JSON, and the --at argument that recomputes a consolidated table. Pure functions
// of their arguments; thread-safe.
#ifndef OTS_NODE_CLI_RENDER_H_
#define OTS_NODE_CLI_RENDER_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/base/text.h"
#include "node/query/query.h"
#include "proto/services.pb.h"

namespace ots {

enum class TableFormat { kTable, kCsv, kJson };
// "table", "csv" or "json"; INVALID_ARGUMENT naming the value otherwise.
absl::StatusOr<TableFormat> ParseTableFormat(absl::string_view name);
// Renders `t`: kTable aligned columns (OBS_VALUE right-aligned) with a rule and a row count,
// kCsv RFC 4180 with a header line, kJson an array of objects with OBS_VALUE as a number.
// `t.notes` are not rendered.
std::string RenderTable(const Table& t, TableFormat format);

// Parses the --at argument "AZ=3,KZ=2" (origin=log size, comma separated). INVALID_ARGUMENT
// naming the part on a missing '=', an origin given twice, or a size that is not a positive
// decimal number.
absl::StatusOr<std::map<std::string, uint64_t>> ParseAtSizes(absl::string_view spec);

// The --at argument that recomputes `table`: "AZ=3,KG=4,KZ=2", from its checkpoints.
std::string FormatAtSizes(const v1::ConsolidatedResponse& table);

// Renders `table` (docs/returns.md, "Consolidated table"):
//   kTable: a title line, the matrix (rows = states, columns = citizenships, a final _T column
//           and _T row of totals; derived totals end in '*', explained by a legend; blank where
//           nothing is reported), the checkpoints, the --at argument and the notes.
//   kCsv:   "REF_AREA,CITIZEN,OBS_VALUE,DERIVED", one line per figure, then per row its total
//           (CITIZEN=_T), per column its total (REF_AREA=_T) and the grand total (_T,_T).
//           Checkpoints and notes are not part of the CSV.
//   kJson:  one object with the request, citizens, rows, column_totals, grand_total,
//           checkpoints, at and notes, keys in a fixed order.
std::string RenderConsolidated(const v1::ConsolidatedResponse& table, TableFormat format);

}  // namespace ots

#endif  // OTS_NODE_CLI_RENDER_H_
