#include "node/model/cell_lines.h"

#include <bit>

#include "crypto/merkle.h"
#include "crypto/parallel.h"

namespace ots {
namespace {

// MTH of the leaves [begin, end) of `lines`.
Hash RootOfRange(const CellLines& lines, size_t begin, size_t end) {
  Sha256Hasher hasher;
  MerkleRootBuilder root;
  const char leaf_prefix = 0x00;
  for (size_t i = begin; i < end; ++i) {
    root.Add(hasher.Digest(absl::string_view(&leaf_prefix, 1), lines[i]));
  }
  return root.Root();
}

}  // namespace

Hash CellsRoot(const CellLines& sorted_lines) {
  const size_t n = sorted_lines.size();
  if (n < 8192) {
    return RootOfRange(sorted_lines, 0, n);
  }
  // MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two below n;
  // when the right part is small the left one is split once more, so both cores do about half.
  const size_t k = std::bit_floor(n - 1);
  Hash left, right, rest;
  if (n - k >= k / 2) {
    RunBoth([&] { left = RootOfRange(sorted_lines, 0, k); },
            [&] { right = RootOfRange(sorted_lines, k, n); });
    return MerkleNodeHash(left, right);
  }
  RunBoth([&] { left = RootOfRange(sorted_lines, 0, k / 2); },
          [&] {
            right = RootOfRange(sorted_lines, k / 2, k);
            rest = RootOfRange(sorted_lines, k, n);
          });
  return MerkleNodeHash(MerkleNodeHash(left, right), rest);
}

}  // namespace ots
