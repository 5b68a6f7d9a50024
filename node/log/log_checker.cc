#include "node/log/log_checker.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/model/cell_line.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"
#include "node/model/sealed_cells.h"

namespace ots {

absl::StatusOr<const PublicKey*> LogChecker::Signer(const v1::Envelope& header) const {
  const DsseEnvelope env = DsseFromProto(header);
  absl::Status first_failure =
      absl::InvalidArgumentError(absl::StrCat("no log key of ", origin_, " is trusted here"));
  bool named = false;
  for (const PublicKey& key : keys_) {
    absl::Status s = DsseVerify(env, kReturnHeaderPayloadType, key);
    if (s.ok()) {
      return &key;
    }
    // Say why the signature by a key the envelope names fails, rather than that another key
    // signed nothing.
    bool names_key = false;
    for (const DsseSignature& sig : env.signatures) {
      names_key = names_key || sig.keyid == key.KeyId();
    }
    if (!named || names_key) {
      first_failure = s;
      named = names_key;
    }
  }
  return first_failure;
}

absl::StatusOr<std::optional<LogChecker::Latest>> LogChecker::Previous(
    const std::string& period) const {
  auto seen = latest_.find(period);
  if (seen != latest_.end()) {
    return std::optional<Latest>(seen->second);
  }
  if (prior_ == nullptr) {
    return std::optional<Latest>();
  }
  return prior_(period);
}

absl::StatusOr<v1::ReturnHeader> LogChecker::CheckHeader(const v1::Envelope& env,
                                                         std::string* out_where) {
  const uint64_t index = next_index_;
  std::string where = absl::StrCat(origin_, " log index ", index);
  absl::StatusOr<const PublicKey*> key = Signer(env);
  if (!key.ok()) {
    return Fail(absl::StrCat(where, ": header signature: ", key.status().message()));
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
  if (h.key_id() != (*key)->KeyId()) {
    return Fail(absl::StrCat(where, ": header names signer key ", h.key_id(),
                             ", not the trusted key ", (*key)->KeyId(), " that signed it"));
  }
  if (validity_) {
    absl::Status valid = validity_(**key, h.created_at());
    if (!valid.ok()) {
      return Fail(absl::StrCat(where, ": signed at ", h.created_at(), " with log key ",
                               (*key)->KeyId(), ": ", valid.message()));
    }
  }
  absl::StatusOr<std::optional<Latest>> prev = Previous(h.period());
  if (!prev.ok()) {
    return Fail(absl::StrCat(where, ": ", prev.status().message()));
  }
  const uint64_t want_revision = prev->has_value() ? (*prev)->revision + 1 : 1;
  if (h.revision() != want_revision) {
    return Fail(absl::StrCat(where, ": revision chain: expected revision ", want_revision));
  }
  const std::string want_supersedes =
      prev->has_value() ? HashBytes((*prev)->header_hash) : std::string();
  if (h.supersedes() != want_supersedes) {
    return Fail(absl::StrCat(where, ": supersedes: header says ",
                             h.supersedes().empty() ? "-" : HexEncode(h.supersedes()),
                             ", previous revision is ",
                             want_supersedes.empty() ? "-" : HexEncode(want_supersedes)));
  }
  latest_[h.period()] = Latest{h.revision(), index, Sha256(env.payload())};
  leaves_.push_back(MerkleLeafHash(env.payload()));
  ++next_index_;
  if (out_where != nullptr) {
    *out_where = std::move(where);
  }
  return parsed;
}

CellsChecker::CellsChecker(const v1::ReturnHeader& header, absl::StatusCode failure_code)
    : header_(header), code_(failure_code) {}

void CellsChecker::Add(absl::string_view line) {
  CellLineView cell;
  uint64_t v = 0;
  bool good = CellLineView::Parse(line, &cell) && cell.ref_area() == header_.origin() &&
              cell.time_period() == header_.period();
  if (good && IsSealedCell(cell)) {
    ++sealed_;
  } else {
    // In a v2 return every confidential cell is sealed.
    good = good && cell.ObsValue(&v) &&
           !(header_.sealed_count() > 0 && IsSealedConfStatus(cell.conf_status()));
  }
  if (!good && bad_line_.empty()) {
    bad_line_ = std::string(line);
  }
  if (root_.size() > 0 && line <= previous_) {
    unsorted_ = true;
  }
  previous_.assign(line.data(), line.size());
  sum_ += v;
  const char leaf_prefix = 0x00;
  root_.Add(hasher_.Digest(absl::string_view(&leaf_prefix, 1), line));
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
  if (root_.size() != header_.cell_count()) {
    return absl::Status(code_, absl::StrCat(where, ": cell count: header says ",
                                            header_.cell_count(), ", store holds ", root_.size()));
  }
  const Hash root = root_.Root();
  if (HashBytes(root) != header_.cells_root()) {
    return absl::Status(
        code_, absl::StrCat(where, ": cells root: header says ", HexEncode(header_.cells_root()),
                            ", stored cells give ", HexEncode(HashBytes(root))));
  }
  if (sealed_ != header_.sealed_count()) {
    return absl::Status(code_, absl::StrCat(where, ": sealed cells: header says ",
                                            header_.sealed_count(), ", store holds ", sealed_));
  }
  if (sum_ != header_.value_sum()) {
    return absl::Status(code_, absl::StrCat(where, ": value sum: header says ", header_.value_sum(),
                                            ", stored cells add up to ", sum_));
  }
  return absl::OkStatus();
}

}  // namespace ots
