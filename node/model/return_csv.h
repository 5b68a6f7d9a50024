// Import of a statistical return from SDMX-CSV 1.0 (first column DATAFLOW) or plain CSV with
// the same columns, with every check of DESIGN §2: code lists, non-negative integer values,
// duplicate keys, `_T` totals against their breakdown, one REF_AREA (the node's own) and one
// TIME_PERIOD per return.
#ifndef OTS_NODE_MODEL_RETURN_CSV_H_
#define OTS_NODE_MODEL_RETURN_CSV_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/model/cell_line.h"
#include "node/model/cell_lines.h"

namespace ots {

// Most problems reported for one file; validation stops after this many.
constexpr size_t kMaxProblems = 100;
// Largest OBS_VALUE accepted (persons); keeps every sum exact in 64 bits.
constexpr uint64_t kMaxObsValue = 1000000000000ULL;

// A validated return: its canonical cell lines (no trailing newline), sorted bytewise, as the
// leaves of its cells root.
struct ParsedReturn {
  std::string origin;
  std::string period;
  CellLines lines;
  uint64_t value_sum = 0;
};

// Parses and validates `contents`, read from `file_name` (used in messages only). When
// `expected_origin` is non-empty every REF_AREA must equal it.
//
// On success returns the return. On failure returns INVALID_ARGUMENT and, if `out_problems`
// is non-null, fills it with every problem found (at most kMaxProblems, the last one then
// saying that more were not reported), each formatted "file:line: what is wrong".
absl::StatusOr<ParsedReturn> ParseReturnCsv(absl::string_view file_name, absl::string_view contents,
                                            absl::string_view expected_origin,
                                            std::vector<std::string>* out_problems);

}  // namespace ots

#endif  // OTS_NODE_MODEL_RETURN_CSV_H_
