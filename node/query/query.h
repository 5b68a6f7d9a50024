// Queries over the current view (the latest revision of every origin and period): cells by any
// dimension filter, and totals grouped by any dimensions, rendered as a table, CSV or JSON.
#ifndef OTS_NODE_QUERY_QUERY_H_
#define OTS_NODE_QUERY_QUERY_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/model/return_csv.h"
#include "node/store/store.h"

namespace ots {

// Allowed codes per column of the cell line (index as in kCellColumns); an empty list allows
// every code. OBS_VALUE cannot be filtered.
struct CellFilter {
  std::array<std::vector<std::string>, kCellColumnCount> allowed;
};

// Parses filters of the form "COLUMN=code[,code...]", e.g. "CITIZEN=UZ,KZ". INVALID_ARGUMENT
// naming the spec on an unknown column, OBS_VALUE, or an empty code list.
absl::StatusOr<CellFilter> ParseCellFilter(const std::vector<std::string>& specs);

// Parses "COLUMN[,COLUMN...]" into column indexes. INVALID_ARGUMENT on an unknown column or
// OBS_VALUE.
absl::StatusOr<std::vector<int>> ParseColumnList(absl::string_view spec);

// A rendered result: column names and rows of text fields.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  // What the reader must know about the rows (groups left out, and why); not rendered.
  std::vector<std::string> notes;
};

// Every current cell matching `filter`, one row of the ten cell columns each.
absl::StatusOr<Table> QueryCells(Store& store, const CellFilter& filter);

// Totals of the current cells matching `filter`, one row per REF_AREA, TIME_PERIOD, value of
// the columns in `group_by`, and STOCK_FLOW (stocks of different periods, and stocks and flows,
// never add up). Never double counts: each of CITIZEN, STAY_CAT, SEX and AGE not grouped by is
// collapsed to its `_T` total — the reported one where there is one, else the sum of its parts
// where they are disjoint (citizenships, sexes, non-overlapping AGE intervals). Where neither
// gives a sound total (categories of stay overlap) the group is left out and `notes` says so.
absl::StatusOr<Table> QueryTotals(Store& store, const CellFilter& filter,
                                  const std::vector<int>& group_by);

enum class TableFormat { kTable, kCsv, kJson };
// "table", "csv" or "json"; INVALID_ARGUMENT otherwise.
absl::StatusOr<TableFormat> ParseTableFormat(absl::string_view name);
// Renders `t`. JSON is an array of objects, OBS_VALUE as a number.
std::string RenderTable(const Table& t, TableFormat format);

// `s` as a JSON string literal, quotes included; '"', '\' and control characters escaped.
std::string JsonString(absl::string_view s);
// `s` as one RFC 4180 CSV field: quoted, its quotes doubled, if it holds a comma, quote or line
// break; as it is otherwise.
std::string CsvField(absl::string_view s);

}  // namespace ots

#endif  // OTS_NODE_QUERY_QUERY_H_
