#include "node/model/cell_lines.h"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "crypto/merkle.h"

namespace ots {
namespace {

// n distinct cell lines in an order that is not sorted.
CellLines Shuffled(size_t n) {
  CellLines lines;
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (i * 7919) % n;  // 7919 is prime: a permutation unless n is its multiple
    lines.Add(absl::StrCat("AZ,2024,UZ,_T,_T,Y", k % 150, ",", k, ",A,F,STK"));
  }
  return lines;
}

TEST_CASE("CellLines: sorting orders the lines and keeps each one as added", "[cells]") {
  CellLines lines = Shuffled(1000);
  std::vector<std::string> added;
  for (size_t i = 0; i < lines.size(); ++i) {
    added.emplace_back(lines.Added(i));
  }
  CHECK(lines.ToVector() == added);  // before sorting, in the order added
  lines.Sort();
  std::vector<std::string> sorted = added;
  std::sort(sorted.begin(), sorted.end());
  CHECK(lines.ToVector() == sorted);
  for (size_t i = 0; i < lines.size(); ++i) {
    REQUIRE(lines.Added(i) == added[i]);
  }
  // A copy keeps every line: lines are offsets, not pointers.
  CellLines copy = lines;
  CHECK(copy.ToVector() == sorted);
  lines.Add("ZZ");
  CHECK(lines[lines.size() - 1] == "ZZ");
  CHECK(lines.byte_size() == copy.byte_size() + 2);
}

TEST_CASE("CellLines: the cells root is MTH over the sorted lines at every split", "[cells]") {
  // Below the parallel threshold; a size whose right part is small (the left one is split
  // again); a size split evenly; a power of two.
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{8192}, size_t{8193}, size_t{12289},
                   size_t{13000}, size_t{16384}}) {
    CellLines lines = Shuffled(n);
    lines.Sort();
    std::vector<Hash> leaves;
    for (size_t i = 0; i < lines.size(); ++i) {
      leaves.push_back(MerkleLeafHash(lines[i]));
    }
    INFO("n = " << n);
    CHECK(CellsRoot(lines) == MerkleRoot(leaves));
  }
}

}  // namespace
}  // namespace ots
