#include "node/log/publisher.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/base/rfc3339.h"
#include "node/log/checkpoint.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"

namespace ots {
namespace {

// Meta entry `name` must be `want` or absent; if absent it is added to `*out`.
absl::Status Bind(Store& store, absl::string_view name, absl::string_view want,
                  const std::function<std::string(absl::string_view)>& refusal,
                  std::vector<std::pair<std::string, std::string>>* out) {
  absl::StatusOr<std::string> bound = store.GetMeta(name);
  if (bound.ok()) {
    return *bound == want ? absl::OkStatus() : absl::FailedPreconditionError(refusal(*bound));
  }
  if (!absl::IsNotFound(bound.status())) {
    return bound.status();
  }
  out->emplace_back(std::string(name), std::string(want));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Publisher::Bindings(
    absl::string_view origin) {
  Store& store = logs_->store();
  std::vector<std::pair<std::string, std::string>> meta;
  // A node signs for one state only: the first publication names it.
  OTS_RETURN_IF_ERROR(Bind(
      store, kNodeOriginMeta, origin,
      [&](absl::string_view own) {
        return absl::StrCat("this data folder is the node of ", own,
                            "; it does not sign returns of ", origin);
      },
      &meta));
  OTS_RETURN_IF_ERROR(logs_->BindFederation(&meta));
  return meta;
}

absl::Status Publisher::BindKey(absl::string_view origin, const PrivateKey& key,
                                std::vector<std::pair<std::string, std::string>>* meta) {
  const std::string name = absl::StrCat(kLogPublicKeyMeta, origin);
  const std::string pem = key.public_key().ToPem();
  if (choose_key_) {
    // The bundle vouches for the key chosen: the log moves on to it (a rotation).
    absl::StatusOr<std::string> bound = logs_->store().GetMeta(name);
    if (!bound.ok() && !absl::IsNotFound(bound.status())) {
      return bound.status();
    }
    if (!bound.ok() || *bound != pem) {
      meta->emplace_back(name, pem);
    }
    return absl::OkStatus();
  }
  return Bind(
      logs_->store(), name, pem,
      [&](absl::string_view) {
        return absl::StrCat("this data folder holds the log of ", origin,
                            " signed with another log key; refusing to sign with key ",
                            key.public_key().KeyId());
      },
      meta);
}

absl::StatusOr<uint64_t> Publisher::SignedSize(absl::string_view origin) {
  auto refuse = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat("refusing to sign: the stored log of ", origin,
                                            " no longer matches its last signed checkpoint (", why,
                                            "); run ots-ctl audit"));
  };
  absl::StatusOr<OriginLogs::TreeHead> head = logs_->Head(origin);
  if (absl::IsDataLoss(head.status())) {
    return refuse(head.status().message());
  }
  OTS_RETURN_IF_ERROR(head.status());
  if (head->size == 0) {
    return 0;
  }
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint last, logs_->store().LatestCheckpoint(origin));
  absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(last.note());
  if (!cp.ok() || cp->size != head->size) {
    return refuse(absl::StrCat(
        "the log holds ", head->size, " entries, its latest checkpoint ",
        cp.ok() ? absl::StrCat("is of size ", cp->size) : std::string(cp.status().message())));
  }
  return head->size;
}

absl::StatusOr<std::optional<Publisher::InForce>> Publisher::ReadInForce(const ParsedReturn& ret) {
  Store& store = logs_->store();
  OTS_ASSIGN_OR_RETURN(std::optional<v1::CurrentEntry> current,
                       store.GetCurrent(ret.origin, ret.period));
  if (!current.has_value()) {
    return std::optional<InForce>();
  }
  absl::StatusOr<v1::LogEntry> entry = store.GetLogEntry(ret.origin, current->log_index());
  if (!entry.ok()) {
    return absl::DataLossError(absl::StrCat("current view of ", ret.origin, " ", ret.period, ": ",
                                            entry.status().message()));
  }
  return std::optional<InForce>(InForce{*current, *std::move(entry)});
}

absl::StatusOr<Openings> Publisher::Seal(ParsedReturn* ret, const Openings* reuse) {
  if (!AnyToSeal(ret->lines)) {
    return Openings();
  }
  OTS_ASSIGN_OR_RETURN(
      SealedReturn sealed,
      SealReturn(ret->lines, [reuse](absl::string_view line) -> absl::StatusOr<std::string> {
        const std::string* salt = reuse != nullptr ? reuse->SaltOf(line) : nullptr;
        return salt != nullptr ? absl::StatusOr<std::string>(*salt) : RandomBytes(kSaltBytes);
      }));
  ret->lines = std::move(sealed.leaves);
  ret->value_sum = sealed.open_sum;
  return std::move(sealed.openings);
}

v1::ReturnHeader Publisher::MakeHeader(const ParsedReturn& ret, uint64_t sealed_count,
                                       absl::string_view cells_root,
                                       const std::optional<InForce>& in_force, absl::Time now,
                                       const PrivateKey& key) {
  v1::ReturnHeader header;
  header.set_origin(ret.origin);
  header.set_period(ret.period);
  if (in_force.has_value()) {
    header.set_revision(in_force->current.revision() + 1);
    header.set_supersedes(HashBytes(Sha256(in_force->entry.header().payload())));
  } else {
    header.set_revision(1);
  }
  header.set_cell_count(ret.lines.size());
  header.set_sealed_count(sealed_count);
  header.set_cells_root(std::string(cells_root));
  header.set_value_sum(ret.value_sum);
  header.set_created_at(Rfc3339(now));
  header.set_key_id(key.public_key().KeyId());
  return header;
}

