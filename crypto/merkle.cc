#include "crypto/merkle.h"

#include "crypto/status_macros.h"

#include <bit>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crypto/parallel.h"

namespace ots {
namespace {

constexpr char kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;
constexpr char kNodePrefixChar = 0x01;

// RFC 6962's k for a tree of n >= 2 leaves: the largest power of two smaller than n.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH over a range of leaf hashes, computed bottom-up in O(n) time and O(n/2) scratch space:
// adjacent nodes are paired level by level and an odd last node moves up a level unchanged. For
// every n this is exactly the tree of RFC 6962's recursive split at the largest power of two.
Hash RootOf(absl::Span<const Hash> leaves, std::vector<Hash>* scratch) {
  Sha256Hasher hasher;
  auto node = [&hasher](const Hash& l, const Hash& r) {
    return hasher.Digest(absl::string_view(&kNodePrefixChar, 1),
                         absl::string_view(reinterpret_cast<const char*>(l.data()), l.size()),
                         absl::string_view(reinterpret_cast<const char*>(r.data()), r.size()));
  };
  const size_t n = leaves.size();
  if (n == 0) {
    return Sha256("");
  }
  if (n == 1) {
    return leaves[0];
  }
  std::vector<Hash>& level = *scratch;
  level.resize((n + 1) / 2);
  for (size_t i = 0; i + 1 < n; i += 2) {
    level[i / 2] = node(leaves[i], leaves[i + 1]);
  }
  if (n % 2 == 1) {
    level[n / 2] = leaves[n - 1];
  }
  size_t width = (n + 1) / 2;
  while (width > 1) {
    // In place: slot i is written only after slots 2i and 2i+1 (both >= i) have been read.
    for (size_t i = 0; i + 1 < width; i += 2) {
      level[i / 2] = node(level[i], level[i + 1]);
    }
    if (width % 2 == 1) {
      level[width / 2] = level[width - 1];
    }
    width = (width + 1) / 2;
  }
  return level[0];
}

// PATH(m, D[n]) of RFC 6962 §2.1.1, appended to `out` bottom-up. Recursion depth is log2(n); the
// subtree roots it needs cover disjoint ranges, so the whole proof costs O(n) hashes.
void Path(uint64_t m, absl::Span<const Hash> leaves, std::vector<Hash>* scratch,
          std::vector<Hash>* out) {
  const uint64_t n = leaves.size();
  if (n <= 1) {
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(m, leaves.subspan(0, k), scratch, out);
    out->push_back(RootOf(leaves.subspan(k), scratch));
  } else {
    Path(m - k, leaves.subspan(k), scratch, out);
    out->push_back(RootOf(leaves.subspan(0, k), scratch));
  }
}

// SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2, appended to `out`.
void SubProof(uint64_t m, absl::Span<const Hash> leaves, bool b, std::vector<Hash>* scratch,
              std::vector<Hash>* out) {
  const uint64_t n = leaves.size();
  if (m == n) {
    if (!b) {
      out->push_back(RootOf(leaves, scratch));
    }
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, leaves.subspan(0, k), b, scratch, out);
    out->push_back(RootOf(leaves.subspan(k), scratch));
  } else {
    SubProof(m - k, leaves.subspan(k), false, scratch, out);
    out->push_back(RootOf(leaves.subspan(0, k), scratch));
  }
}

bool IsPowerOfTwo(uint64_t x) { return std::has_single_bit(x); }

}  // namespace

Hash MerkleLeafHash(absl::string_view leaf) {
  return Sha256Concat(absl::string_view(&kLeafPrefix, 1), leaf);
}

Hash MerkleNodeHash(const Hash& left, const Hash& right) {
  char buf[1 + 2 * sizeof(Hash)];
  buf[0] = static_cast<char>(kNodePrefix);
  std::memcpy(buf + 1, left.data(), left.size());
  std::memcpy(buf + 1 + left.size(), right.data(), right.size());
  return Sha256(absl::string_view(buf, sizeof(buf)));
}

Hash MerkleRootBuilder::Node(const Hash& left, const Hash& right) {
  return hasher_.Digest(
      absl::string_view(&kNodePrefixChar, 1),
      absl::string_view(reinterpret_cast<const char*>(left.data()), left.size()),
      absl::string_view(reinterpret_cast<const char*>(right.data()), right.size()));
}

void MerkleRootBuilder::Add(const Hash& leaf_hash) {
  // Each trailing set bit of the count is a complete subtree of the leaf's size and up: merged
  // with the new one, as RFC 6962's split at the largest power of two would pair them.
  Hash h = leaf_hash;
  for (uint64_t c = size_; c & 1; c >>= 1) {
    h = Node(stack_.back(), h);
    stack_.pop_back();
  }
  stack_.push_back(h);
  ++size_;
}

Hash MerkleRootBuilder::Root() const {
  if (stack_.empty()) {
    return Sha256("");
  }
  // MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest subtree: folded from
  // the right, the smaller subtrees first.
  Hash h = stack_.back();
  for (size_t j = stack_.size() - 1; j-- > 0;) {
    h = MerkleNodeHash(stack_[j], h);
  }
  return h;
}

