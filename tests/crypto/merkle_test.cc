// Tests for crypto/merkle: published RFC 6962 vectors, an independent reference built straight
// from the recursive definitions of RFC 6962 §2.1, and a tamper property test.
#include "crypto/merkle.h"

#include <bit>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "crypto/bytes.h"
#include "crypto/sha256.h"

namespace ots {
namespace {

Hash H(absl::string_view hex) {
  absl::StatusOr<std::string> bytes = HexDecode(hex);
  REQUIRE(bytes.ok());
  Hash h;
  REQUIRE(HashFromBytes(*bytes, &h));
  return h;
}

std::vector<Hash> Hs(std::initializer_list<absl::string_view> hexes) {
  std::vector<Hash> out;
  for (absl::string_view h : hexes) {
    out.push_back(H(h));
  }
  return out;
}

// The RFC 6962 reference leaves and the roots of the trees of their first 0..8 leaves.
// Source: github.com/transparency-dev/merkle, testonly/constants.go (LeafInputs, RootHashes);
// the same values appear in google/certificate-transparency's merkle_tree_test.cc.
const char* const kReferenceLeavesHex[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
const char* const kReferenceRootsHex[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // size 0
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",  // size 1
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",  // size 2
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",  // size 3
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",  // size 4
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",  // size 5
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",  // size 6
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",  // size 7
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",  // size 8
};

std::vector<Hash> ReferenceLeafHashes() {
  std::vector<Hash> out;
  for (const char* hex : kReferenceLeavesHex) {
    absl::StatusOr<std::string> leaf = HexDecode(hex);
    REQUIRE(leaf.ok());
    out.push_back(MerkleLeafHash(*leaf));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Independent reference: RFC 6962 §2.1 written as directly as possible. Proofs are described as
// lists of leaf ranges [lo, hi), so they can be checked against MTH of those ranges and turned
// into symbolic expressions.

using Range = std::pair<uint64_t, uint64_t>;

uint64_t RefSplit(uint64_t n) {
  uint64_t k = 1;
  while (k < n - k) {  // k * 2 < n, without overflow
    k *= 2;
  }
  return k;
}

Hash RefMth(absl::Span<const Hash> d) {
  if (d.empty()) {
    return Sha256("");
  }
  if (d.size() == 1) {
    return d[0];
  }
  const uint64_t k = RefSplit(d.size());
  return MerkleNodeHash(RefMth(d.subspan(0, k)), RefMth(d.subspan(k)));
}

void RefPath(uint64_t m, uint64_t lo, uint64_t hi, std::vector<Range>* out) {
  if (hi - lo <= 1) {
    return;
  }
  const uint64_t k = RefSplit(hi - lo);
  if (m < k) {
    RefPath(m, lo, lo + k, out);
    out->push_back({lo + k, hi});
  } else {
    RefPath(m - k, lo + k, hi, out);
    out->push_back({lo, lo + k});
  }
}

void RefSubproof(uint64_t m, uint64_t lo, uint64_t hi, bool b, std::vector<Range>* out) {
  const uint64_t n = hi - lo;
  if (m == n) {
    if (!b) {
      out->push_back({lo, hi});
    }
    return;
  }
  const uint64_t k = RefSplit(n);
  if (m <= k) {
    RefSubproof(m, lo, lo + k, b, out);
    out->push_back({lo + k, hi});
  } else {
    RefSubproof(m - k, lo + k, hi, false, out);
    out->push_back({lo, lo + k});
  }
}

// MTH over [lo, hi) as an expression in the named ranges, or with "?" where a part is not
// covered by any name.
std::string Expr(uint64_t lo, uint64_t hi, const std::map<Range, std::string>& names) {
  auto it = names.find({lo, hi});
  if (it != names.end()) {
    return it->second;
  }
  bool covers_a_name = false;
  for (const auto& [range, name] : names) {
    covers_a_name = covers_a_name || (lo <= range.first && range.second <= hi);
  }
  if (hi - lo <= 1 || !covers_a_name) {
    return "?";
  }
  const uint64_t k = RefSplit(hi - lo);
  return "H(" + Expr(lo, lo + k, names) + "," + Expr(lo + k, hi, names) + ")";
}

// The shape of an inclusion proof: how its root is computed from the leaf and proof elements.
// Two (index, size) pairs with the same shape accept exactly the same proofs.
std::string InclusionShape(uint64_t index, uint64_t size) {
  if (index >= size) {
    return "invalid";
  }
  std::vector<Range> path;
  RefPath(index, 0, size, &path);
  std::map<Range, std::string> names = {{{index, index + 1}, "L"}};
  for (size_t i = 0; i < path.size(); ++i) {
    names[path[i]] = "p" + std::to_string(i);
  }
  return Expr(0, size, names);
}

// The shape of a non-trivial (0 < m < n) consistency proof: how both roots are computed from the
// proof elements (and the old root, when it is itself a node of the new tree).
std::string ConsistencyShape(uint64_t m, uint64_t n) {
  if (m == 0 || m >= n) {
    return "trivial";
  }
  std::vector<Range> proof;
  RefSubproof(m, 0, n, true, &proof);
  std::map<Range, std::string> names;
  if (std::has_single_bit(m)) {
    names[{0, m}] = "OLD";
  }
  for (size_t i = 0; i < proof.size(); ++i) {
    names[proof[i]] = "p" + std::to_string(i);
  }
  return Expr(0, m, names) + " | " + Expr(0, n, names);
}

std::vector<Hash> SyntheticLeafHashes(size_t n) {
  std::vector<Hash> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string leaf;
    PutBigEndian64(&leaf, i);
    out.push_back(MerkleLeafHash(leaf));
  }
  return out;
}

Hash Flip(Hash h, size_t bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("Merkle: empty tree root is SHA-256 of the empty string", "[merkle]") {
  CHECK(MerkleRoot({}) == H(kReferenceRootsHex[0]));
  CHECK(MerkleRoot({}) == Sha256(""));
}

TEST_CASE("Merkle: RFC 6962 reference roots for sizes 0..8", "[merkle]") {
  const std::vector<Hash> leaves = ReferenceLeafHashes();
  for (size_t n = 0; n <= leaves.size(); ++n) {
    INFO("size " << n);
    CHECK(HexEncode(HashBytes(MerkleRoot(absl::MakeConstSpan(leaves).subspan(0, n)))) ==
          kReferenceRootsHex[n]);
  }
  // The leaf hash of the empty leaf is SHA-256(0x00), the root of the size-1 tree.
  CHECK(MerkleLeafHash("") == H(kReferenceRootsHex[1]));
  CHECK(MerkleNodeHash(leaves[0], leaves[1]) == H(kReferenceRootsHex[2]));
}

// Inclusion and consistency proofs over the reference leaves, from
// github.com/transparency-dev/merkle proof/verify_test.go (inclusionProofs and consistencyProofs;
// that file numbers leaves from 1, here they are 0-based indexes).
TEST_CASE("Merkle: published RFC 6962 inclusion proofs", "[merkle]") {
  const std::vector<Hash> leaves = ReferenceLeafHashes();
  struct Vector {
    uint64_t index;
    uint64_t size;
    std::vector<Hash> proof;
  };
  const std::vector<Vector> vectors = {
      {0, 1, {}},
      {0, 8,
       Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       Hs({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, Hs({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       Hs({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  for (const Vector& v : vectors) {
    INFO("index " << v.index << " size " << v.size);
    auto tree = absl::MakeConstSpan(leaves).subspan(0, v.size);
    absl::StatusOr<std::vector<Hash>> proof = MerkleInclusionProof(tree, v.index);
    REQUIRE(proof.ok());
    CHECK(*proof == v.proof);
    CHECK(MerkleVerifyInclusion(leaves[v.index], v.index, v.size, v.proof,
                                H(kReferenceRootsHex[v.size]))
              .ok());
  }
}

TEST_CASE("Merkle: published RFC 6962 consistency proofs", "[merkle]") {
  const std::vector<Hash> leaves = ReferenceLeafHashes();
  struct Vector {
    uint64_t old_size;
    uint64_t new_size;
    std::vector<Hash> proof;
  };
  const std::vector<Vector> vectors = {
      {1, 1, {}},
      {1, 8,
       Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       Hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       Hs({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 7,
       Hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  for (const Vector& v : vectors) {
    INFO("sizes " << v.old_size << " -> " << v.new_size);
    auto tree = absl::MakeConstSpan(leaves).subspan(0, v.new_size);
    absl::StatusOr<std::vector<Hash>> proof = MerkleConsistencyProof(tree, v.old_size);
    REQUIRE(proof.ok());
    CHECK(*proof == v.proof);
    CHECK(MerkleVerifyConsistency(v.old_size, v.new_size, H(kReferenceRootsHex[v.old_size]),
                                  H(kReferenceRootsHex[v.new_size]), v.proof)
              .ok());
  }
}

TEST_CASE("Merkle: generation matches the RFC 6962 recursive definitions", "[merkle]") {
  const std::vector<Hash> all = SyntheticLeafHashes(70);
  for (size_t n = 0; n <= all.size(); ++n) {
    auto tree = absl::MakeConstSpan(all).subspan(0, n);
    INFO("size " << n);
    REQUIRE(MerkleRoot(tree) == RefMth(tree));
    for (uint64_t i = 0; i < n; ++i) {
      std::vector<Range> ranges;
      RefPath(i, 0, n, &ranges);
      absl::StatusOr<std::vector<Hash>> proof = MerkleInclusionProof(tree, i);
      REQUIRE(proof.ok());
      REQUIRE(proof->size() == ranges.size());
      for (size_t j = 0; j < ranges.size(); ++j) {
        REQUIRE((*proof)[j] ==
                RefMth(tree.subspan(ranges[j].first, ranges[j].second - ranges[j].first)));
      }
    }
    for (uint64_t m = 1; m < n; ++m) {
      std::vector<Range> ranges;
      RefSubproof(m, 0, n, true, &ranges);
      absl::StatusOr<std::vector<Hash>> proof = MerkleConsistencyProof(tree, m);
      REQUIRE(proof.ok());
      REQUIRE(proof->size() == ranges.size());
      for (size_t j = 0; j < ranges.size(); ++j) {
        REQUIRE((*proof)[j] ==
                RefMth(tree.subspan(ranges[j].first, ranges[j].second - ranges[j].first)));
      }
    }
  }
}

TEST_CASE("Merkle: the streaming root equals MTH at every size", "[merkle]") {
  // Sizes up to 300 cover every pattern of set bits the fold meets up to 2^8 and beyond.
  const std::vector<Hash> all = SyntheticLeafHashes(300);
  MerkleRootBuilder builder;
  CHECK(builder.Root() == RefMth({}));
  for (size_t n = 1; n <= all.size(); ++n) {
    builder.Add(all[n - 1]);
    INFO("size " << n);
    REQUIRE(builder.size() == n);
    REQUIRE(builder.Root() == RefMth(absl::MakeConstSpan(all).subspan(0, n)));
  }
}

TEST_CASE("Merkle: generation rejects out-of-range arguments", "[merkle]") {
  const std::vector<Hash> leaves = SyntheticLeafHashes(5);
  CHECK(MerkleInclusionProof(leaves, 5).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleInclusionProof({}, 0).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleConsistencyProof(leaves, 6).status().code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(MerkleConsistencyProof(leaves, 0).ok());
  CHECK(MerkleConsistencyProof(leaves, 0)->empty());
  REQUIRE(MerkleConsistencyProof(leaves, 5).ok());
  CHECK(MerkleConsistencyProof(leaves, 5)->empty());
}

TEST_CASE("Merkle: trivial and degenerate verification cases", "[merkle]") {
  const Hash a = Sha256("a");
  const Hash b = Sha256("b");
  const std::vector<Hash> none;
  const std::vector<Hash> one = {a};
  // Inclusion: index must be below size, and the only proof of a 1-leaf tree is empty.
  CHECK(MerkleVerifyInclusion(a, 0, 1, none, a).ok());
  CHECK(MerkleVerifyInclusion(a, 0, 1, none, b).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyInclusion(a, 0, 1, one, a).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyInclusion(a, 0, 0, none, a).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyInclusion(a, 1, 1, none, a).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyInclusion(a, 2, 1, none, a).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyInclusion(a, UINT64_MAX, UINT64_MAX, none, a).code() ==
        absl::StatusCode::kInvalidArgument);
  // Consistency: from size 0 anything goes with an empty proof; equal sizes need equal roots.
  CHECK(MerkleVerifyConsistency(0, 0, a, b, none).ok());
  CHECK(MerkleVerifyConsistency(0, 1, a, b, none).ok());
  CHECK(MerkleVerifyConsistency(0, 1, a, b, one).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyConsistency(1, 1, a, a, none).ok());
  CHECK(MerkleVerifyConsistency(1, 1, a, b, none).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyConsistency(1, 1, a, a, one).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyConsistency(1, 0, a, b, none).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyConsistency(2, 1, a, b, none).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyConsistency(1, 2, a, b, none).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MerkleVerifyConsistency(3, UINT64_MAX, a, b, one).code() ==
        absl::StatusCode::kInvalidArgument);
}

// Every proof for every tree of up to 128 leaves verifies, and fails once any proof hash or root
// is changed, or an index or size is changed to one that does not describe the same computation.
// For sizes up to kFullSweep every bit of every proof hash and root is flipped; above it, each
// proof hash and root has one bit flipped, the position rotating with the case so that over the
// sweep every byte and bit position is hit (a full sweep of all sizes takes minutes).
TEST_CASE("Merkle: property test over every size up to 128", "[merkle][property]") {
  constexpr uint64_t kMaxSize = 128;
  constexpr uint64_t kFullSweep = 16;
  const std::vector<Hash> all = SyntheticLeafHashes(kMaxSize);
  std::vector<Hash> roots;
  for (uint64_t n = 0; n <= kMaxSize; ++n) {
    roots.push_back(MerkleRoot(absl::MakeConstSpan(all).subspan(0, n)));
  }
  uint64_t rotation = 0;
  // The bits to flip in one 256-bit hash for case `rotation`.
  auto bits_to_flip = [&](uint64_t n) {
    std::vector<size_t> bits;
    if (n <= kFullSweep) {
      for (size_t bit = 0; bit < 256; ++bit) {
        bits.push_back(bit);
      }
    } else {
      const size_t byte = (rotation * 7) % 32;
      bits.push_back(byte * 8 + (rotation / 32 + rotation) % 8);
    }
    ++rotation;
    return bits;
  };
  size_t inclusion_checks = 0;
  size_t consistency_checks = 0;

  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    auto tree = absl::MakeConstSpan(all).subspan(0, n);
    const Hash& root = roots[n];

    for (uint64_t i = 0; i < n; ++i) {
      absl::StatusOr<std::vector<Hash>> proof_or = MerkleInclusionProof(tree, i);
      REQUIRE(proof_or.ok());
      std::vector<Hash> proof = *std::move(proof_or);
      const Hash& leaf = tree[i];
      INFO("inclusion of leaf " << i << " in size " << n);
      REQUIRE(MerkleVerifyInclusion(leaf, i, n, proof, root).ok());
      ++inclusion_checks;

      for (size_t j = 0; j < proof.size(); ++j) {
        for (size_t bit : bits_to_flip(n)) {
          const Hash saved = proof[j];
          proof[j] = Flip(saved, bit);
          REQUIRE(!MerkleVerifyInclusion(leaf, i, n, proof, root).ok());
          proof[j] = saved;
          ++inclusion_checks;
        }
      }
      for (size_t bit : bits_to_flip(n)) {
        REQUIRE(!MerkleVerifyInclusion(leaf, i, n, proof, Flip(root, bit)).ok());
        REQUIRE(!MerkleVerifyInclusion(Flip(leaf, bit), i, n, proof, root).ok());
        inclusion_checks += 2;
      }
      // Extra, missing and reordered proof elements.
      {
        std::vector<Hash> longer = proof;
        longer.push_back(root);
        REQUIRE(!MerkleVerifyInclusion(leaf, i, n, longer, root).ok());
        if (!proof.empty()) {
          std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
          REQUIRE(!MerkleVerifyInclusion(leaf, i, n, shorter, root).ok());
        }
        if (proof.size() >= 2) {
          std::vector<Hash> swapped = proof;
          std::swap(swapped[0], swapped[1]);
          REQUIRE(!MerkleVerifyInclusion(leaf, i, n, swapped, root).ok());
        }
      }
      // Wrong index or size: must fail unless the reference says the computation is identical.
      const std::string shape = InclusionShape(i, n);
      const std::vector<std::pair<uint64_t, uint64_t>> wrong = {
          {i + 1, n},     {i - 1, n},      {i ^ 1, n},      {i ^ 2, n}, {n, n},
          {i, n + 1},     {i, n - 1},      {i, n * 2},      {i, n / 2}, {i, i},
          {i + 1, n + 1}, {i, UINT64_MAX}, {UINT64_MAX, n},
      };
      for (const auto& [wi, wn] : wrong) {
        if (wi == i && wn == n) {
          continue;
        }
        INFO("claimed as leaf " << wi << " in size " << wn);
        const bool same = InclusionShape(wi, wn) == shape;
        CHECK(MerkleVerifyInclusion(leaf, wi, wn, proof, root).ok() == same);
        ++inclusion_checks;
      }
    }

    for (uint64_t m = 0; m <= n; ++m) {
      absl::StatusOr<std::vector<Hash>> proof_or = MerkleConsistencyProof(tree, m);
      REQUIRE(proof_or.ok());
      std::vector<Hash> proof = *std::move(proof_or);
      const Hash& old_root = roots[m];
      INFO("consistency " << m << " -> " << n);
      REQUIRE(MerkleVerifyConsistency(m, n, old_root, root, proof).ok());
      ++consistency_checks;
      if (m == 0) {
        // Nothing to tamper with: the old tree is empty and the proof too.
        continue;
      }

      for (size_t j = 0; j < proof.size(); ++j) {
        for (size_t bit : bits_to_flip(n)) {
          const Hash saved = proof[j];
          proof[j] = Flip(saved, bit);
          REQUIRE(!MerkleVerifyConsistency(m, n, old_root, root, proof).ok());
          proof[j] = saved;
          ++consistency_checks;
        }
      }
      for (size_t bit : bits_to_flip(n)) {
        REQUIRE(!MerkleVerifyConsistency(m, n, Flip(old_root, bit), root, proof).ok());
        REQUIRE(!MerkleVerifyConsistency(m, n, old_root, Flip(root, bit), proof).ok());
        consistency_checks += 2;
      }
      if (m < n) {
        REQUIRE(!MerkleVerifyConsistency(m, n, old_root, root, {}).ok());
        REQUIRE(!MerkleVerifyConsistency(m, n, root, old_root, proof).ok());
        std::vector<Hash> longer = proof;
        longer.push_back(old_root);
        REQUIRE(!MerkleVerifyConsistency(m, n, old_root, root, longer).ok());
        std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
        REQUIRE(!MerkleVerifyConsistency(m, n, old_root, root, shorter).ok());
        std::vector<Hash> prefixed = proof;
        prefixed.insert(prefixed.begin(), old_root);
        REQUIRE(!MerkleVerifyConsistency(m, n, old_root, root, prefixed).ok());
      }
      // Wrong sizes: must fail unless the reference says the computation is identical.
      if (m < n) {
        const std::string shape = ConsistencyShape(m, n);
        const std::vector<std::pair<uint64_t, uint64_t>> wrong = {
            {m + 1, n}, {m - 1, n}, {m ^ 1, n}, {m ^ 2, n},      {m, n + 1},
            {m, n - 1}, {m, n * 2}, {m, n / 2}, {m * 2, n * 2},  {n, n},
            {m, m},     {0, n},     {n, m},     {m, UINT64_MAX},
        };
        for (const auto& [wm, wn] : wrong) {
          if (wm == m && wn == n) {
            continue;
          }
          INFO("claimed as sizes " << wm << " -> " << wn);
          // Sizes 0 and equal sizes accept only an empty proof, and this one is not empty.
          const bool same = wm < wn && wm != 0 && ConsistencyShape(wm, wn) == shape;
          CHECK(MerkleVerifyConsistency(wm, wn, old_root, root, proof).ok() == same);
          ++consistency_checks;
        }
      }
    }
  }
  INFO("inclusion checks " << inclusion_checks << ", consistency checks " << consistency_checks);
  CHECK(inclusion_checks > 0);
  CHECK(consistency_checks > 0);
}

TEST_CASE("Merkle: a million leaves", "[merkle][large]") {
  constexpr size_t kLeaves = 1000000;
  std::vector<Hash> leaves(kLeaves);
  for (size_t i = 0; i < kLeaves; ++i) {
    // Distinct but cheap leaf hashes: the index, big-endian, padded.
    std::string bytes;
    PutBigEndian64(&bytes, i);
    bytes.resize(32, '\x5a');
    REQUIRE(HashFromBytes(bytes, &leaves[i]));
  }
  const auto start = std::chrono::steady_clock::now();
  const Hash root = MerkleRoot(leaves);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("MerkleRoot of " << kLeaves << " leaves took " << seconds << " s");

  // RFC 6962: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k = 2^19 here.
  const size_t k = 524288;
  auto span = absl::MakeConstSpan(leaves);
  CHECK(root == MerkleNodeHash(MerkleRoot(span.subspan(0, k)), MerkleRoot(span.subspan(k))));

  for (uint64_t index : {uint64_t{0}, uint64_t{123456}, uint64_t{kLeaves - 1}}) {
    absl::StatusOr<std::vector<Hash>> proof = MerkleInclusionProof(leaves, index);
    REQUIRE(proof.ok());
    CHECK(proof->size() <= 20);
    CHECK(MerkleVerifyInclusion(leaves[index], index, kLeaves, *proof, root).ok());
  }
  const uint64_t old_size = 777777;
  absl::StatusOr<std::vector<Hash>> proof = MerkleConsistencyProof(leaves, old_size);
  REQUIRE(proof.ok());
  CHECK(MerkleVerifyConsistency(old_size, kLeaves, MerkleRoot(span.subspan(0, old_size)), root,
                                *proof)
            .ok());
}

}  // namespace
}  // namespace ots
