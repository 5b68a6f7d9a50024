// Sealed cells (docs/formats.md §2a): a cell its state marks confidential (CONF_STATUS C or D)
// is a leaf of the cells root in a sealed form that every member can hash but nobody can read,
//
//   REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,sealed:<hex commitment>,,CONF_STATUS,STOCK_FLOW
//
// where the commitment is SHA-256("ots-cell-commitment/v1\n" ‖ salt ‖ cell line) with a salt of
// 32 random bytes per cell. The opening of a sealed cell (its salt and its cell line) goes only to
// the members the state's confidential_with names (proto/bundle.proto): they recompute the sealed
// line from it, everyone else verifies the cells root and every proof over the sealed line. The
// salt makes the commitment of a count impossible to guess by hashing candidate counts.
#ifndef OTS_NODE_MODEL_SEALED_CELLS_H_
#define OTS_NODE_MODEL_SEALED_CELLS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/model/cell_line.h"
#include "node/model/cell_lines.h"

namespace ots {

// What the OBS_VALUE field of a sealed line starts with; 64 hex digits follow.
constexpr absl::string_view kSealedValuePrefix = "sealed:";
// Bytes of a salt.
constexpr size_t kSaltBytes = 32;

// Whether a cell with this CONF_STATUS is sealed in a return of format v2: C (confidential) and
// D (secondary confidentiality set by the sender).
inline bool IsSealedConfStatus(absl::string_view conf_status) {
  return conf_status == "C" || conf_status == "D";
}

// Whether `cell` is in the sealed form: OBS_VALUE "sealed:" and 64 lower-case hex digits, an
// empty OBS_STATUS and a CONF_STATUS that is sealed.
bool IsSealedCell(const CellLineView& cell);
// The same for a line; false if it is not ten fields.
bool IsSealedLine(absl::string_view line);

// The sealed line of the cell line `line` (which must parse) with `salt` (kSaltBytes bytes).
std::string SealLine(absl::string_view line, absl::string_view salt);

// The openings of one return's sealed cells: for each sealed line, its salt and its cell line.
// Text form (stored, sent, written by ots-ctl prove): one line per opening,
// "<salt, 64 hex digits>,<cell line>", each ending in '\n', sorted by cell line.
class Openings {
 public:
  struct Opening {
    std::string salt;  // raw
    std::string line;  // the cell line
  };

  // Parses the text form, computing each sealed line. INVALID_ARGUMENT naming `where` and the
  // line for a line that is not a salt and a cell line with a sealed CONF_STATUS.
  static absl::StatusOr<Openings> Parse(absl::string_view text, absl::string_view where);

  // Adds the opening of `line` with `salt`; returns its sealed line.
  std::string Add(absl::string_view line, absl::string_view salt);

  // The opening of `sealed_line`, or nullptr.
  const Opening* Find(absl::string_view sealed_line) const;
  // The salt used for `line` (a cell line), or nullptr: a revision re-sealing an unchanged
  // return uses the salts of the revision in force, so that it is recognised as unchanged.
  const std::string* SaltOf(absl::string_view line) const;

  size_t size() const { return by_sealed_.size(); }
  bool empty() const { return by_sealed_.empty(); }
  // The text form.
  std::string Serialize() const;

 private:
  absl::flat_hash_map<std::string, Opening> by_sealed_;
  absl::flat_hash_map<std::string, std::string> salt_by_line_;
};

// Whether some cell of `cells` has a CONF_STATUS that is sealed (a quick look at each line's
// ninth field).
bool AnyToSeal(const CellLines& cells);

// The leaves of a return whose cells are `cells` (sorted): each cell whose CONF_STATUS is sealed
// replaced by its sealed line, salted with `salt_for(line)` (kSaltBytes bytes). Re-sorted.
struct SealedReturn {
  CellLines leaves;       // sorted
  Openings openings;      // one per sealed leaf
  uint64_t open_sum = 0;  // OBS_VALUE summed over the cells left open
};
absl::StatusOr<SealedReturn> SealReturn(
    const CellLines& cells,
    absl::FunctionRef<absl::StatusOr<std::string>(absl::string_view)> salt_for);

// Checks that every opening of `openings` is of a sealed leaf among `sorted_leaves`.
// INVALID_ARGUMENT naming `where` and the first that is not.
absl::Status CheckOpenings(const Openings& openings, const CellLines& sorted_leaves,
                           absl::string_view where);

}  // namespace ots

#endif  // OTS_NODE_MODEL_SEALED_CELLS_H_
