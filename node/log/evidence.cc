#include "node/log/evidence.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"

namespace ots {
namespace {

// Whether the two checkpoints (verified, of one origin) cannot describe one append-only log,
// given the leaves of the larger one's log. INVALID_ARGUMENT if the leaves do not match it.
absl::StatusOr<bool> Inconsistent(const Checkpoint& a, const Checkpoint& b,
                                  const std::vector<Hash>& leaves_of_larger) {
  if (a.size == b.size) {
    return a.root != b.root;
  }
  const Checkpoint& larger = a.size > b.size ? a : b;
  const Checkpoint& smaller = a.size > b.size ? b : a;
  if (leaves_of_larger.size() != larger.size) {
    return absl::InvalidArgumentError(absl::StrCat("evidence holds ", leaves_of_larger.size(),
                                                   " leaf hashes for a log of size ", larger.size));
  }
  if (MerkleRoot(leaves_of_larger) != larger.root) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the evidence's leaf hashes do not hash to the root of the checkpoint of size ",
        larger.size));
  }
  absl::Span<const Hash> prefix(leaves_of_larger.data(), smaller.size);
  return MerkleRoot(prefix) != smaller.root;
}

std::string RootBase64(const Hash& h) { return absl::Base64Escape(HashBytes(h)); }

}  // namespace

absl::StatusOr<v1::Evidence> MakeEvidence(absl::string_view origin, absl::string_view note_a,
                                          absl::string_view note_b,
                                          const std::vector<Hash>& leaf_hashes_of_larger,
                                          absl::string_view detail) {
  v1::Evidence e;
  e.set_origin(std::string(origin));
  e.set_note_a(std::string(note_a));
  e.set_note_b(std::string(note_b));
  e.set_detail(std::string(detail));
  OTS_ASSIGN_OR_RETURN(Checkpoint ca, ParseCheckpointNote(note_a));
  OTS_ASSIGN_OR_RETURN(Checkpoint cb, ParseCheckpointNote(note_b));
  if (ca.size != cb.size) {
    for (const Hash& h : leaf_hashes_of_larger) {
      e.add_leaf_hashes(HashBytes(h));
    }
  }
  OTS_ASSIGN_OR_RETURN(bool inconsistent, Inconsistent(ca, cb, leaf_hashes_of_larger));
  if (!inconsistent) {
    return absl::InvalidArgumentError("the two checkpoints are consistent");
  }
  return e;
}

absl::Status VerifyEvidence(const v1::Evidence& evidence, absl::string_view federation,
                            absl::Span<const PublicKey> keys) {
  OTS_ASSIGN_OR_RETURN(VerifiedCheckpoint a, VerifyOriginCheckpoint(federation, evidence.origin(),
                                                                    keys, evidence.note_a()));
  OTS_ASSIGN_OR_RETURN(VerifiedCheckpoint b, VerifyOriginCheckpoint(federation, evidence.origin(),
                                                                    keys, evidence.note_b()));
  std::vector<Hash> leaves;
  leaves.reserve(evidence.leaf_hashes_size());
  for (const std::string& bytes : evidence.leaf_hashes()) {
    Hash h;
    if (!HashFromBytes(bytes, &h)) {
      return absl::InvalidArgumentError("evidence: a leaf hash is not 32 bytes");
    }
    leaves.push_back(h);
  }
  OTS_ASSIGN_OR_RETURN(bool inconsistent, Inconsistent(a.checkpoint, b.checkpoint, leaves));
  if (!inconsistent) {
    return absl::InvalidArgumentError(
        absl::StrCat("evidence against ", evidence.origin(),
                     ": the two checkpoints are consistent; it proves nothing"));
  }
  return absl::OkStatus();
}

std::string DescribeEvidence(const v1::Evidence& evidence) {
  auto describe = [](absl::string_view note) -> std::string {
    absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(note);
    if (!cp.ok()) {
      return "an unreadable checkpoint";
    }
    return absl::StrCat("size ", cp->size, " root ", RootBase64(cp->root));
  };
  return absl::StrCat(
      evidence.origin(), " signed two inconsistent checkpoints: ", describe(evidence.note_a()),
      " and ", describe(evidence.note_b()), evidence.detected_at().empty() ? "" : "; detected ",
      evidence.detected_at(), evidence.reported_by().empty() ? "" : " by ", evidence.reported_by(),
      evidence.detail().empty() ? "" : ": ", evidence.detail());
}

}  // namespace ots
