// RFC 6962 / RFC 9162 Merkle trees: leaf hash = SHA-256(0x00 || leaf), interior node =
// SHA-256(0x01 || left || right), the root of the empty tree = SHA-256(""). Sizes and indexes
// are uint64_t. Proof generation works on the full list of leaf hashes (our trees are built
// from stored leaves) in O(n); verification needs only the proof.
#ifndef OTS_CRYPTO_MERKLE_H_
#define OTS_CRYPTO_MERKLE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/sha256.h"

namespace ots {

Hash MerkleLeafHash(absl::string_view leaf);
Hash MerkleNodeHash(const Hash& left, const Hash& right);

// MTH(D[n]) over already hashed leaves.
Hash MerkleRoot(absl::Span<const Hash> leaf_hashes);

// MTH(D[n]) of leaf hashes given one at a time, in memory that grows with log2(n): one subtree
// root per set bit of the count so far. Not thread-safe.
class MerkleRootBuilder {
 public:
  MerkleRootBuilder() = default;
  MerkleRootBuilder(const MerkleRootBuilder&) = delete;
  MerkleRootBuilder& operator=(const MerkleRootBuilder&) = delete;

  void Add(const Hash& leaf_hash);
  // Leaves added so far.
  uint64_t size() const { return size_; }
  // MTH of the leaves added so far (SHA-256("") for none).
  Hash Root() const;

 private:
  Hash Node(const Hash& left, const Hash& right);

  Sha256Hasher hasher_;
  // Roots of complete subtrees, largest (leftmost) first: one per set bit of size_.
  std::vector<Hash> stack_;
  uint64_t size_ = 0;
};

// PATH(m, D[n]). INVALID_ARGUMENT if index >= size.
absl::StatusOr<std::vector<Hash>> MerkleInclusionProof(absl::Span<const Hash> leaf_hashes,
                                                       uint64_t index);

// PROOF(m, D[n]) for old_size m <= n = leaf_hashes.size(). INVALID_ARGUMENT if m > n.
// Empty when m == 0 or m == n.
absl::StatusOr<std::vector<Hash>> MerkleConsistencyProof(absl::Span<const Hash> leaf_hashes,
                                                         uint64_t old_size);

// RFC 9162 §2.1.3.2. OK, or INVALID_ARGUMENT saying why the proof does not hold.
absl::Status MerkleVerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                                   absl::Span<const Hash> proof, const Hash& root);

// RFC 9162 §2.1.4.2. OK, or INVALID_ARGUMENT saying why the proof does not hold.
// old_size == 0 always verifies with an empty proof (old_root is not examined);
// old_size == new_size needs an empty proof and equal roots; old_size > new_size never verifies.
absl::Status MerkleVerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                                     const Hash& new_root, absl::Span<const Hash> proof);

}  // namespace ots

#endif  // OTS_CRYPTO_MERKLE_H_