absl::StatusOr<std::optional<PublishResult>> Publisher::SameAsInForce(
    const ParsedReturn& ret, uint64_t sealed_count, absl::string_view cells_root,
    const std::optional<InForce>& in_force) {
  if (!in_force.has_value()) {
    return std::optional<PublishResult>();
  }
  const uint64_t index = in_force->current.log_index();
  absl::StatusOr<v1::ReturnHeader> header = ParseReturnHeader(in_force->entry.header().payload());
  if (!header.ok()) {
    return absl::DataLossError(absl::StrCat("the header of ", ret.origin, " log entry ", index,
                                            ": ", header.status().message()));
  }
  if (header->cells_root() != cells_root || header->cell_count() != ret.lines.size() ||
      header->value_sum() != ret.value_sum || header->sealed_count() != sealed_count) {
    return std::optional<PublishResult>();
  }
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint latest, logs_->store().LatestCheckpoint(ret.origin));
  PublishResult same;
  same.header = *std::move(header);
  same.log_index = index;
  same.checkpoint_note = latest.note();
  same.unchanged = true;
  return std::optional<PublishResult>(std::move(same));
}

absl::StatusOr<PublishResult> Publisher::Publish(ParsedReturn ret) {
  if (own_log_ != nullptr) {
    own_log_->AwaitPeers(kAwaitPeers);
  }
  absl::MutexLock lock(&mu_);
  Store& store = logs_->store();
  const std::string& origin = ret.origin;
  OTS_ASSIGN_OR_RETURN(auto meta, Bindings(origin));

  OTS_ASSIGN_OR_RETURN(uint64_t size, SignedSize(origin));
  if (own_log_ != nullptr) {
    OTS_RETURN_IF_ERROR(own_log_->MaySign(size));
    absl::StatusOr<std::string> restored = store.GetMeta(kRestoredMeta);
    if (restored.ok() && !restored->empty()) {
      meta.emplace_back(std::string(kRestoredMeta), "");  // recovered: the mark has done its work
    }
  }
  OTS_ASSIGN_OR_RETURN(std::optional<InForce> in_force, ReadInForce(ret));
  // Confidential cells sealed with the salts of the revision in force where it has the same
  // cell, so that a return sent again is recognised as unchanged...
  Openings in_force_openings;
  if (in_force.has_value()) {
    OTS_ASSIGN_OR_RETURN(in_force_openings,
                         store.GetOpenings(origin, ret.period, in_force->current.revision()));
  }
  const CellLines cells = AnyToSeal(ret.lines) ? ret.lines : CellLines();
  OTS_ASSIGN_OR_RETURN(Openings openings, Seal(&ret, &in_force_openings));
  std::string cells_root = HashBytes(CellsRoot(ret.lines));
  OTS_ASSIGN_OR_RETURN(std::optional<PublishResult> same,
                       SameAsInForce(ret, openings.size(), cells_root, in_force));
  if (same.has_value()) {
    return *std::move(same);
  }
  // ... and with fresh salts when it is a new revision: a commitment repeated across revisions
  // would tell which confidential cells did not change.
  if (!openings.empty()) {
    ret.lines = cells;
    OTS_ASSIGN_OR_RETURN(openings, Seal(&ret, nullptr));
    cells_root = HashBytes(CellsRoot(ret.lines));
  }
  if (clock_check_ != nullptr) {
    OTS_RETURN_IF_ERROR(
        clock_check_->MaySign(absl::StrCat("the return of ", origin, " for ", ret.period)));
  }
  // The key valid now (seconds, as created_at says it), bound to the log.
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_->Now()));
  const PrivateKey* key = log_key_;
  if (choose_key_) {
    OTS_ASSIGN_OR_RETURN(key, choose_key_(now));
  }
  OTS_RETURN_IF_ERROR(BindKey(origin, *key, &meta));
  v1::ReturnHeader header = MakeHeader(ret, openings.size(), cells_root, in_force, now, *key);
  const std::string payload = FormatReturnHeader(header);
  OTS_ASSIGN_OR_RETURN(DsseEnvelope env, DsseSign(*key, kReturnHeaderPayloadType, payload));
  const Hash leaf = MerkleLeafHash(payload);
  OTS_ASSIGN_OR_RETURN(Hash root, logs_->RootWith(origin, size, absl::MakeConstSpan(&leaf, 1)));
  Checkpoint cp;
  cp.origin = logs_->LogName(origin);
  cp.size = size + 1;
  cp.root = root;
  Note note;
  note.text = FormatCheckpoint(cp);
  OTS_RETURN_IF_ERROR(SignNote(&note, cp.origin, *key));

  Store::Append append;
  append.origin = origin;
  append.log_index = size;
  *append.entry.mutable_header() = DsseToProto(env);
  append.period = ret.period;
  append.revision = header.revision();
  append.cells = std::move(ret.lines);
  append.checkpoint.set_note(FormatNote(note));
  append.meta = std::move(meta);
  if (!openings.empty()) {
    append.meta.emplace_back(OpeningsMetaName(origin, ret.period, header.revision()),
                             openings.Serialize());
  }
  PublishResult result;
  result.log_index = append.log_index;
  result.checkpoint_note = append.checkpoint.note();
  OTS_RETURN_IF_ERROR(store.AppendReturn(std::move(append)));
  result.header = std::move(header);
  return result;
}

}  // namespace ots
