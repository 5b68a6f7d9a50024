// Fuzzes the import of a statistical return (node/model/return_csv.h, ParseReturnCsv): the one
// parser every submitted file goes through, SDMX-CSV or plain CSV. The input is the file.
//
// Invariants, beyond not crashing:
//   - a rejected file gets INVALID_ARGUMENT and 1 to kMaxProblems problems, each "file:line: ...";
//   - an accepted return has at least one cell; its lines are canonical cell lines of its one
//     origin and period, strictly ascending, with values that add up to value_sum;
//   - its canonical lines, written back as a plain CSV, are accepted as the same return;
//   - with the node's origin given, the file is accepted exactly when its origin is that one;
//   - fed in pieces (as a node receives it, cut where the first byte says), it gives the same
//     verdict, the same problems and the same cells as fed whole;
//   - every problem is printable: no control character, no invalid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/base/text.h"
#include "node/model/cell_line.h"
#include "node/model/codes.h"
#include "node/model/return_csv.h"
#include "tests/fuzz/fuzz_util.h"

namespace ots::fuzz {
namespace {

constexpr absl::string_view kFileName = "fuzz.csv";

void CheckRejection(const absl::StatusOr<ParsedReturn>& r,
                    const std::vector<std::string>& problems) {
  Check(absl::IsInvalidArgument(r.status()), "a rejected return is not INVALID_ARGUMENT");
  Check(!problems.empty() && problems.size() <= kMaxProblems,
        "a rejected return has no problems or more than kMaxProblems");
  for (const std::string& p : problems) {
    Check(absl::StartsWith(p, absl::StrCat(kFileName, ":")), "a problem does not name the file");
  }
}

void CheckAccepted(const ParsedReturn& r) {
  Check(!r.lines.empty(), "an accepted return has no cells");
  Check(IsFederationState(r.origin), "an accepted return's origin is not a federation state");
  Check(IsTimePeriod(r.period), "an accepted return's period is not a TIME_PERIOD");
  uint64_t sum = 0;
  for (size_t i = 0; i < r.lines.size(); ++i) {
    CellLineView cell;
    Check(CellLineView::Parse(r.lines[i], &cell), "an accepted line is not a cell line");
    Check(cell.ref_area() == r.origin && cell.time_period() == r.period,
          "an accepted line is of another origin or period");
    uint64_t value = 0;
    Check(cell.ObsValue(&value) && value <= kMaxObsValue, "an accepted OBS_VALUE is not valid");
    sum += value;
    Check(i == 0 || r.lines[i - 1] < r.lines[i], "accepted lines are not strictly ascending");
  }
  Check(sum == r.value_sum, "value_sum is not the sum of the accepted lines");
}

}  // namespace
}  // namespace ots::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ots;
  using namespace ots::fuzz;
  const absl::string_view contents = AsText(data, size);

  std::vector<std::string> problems;
  absl::StatusOr<ParsedReturn> r = ParseReturnCsv(kFileName, contents, "", &problems);
  std::vector<std::string> own_problems;
  absl::StatusOr<ParsedReturn> own = ParseReturnCsv(kFileName, contents, "AZ", &own_problems);
  if (!own.ok()) {
    CheckRejection(own, own_problems);
  }
  for (const std::string& p : problems) {
    Check(Printable(p) == p, "a problem carries a raw control character or invalid UTF-8");
  }
  // The same file in pieces.
  const size_t piece = size == 0 ? 1 : 1 + data[0] % 17;
  ReturnCsvParser parser(kFileName, ReturnCsvOptions{"", {}, 0});
  for (size_t i = 0; i < contents.size(); i += piece) {
    parser.Add(contents.substr(i, piece));
  }
  absl::StatusOr<ParsedReturn> pieces = parser.Finish();
  Check(pieces.ok() == r.ok(), "fed in pieces, the file gets another verdict");
  if (!r.ok()) {
    Check(FormattedProblems(kFileName, parser) == problems,
          "fed in pieces, the file gets other problems");
  } else {
    Check(pieces->lines.ToVector() == r->lines.ToVector(), "fed in pieces, other cells");
  }
  if (!r.ok()) {
    CheckRejection(r, problems);
    Check(!own.ok(), "a return rejected for any origin is accepted for AZ");
    return 0;
  }
  Check(problems.empty(), "an accepted return reports problems");
  CheckAccepted(*r);
  Check(own.ok() == (r->origin == "AZ"), "the node's origin check does not follow REF_AREA");

  // The canonical lines are a plain CSV of the same return.
  std::string canonical = absl::StrCat(absl::StrJoin(kCellColumns, ","), "\n");
  for (size_t i = 0; i < r->lines.size(); ++i) {
    absl::StrAppend(&canonical, r->lines[i], "\n");
  }
  absl::StatusOr<ParsedReturn> again = ParseReturnCsv(kFileName, canonical, r->origin, nullptr);
  Check(again.ok(), "the canonical lines of an accepted return are rejected");
  Check(again->origin == r->origin && again->period == r->period &&
            again->value_sum == r->value_sum && again->lines.ToVector() == r->lines.ToVector(),
        "the canonical lines of an accepted return parse to another return");
  return 0;
}