Hash MerkleRoot(absl::Span<const Hash> leaf_hashes) {
  // MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])): large trees hash both halves at once.
  constexpr size_t kParallelFrom = 1 << 16;
  const size_t n = leaf_hashes.size();
  if (n < kParallelFrom) {
    std::vector<Hash> scratch;
    return RootOf(leaf_hashes, &scratch);
  }
  const size_t k = SplitPoint(n);
  Hash left, right;
  RunBoth(
      [&] {
        std::vector<Hash> scratch;
        left = RootOf(leaf_hashes.subspan(0, k), &scratch);
      },
      [&] {
        std::vector<Hash> scratch;
        right = RootOf(leaf_hashes.subspan(k), &scratch);
      });
  return MerkleNodeHash(left, right);
}

absl::StatusOr<std::vector<Hash>> MerkleInclusionProof(absl::Span<const Hash> leaf_hashes,
                                                       uint64_t index) {
  if (index >= leaf_hashes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf index ", index, " is not below the tree size ", leaf_hashes.size()));
  }
  std::vector<Hash> scratch;
  std::vector<Hash> proof;
  Path(index, leaf_hashes, &scratch, &proof);
  return proof;
}

absl::StatusOr<std::vector<Hash>> MerkleConsistencyProof(absl::Span<const Hash> leaf_hashes,
                                                         uint64_t old_size) {
  if (old_size > leaf_hashes.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old tree size ", old_size, " is larger than the tree size ", leaf_hashes.size()));
  }
  std::vector<Hash> proof;
  if (old_size == 0 || old_size == leaf_hashes.size()) {
    return proof;
  }
  std::vector<Hash> scratch;
  SubProof(old_size, leaf_hashes, /*b=*/true, &scratch, &proof);
  return proof;
}

namespace {

// The walk both RFC 9162 verifications make (§2.1.3.2, §2.1.4.2) over proof[next...], with fn
// and sn as the algorithms set them: `left(h)` for a hash that is a left sibling of the path,
// `right(h)` for one on its right. INVALID_ARGUMENT if the proof has too many or too few hashes
// for the tree (`what` and `for_what` say which proof, for which sizes).
template <typename Left, typename Right>
absl::Status WalkProof(absl::Span<const Hash> proof, size_t next, uint64_t fn, uint64_t sn,
                       Left left, Right right, absl::string_view what, absl::string_view for_what) {
  for (; next < proof.size(); ++next) {
    if (sn == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has ", proof.size(), " hashes, too many ", for_what));
    }
    if ((fn & 1) == 1 || fn == sn) {
      left(proof[next]);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      right(proof[next]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " has ", proof.size(), " hashes, too few ", for_what));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MerkleVerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                                   absl::Span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof: leaf index ", index, " is not below the tree size ", size));
  }
  Hash r = leaf_hash;
  OTS_RETURN_IF_ERROR(WalkProof(
      proof, 0, index, size - 1, [&](const Hash& p) { r = MerkleNodeHash(p, r); },
      [&](const Hash& p) { r = MerkleNodeHash(r, p); }, "inclusion proof",
      absl::StrCat("for leaf ", index, " of a tree of size ", size)));
  if (r != root) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof for leaf ", index,
                     " does not lead to the root of the tree of size ", size));
  }
  return absl::OkStatus();
}

absl::Status MerkleVerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                                     const Hash& new_root, absl::Span<const Hash> proof) {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat("consistency proof: old tree size ", old_size,
                                                   " is larger than the new size ", new_size));
  }
  if (old_size == 0 || old_size == new_size) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("consistency proof from size ", old_size,
                                                     " to ", new_size, " must be empty, but has ",
                                                     proof.size(), " hashes"));
    }
    if (old_size != 0 && old_root != new_root) {
      return absl::InvalidArgumentError(
          absl::StrCat("trees of the same size ", old_size, " have different roots"));
    }
    return absl::OkStatus();
  }
  if (proof.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof from size ", old_size, " to ", new_size, " is empty"));
  }
  // RFC 9162 §2.1.4.2. When old_size is a power of two the old root is itself a node of the new
  // tree and is (conceptually) prepended to the proof.
  size_t next = 0;
  Hash fr;
  Hash sr;
  if (IsPowerOfTwo(old_size)) {
    fr = old_root;
    sr = old_root;
  } else {
    fr = proof[0];
    sr = proof[0];
    next = 1;
  }
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  OTS_RETURN_IF_ERROR(WalkProof(
      proof, next, fn, sn,
      [&](const Hash& c) {
        fr = MerkleNodeHash(c, fr);
        sr = MerkleNodeHash(c, sr);
      },
      [&](const Hash& c) { sr = MerkleNodeHash(sr, c); }, "consistency proof",
      absl::StrCat("for sizes ", old_size, " to ", new_size)));
  if (fr != old_root) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consistency proof does not reproduce the old root of the tree of size ", old_size));
  }
  if (sr != new_root) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consistency proof does not reproduce the new root of the tree of size ", new_size));
  }
  return absl::OkStatus();
}

}  // namespace ots
