#include "node/model/sealed_cells.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/sha256.h"

namespace ots {
namespace {

constexpr absl::string_view kCommitmentContext = "ots-cell-commitment/v1\n";

}  // namespace

bool IsSealedCell(const CellLineView& cell) {
  absl::string_view value = cell.obs_value_text();
  return value.size() == kSealedValuePrefix.size() + 64 &&
         value.substr(0, kSealedValuePrefix.size()) == kSealedValuePrefix &&
         IsSha256Hex(value.substr(kSealedValuePrefix.size())) && cell.obs_status().empty() &&
         IsSealedConfStatus(cell.conf_status());
}

bool IsSealedLine(absl::string_view line) {
  CellLineView cell;
  return CellLineView::Parse(line, &cell) && IsSealedCell(cell);
}

std::string SealLine(absl::string_view line, absl::string_view salt) {
  CellLineView cell;
  CellLineView::Parse(line, &cell);
  Sha256Hasher hasher;
  const std::string commitment =
      HexEncode(HashBytes(hasher.Digest(kCommitmentContext, salt, line)));
  return absl::StrCat(cell.ref_area(), ",", cell.time_period(), ",", cell.citizen(), ",",
                      cell.stay_cat(), ",", cell.sex(), ",", cell.age(), ",", kSealedValuePrefix,
                      commitment, ",,", cell.conf_status(), ",", cell.stock_flow());
}

absl::StatusOr<Openings> Openings::Parse(absl::string_view text, absl::string_view where) {
  Openings out;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t end = text.find('\n');
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": opening ", number, " does not end with a newline"));
    }
    absl::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": opening ", number, " (\"", absl::CEscape(line.substr(0, 200)), "\"): ", why));
    };
    if (line.size() < 65 || line[64] != ',' || !IsSha256Hex(line.substr(0, 64))) {
      return bad("expected a salt of 64 lower-case hex digits, a comma and a cell line");
    }
    absl::StatusOr<std::string> salt = HexDecode(line.substr(0, 64));
    absl::string_view cell_line = line.substr(65);
    CellLineView cell;
    uint64_t value = 0;
    if (!salt.ok() || !CellLineView::Parse(cell_line, &cell) || !cell.ObsValue(&value)) {
      return bad("not a cell line with a number of persons");
    }
    if (!IsSealedConfStatus(cell.conf_status())) {
      return bad("its CONF_STATUS is not C or D: only confidential cells are sealed");
    }
    if (out.salt_by_line_.contains(cell_line)) {
      return bad("the same cell line is opened twice");
    }
    out.Add(cell_line, *salt);
  }
  return out;
}

std::string Openings::Add(absl::string_view line, absl::string_view salt) {
  std::string sealed = SealLine(line, salt);
  by_sealed_[sealed] = Opening{std::string(salt), std::string(line)};
  salt_by_line_[line] = std::string(salt);
  return sealed;
}

const Openings::Opening* Openings::Find(absl::string_view sealed_line) const {
  auto it = by_sealed_.find(sealed_line);
  return it == by_sealed_.end() ? nullptr : &it->second;
}

const std::string* Openings::SaltOf(absl::string_view line) const {
  auto it = salt_by_line_.find(line);
  return it == salt_by_line_.end() ? nullptr : &it->second;
}

std::string Openings::Serialize() const {
  std::vector<const Opening*> sorted;
  sorted.reserve(by_sealed_.size());
  for (const auto& [sealed, opening] : by_sealed_) {
    sorted.push_back(&opening);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Opening* a, const Opening* b) { return a->line < b->line; });
  std::string out;
  for (const Opening* o : sorted) {
    absl::StrAppend(&out, HexEncode(o->salt), ",", o->line, "\n");
  }
  return out;
}

bool AnyToSeal(const CellLines& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    // "...,CONF_STATUS,STOCK_FLOW": the field between the last two commas.
    const absl::string_view line = cells[i];
    const size_t last = line.rfind(',');
    if (last == absl::string_view::npos || last == 0) {
      continue;
    }
    const size_t before = line.rfind(',', last - 1);
    if (before != absl::string_view::npos &&
        IsSealedConfStatus(line.substr(before + 1, last - before - 1))) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<SealedReturn> SealReturn(
    const CellLines& cells,
    absl::FunctionRef<absl::StatusOr<std::string>(absl::string_view)> salt_for) {
  SealedReturn out;
  out.leaves.Reserve(cells.size(), cells.byte_size());
  for (size_t i = 0; i < cells.size(); ++i) {
    const absl::string_view line = cells[i];
    CellLineView cell;
    uint64_t value = 0;
    if (!CellLineView::Parse(line, &cell) || !cell.ObsValue(&value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cell ", i, " is not a cell line: \"", absl::CEscape(line), "\""));
    }
    if (!IsSealedConfStatus(cell.conf_status())) {
      out.leaves.Add(line);
      out.open_sum += value;
      continue;
    }
    absl::StatusOr<std::string> salt = salt_for(line);
    if (!salt.ok()) {
      return salt.status();
    }
    if (salt->size() != kSaltBytes) {
      return absl::InternalError(absl::StrCat("a salt of ", salt->size(), " bytes"));
    }
    out.leaves.Add(out.openings.Add(line, *salt));
  }
  out.leaves.Sort();
  return out;
}

absl::Status CheckOpenings(const Openings& openings, const CellLines& sorted_leaves,
                           absl::string_view where) {
  std::vector<absl::string_view> sealed;
  for (size_t i = 0; i < sorted_leaves.size(); ++i) {
    if (IsSealedLine(sorted_leaves[i])) {
      sealed.push_back(sorted_leaves[i]);
    }
  }
  // Openings are few beside the cells: a lookup per sealed leaf.
  size_t found = 0;
  for (absl::string_view s : sealed) {
    found += openings.Find(s) != nullptr ? 1 : 0;
  }
  if (found != openings.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", openings.size() - found, " of ", openings.size(),
                     " openings open no sealed cell of the return (salt or cell line altered)"));
  }
  return absl::OkStatus();
}

}  // namespace ots
