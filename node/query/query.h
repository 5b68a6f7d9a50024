// Queries over the current view (the latest revision of every origin and period): cells by any
// dimension filter, and totals grouped by any dimensions, as tables of text fields (ots-ctl
// renders them: node/cli/render.h).
#ifndef OTS_NODE_QUERY_QUERY_H_
#define OTS_NODE_QUERY_QUERY_H_

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/log/origin_log.h"
#include "node/model/cell_line.h"
#include "node/store/store.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"

namespace ots {

// Allowed codes per column of the cell line (index as in kCellColumns); an empty list allows
// every code. OBS_VALUE cannot be filtered.
struct CellFilter {
  std::array<std::vector<std::string>, kCellColumnCount> allowed;

  // Whether every column of `cell` is allowed.
  bool Matches(const CellLineView& cell) const;

  // Whose sealed cells are shown opened, where the store holds their openings (docs/formats.md
  // §2a): every origin's (the holder of a data folder), or only those of `open_origins` (a caller
  // over the network: the origins that entitle it, VisibleTo). Others' stay sealed.
  bool open_all = true;
  std::vector<std::string> open_origins;
  bool Opens(absl::string_view origin) const {
    return open_all ||
           std::find(open_origins.begin(), open_origins.end(), origin) != open_origins.end();
  }
};

// Parses filters of the form "COLUMN=code[,code...]", e.g. "CITIZEN=UZ,KZ". INVALID_ARGUMENT
// naming the spec on an unknown column, OBS_VALUE, or an empty code list.
absl::StatusOr<CellFilter> ParseCellFilter(const std::vector<std::string>& specs);

// The filter of a request's ColumnFilter messages, checked as ParseCellFilter checks its specs.
absl::StatusOr<CellFilter> CellFilterFromWire(
    const google::protobuf::RepeatedPtrField<v1::ColumnFilter>& filters);

// `filter` limited to the origins `member` may see (node/trust/directory.h MaySee): if it names
// REF_AREAs, each must share with `member` (PERMISSION_DENIED naming the first that does not);
// if it names none, it gets every visible origin the store holds. Sealed cells are opened only
// for the origins that entitle `member` to their confidential cells (MaySeeConfidential).
absl::StatusOr<CellFilter> VisibleTo(Store& store, const Directory& directory,
                                     absl::string_view member, CellFilter filter);

// The indexes of the columns `names`, each once. INVALID_ARGUMENT on an unknown column or
// OBS_VALUE.
absl::StatusOr<std::vector<int>> ColumnsByName(const std::vector<std::string>& names);
// Parses "COLUMN[,COLUMN...]" into column indexes, as ColumnsByName. INVALID_ARGUMENT on an unknown
// column or OBS_VALUE.
absl::StatusOr<std::vector<int>> ParseColumnList(absl::string_view spec);

// A query's result: column names and rows of text fields.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  // What the reader must know about the rows (groups left out, and why); not part of them.
  std::vector<std::string> notes;
};

// Where a current cell comes from (CellsRequest.provenance, docs/formats.md "Provenance").
struct CellSource {
  uint64_t revision = 0;     // of the return in force
  uint64_t log_index = 0;    // of its header in the origin's log
  std::string submitted_at;  // its header's created_at (RFC 3339 UTC)
  uint64_t log_size = 0;     // the origin's latest checkpoint, the return was checked against
  std::string log_root;      // that checkpoint's root, base64 as in its note
};
// The names of the provenance columns, in the order of CellSource, after the ten cell columns.
constexpr size_t kProvenanceColumnCount = 5;
constexpr const char* kProvenanceColumns[kProvenanceColumnCount] = {
    "REVISION", "LOG_INDEX", "SUBMITTED_AT", "LOG_SIZE", "LOG_ROOT"};
// `source` as the fields of the provenance columns.
std::vector<std::string> ProvenanceFields(const CellSource& source);

// Calls `fn` for every current cell matching `filter`, in key order (origin, period, cell line).
// Every return is checked before any of its cells is passed on: its stored cells must hash to
// the cells root of its header (count, root, sum), and the header must be the log entry the
// stored checkpoint commits to; each return once per `logs` (OriginLogs caches it). DATA_LOSS
// naming the origin, period, revision and log index of a return that fails, or for a malformed
// stored cell. Stops at the first error `fn` returns and returns it.
absl::Status ForEachCurrentCell(OriginLogs& logs, const CellFilter& filter,
                                const std::function<absl::Status(const CellLineView&)>& fn);
// ForEachCurrentCell, with where each cell comes from: the return's header is read (verified)
// once per return and the origin's tree head once per origin.
absl::Status ForEachCurrentCellWithSource(
    OriginLogs& logs, const CellFilter& filter,
    const std::function<absl::Status(const CellSource&, const CellLineView&)>& fn);

// Every current cell matching `filter`, one row of the ten cell columns each, and with
// `provenance` the provenance columns after them.
absl::StatusOr<Table> QueryCells(OriginLogs& logs, const CellFilter& filter,
                                 bool provenance = false);

// The entries of the logs of `origins`, in that order, one row each with the columns origin,
// index, period, revision, cells, value_sum, cells_root (hex), created_at and key_id, each header
// read as it is checked against the verified log (OriginLogs::VerifiedHeader). NOT_FOUND for an
// origin whose log the store does not hold; DATA_LOSS for an entry that does not verify.
absl::StatusOr<Table> LogListing(OriginLogs& logs, const std::vector<std::string>& origins);

// Totals of the current cells matching `filter`, one row per REF_AREA, TIME_PERIOD, value of
// the columns in `group_by`, and STOCK_FLOW (stocks of different periods, and stocks and flows,
// never add up). Never double counts: each of CITIZEN, STAY_CAT, SEX and AGE not grouped by is
// collapsed to its `_T` total — the reported one where there is one, else the sum of its parts
// where they are disjoint (citizenships, sexes, non-overlapping AGE intervals). Where neither
// gives a sound total (categories of stay overlap) the group is left out and `notes` says so.
absl::StatusOr<Table> QueryTotals(OriginLogs& logs, const CellFilter& filter,
                                  const std::vector<int>& group_by);

}  // namespace ots

#endif  // OTS_NODE_QUERY_QUERY_H_
