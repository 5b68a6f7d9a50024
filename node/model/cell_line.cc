#include "node/model/cell_line.h"

#include "crypto/bytes.h"

namespace ots {

int CellColumnIndex(absl::string_view name) {
  for (size_t c = 0; c < kCellColumnCount; ++c) {
    if (name == kCellColumns[c]) {
      return static_cast<int>(c);
    }
  }
  return -1;
}

bool CellLineView::Parse(absl::string_view line, CellLineView* out) {
  size_t start = 0;
  for (size_t c = 0; c + 1 < kCellColumnCount; ++c) {
    const size_t comma = line.find(',', start);
    if (comma == absl::string_view::npos) {
      return false;
    }
    out->fields_[c] = line.substr(start, comma - start);
    start = comma + 1;
  }
  const absl::string_view last = line.substr(start);
  if (last.find(',') != absl::string_view::npos) {
    return false;
  }
  out->fields_[kCellColumnCount - 1] = last;
  return true;
}

bool CellLineView::ObsValue(uint64_t* out) const {
  return ParseCanonicalDecimal(fields_[kObsValue], out);
}

}  // namespace ots
