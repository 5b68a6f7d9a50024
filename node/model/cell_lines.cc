#include "node/model/cell_lines.h"

#include "crypto/parallel.h"

namespace ots {

std::vector<Hash> CellLeafHashes(const CellLines& sorted_lines) {
  std::vector<Hash> out(sorted_lines.size());
  auto hash_range = [&](size_t begin, size_t end) {
    Sha256Hasher hasher;
    const char leaf_prefix = 0x00;
    for (size_t i = begin; i < end; ++i) {
      out[i] = hasher.Digest(absl::string_view(&leaf_prefix, 1), sorted_lines[i]);
    }
  };
  const size_t half = sorted_lines.size() / 2;
  if (half < 4096) {
    hash_range(0, sorted_lines.size());
  } else {
    RunBoth([&] { hash_range(0, half); }, [&] { hash_range(half, sorted_lines.size()); });
  }
  return out;
}

}  // namespace ots
