#include "node/log/log_checker.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/sha256.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"

namespace ots {

absl::StatusOr<v1::ReturnHeader> LogChecker::CheckHeader(const v1::Envelope& env,
                                                         std::string* out_where) {
  const uint64_t index = leaves_.size();
  std::string where = absl::StrCat(origin_, " log index ", index);
  absl::Status s = DsseVerify(DsseFromProto(env), kReturnHeaderPayloadType, *key_);
  if (!s.ok()) {
    return Fail(absl::StrCat(where, ": header signature: ", s.message()));
  }
  absl::StatusOr<v1::ReturnHeader> parsed = ParseReturnHeader(env.payload());
  if (!parsed.ok()) {
    return Fail(absl::StrCat(where, ": ", parsed.status().message()));
  }
  const v1::ReturnHeader& h = *parsed;
  where = absl::StrCat(where, " (", h.period(), " revision ", h.revision(), ")");
  if (h.origin() != origin_) {
    return Fail(absl::StrCat(where, ": header origin is ", h.origin(), ", not ", origin_));
  }
  if (h.key_id() != key_->KeyId()) {
    return Fail(absl::StrCat(where, ": header names signer key ", h.key_id(),
                             ", not the trusted key ", key_->KeyId()));
  }
  auto prev = latest_.find(h.period());
  const uint64_t want_revision = prev == latest_.end() ? 1 : prev->second.revision + 1;
  if (h.revision() != want_revision) {
    return Fail(absl::StrCat(where, ": revision chain: expected revision ", want_revision));
  }
  const std::string want_supersedes =
      prev == latest_.end() ? std::string() : HashBytes(prev->second.header_hash);
  if (h.supersedes() != want_supersedes) {
    return Fail(absl::StrCat(where, ": supersedes: header says ",
                             h.supersedes().empty() ? "-" : HexEncode(h.supersedes()),
                             ", previous revision is ",
                             want_supersedes.empty() ? "-" : HexEncode(want_supersedes)));
  }
  latest_[h.period()] = Latest{h.revision(), index, Sha256(env.payload())};
  leaves_.push_back(MerkleLeafHash(env.payload()));
  if (out_where != nullptr) {
    *out_where = std::move(where);
  }
  return parsed;
}

CellsChecker::CellsChecker(const v1::ReturnHeader& header, absl::StatusCode failure_code)
    : header_(header),
      code_(failure_code),
      prefix_(absl::StrCat(header.origin(), ",", header.period(), ",")) {
  leaves_.reserve(header.cell_count());
}

void CellsChecker::Add(absl::string_view line) {
  std::vector<absl::string_view> f = absl::StrSplit(line, ',');
  uint64_t v = 0;
  if ((!absl::StartsWith(line, prefix_) || f.size() != 10 || !absl::SimpleAtoi(f[6], &v)) &&
      bad_line_.empty()) {
    bad_line_ = std::string(line);
  }
  if (!leaves_.empty() && line <= previous_) {
    unsorted_ = true;
  }
  previous_.assign(line.data(), line.size());
  sum_ += v;
  leaves_.push_back(MerkleLeafHash(line));
}

absl::Status CellsChecker::Finish(absl::string_view where) const {
  if (!bad_line_.empty()) {
    return absl::Status(code_,
                        absl::StrCat(where, ": stored cell is not a cell line of this return: \"",
                                     absl::CEscape(bad_line_), "\""));
  }
  if (unsorted_) {
    return absl::Status(code_, absl::StrCat(where, ": cells are not in strictly ascending order"));
  }
  if (leaves_.size() != header_.cell_count()) {
    return absl::Status(code_,
                        absl::StrCat(where, ": cell count: header says ", header_.cell_count(),
                                     ", store holds ", leaves_.size()));
  }
  const Hash root = MerkleRoot(leaves_);
  if (HashBytes(root) != header_.cells_root()) {
    return absl::Status(
        code_, absl::StrCat(where, ": cells root: header says ", HexEncode(header_.cells_root()),
                            ", stored cells give ", HexEncode(HashBytes(root))));
  }
  if (sum_ != header_.value_sum()) {
    return absl::Status(code_, absl::StrCat(where, ": value sum: header says ", header_.value_sum(),
                                            ", stored cells add up to ", sum_));
  }
  return absl::OkStatus();
}

}  // namespace ots
