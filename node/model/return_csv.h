// Import of a statistical return from SDMX-CSV 1.0 (first column DATAFLOW), SDMX-CSV 2.0 (first
// columns STRUCTURE, STRUCTURE_ID and optionally ACTION, I or R; columns of its own are passed
// over) or plain CSV with the same columns, separated by commas or by semicolons throughout,
// with every check of DESIGN §2:
// code lists, non-negative integer values, duplicate keys, `_T` totals against their breakdown, one
// REF_AREA (the node's own) and one TIME_PERIOD per return.
#ifndef OTS_NODE_MODEL_RETURN_CSV_H_
#define OTS_NODE_MODEL_RETURN_CSV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
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
// Longest line read: a cell line is about 50 bytes, so a longer line is refused unread (and a
// first line that long is no header), which bounds what a file of garbage can cost.
constexpr size_t kMaxLineBytes = size_t{4} << 20;
// Longest summary line of a rejected return (the message of its status).
constexpr size_t kMaxSummaryBytes = 1024;
// The dataflow of the federation's returns, accepted unless a configuration names others.
constexpr char kFederationDataflow[] = "OTS:DF_MIGR_STOCK(1.0)";

// A validated return: its canonical cell lines (no trailing newline), sorted bytewise, as the
// leaves of its cells root.
struct ParsedReturn {
  std::string origin;
  std::string period;
  CellLines lines;
  uint64_t value_sum = 0;
};

// One problem of a file: its 1-based line (0: the file as a whole) and what is wrong, quoting
// at most kQuotedPrefixBytes of the offending field, escaped (node/base/text.h).
struct ReturnProblem {
  size_t line = 0;
  std::string message;
};

struct ReturnCsvOptions {
  // When non-empty, every REF_AREA must equal it.
  std::string expected_origin;
  // The DATAFLOW (1.0) or STRUCTURE_ID (2.0) values accepted in an SDMX-CSV file; empty:
  // kFederationDataflow only.
  std::vector<std::string> accepted_dataflows;
  // The file's size if known: room is reserved for that many bytes of cells.
  uint64_t size_hint = 0;
};

// Parses and validates a return fed in pieces of any size, as they are read from a disk or a
// stream: memory grows with the cells of the return, never with the length of a line (at most
// kMaxLineBytes is held) or the number of problems (at most kMaxProblems). Not thread-safe.
class ReturnCsvParser {
 public:
  // `file_name` is used in messages only and must already be Printable.
  ReturnCsvParser(absl::string_view file_name, ReturnCsvOptions options);
  ~ReturnCsvParser();
  ReturnCsvParser(const ReturnCsvParser&) = delete;
  ReturnCsvParser& operator=(const ReturnCsvParser&) = delete;

  // Takes the next bytes of the file. Returns false once nothing more is worth reading: the
  // first line is no header, or more than kMaxProblems problems were found.
  bool Add(absl::string_view bytes);
  bool stopped() const;
  // Bytes taken so far.
  uint64_t bytes() const { return bytes_; }

  // Ends the file. Returns the return, or INVALID_ARGUMENT with one summary line of at most
  // kMaxSummaryBytes ("r.csv: 3 problems; first: r.csv:4: ..."), and then problems() lists the
  // problems (at most kMaxProblems) and problem_count() says how many were found.
  absl::StatusOr<ParsedReturn> Finish();
  const std::vector<ReturnProblem>& problems() const;
  size_t problem_count() const;

 private:
  class Reader;
  void Line(absl::string_view line);

  const std::string file_name_;
  std::unique_ptr<Reader> reader_;
  std::string pending_;    // the start of a line whose end has not come yet
  bool skipping_ = false;  // within a line too long to read, until its end
  size_t line_no_ = 0;     // lines ended so far
  uint64_t bytes_ = 0;
};

// "r.csv:4: what is wrong" (or "r.csv: what is wrong" for line 0).
std::string FormatProblem(absl::string_view file_name, const ReturnProblem& problem);
// Every problem `parser` listed, formatted by FormatProblem, the last one saying so when more
// were found than listed.
std::vector<std::string> FormattedProblems(absl::string_view file_name,
                                           const ReturnCsvParser& parser);
// "1 problem", "3 problems", "more than 100 problems (the first 100 are listed; ...)".
std::string ProblemCountWords(size_t count);

// ReturnCsvParser over the whole of `contents`, for callers that hold a file in memory.
//
// On success returns the return. On failure returns INVALID_ARGUMENT and, if `out_problems`
// is non-null, fills it with every problem found (at most kMaxProblems, the last one then
// saying that more were not reported), each formatted "file:line: what is wrong".
absl::StatusOr<ParsedReturn> ParseReturnCsv(absl::string_view file_name, absl::string_view contents,
                                            absl::string_view expected_origin,
                                            std::vector<std::string>* out_problems);

}  // namespace ots

#endif  // OTS_NODE_MODEL_RETURN_CSV_H_
