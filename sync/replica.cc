#include "sync/replica.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/log/publisher.h"
#include "node/log/log_checker.h"
#include "node/model/return_header.h"
#include "sync/witness.h"

namespace ots {
absl::StatusOr<ReplicaBatch> ExportBatch(Store& store, absl::string_view origin, uint64_t from) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store.ReadLog(origin));
  if (log.empty()) {
    return absl::NotFoundError(absl::StrCat("this node holds no log of ", origin));
  }
  if (from > log.size()) {
    return absl::OutOfRangeError(absl::StrCat("the log of ", origin, " has ", log.size(),
                                              " entries; cannot start at ", from));
  }
  ReplicaBatch batch;
  batch.origin = std::string(origin);
  batch.from = from;
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint cp, store.LatestCheckpoint(origin));
  batch.checkpoint_note = cp.note();
  for (uint64_t i = from; i < log.size(); ++i) {
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, ParseReturnHeader(log[i].header().payload()));
    CellLines lines;
    lines.Reserve(h.cell_count(), h.cell_count() * 48);
    OTS_RETURN_IF_ERROR(store.ForEachCell(origin, h.period(), h.revision(),
                                          [&](absl::string_view line) -> absl::Status {
                                            lines.Add(line);
                                            return absl::OkStatus();
                                          }));
    batch.entries.push_back(std::move(log[i]));
    batch.cells.push_back(std::move(lines));
  }
  return batch;
}

absl::StatusOr<uint64_t> Replicator::Accept(const ReplicaBatch& batch) {
  const std::string& origin = batch.origin;
  const v1::Member* member = directory_->Find(origin);
  if (member == nullptr || member->log_keys().empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat(origin, " is not a reporting member of the federation"));
  }
  if (!directory_->MaySee(self_, origin)) {
    return absl::PermissionDeniedError(
        absl::StrCat(origin, " does not share its data with ", self_));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, store_->ListEvidence(origin));
  if (!evidence.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(origin, " is frozen on this node: it signed two inconsistent checkpoints"));
  }
  if (batch.cells.size() != batch.entries.size()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": batch has ", batch.entries.size(),
                                                   " entries but ", batch.cells.size(),
                                                   " sets of cells"));
  }

  // The checkpoint first: it names the key, and a batch under a bad signature is not read on.
  const std::string log_name = LogName(origin);
  absl::StatusOr<Note> note = ParseNote(batch.checkpoint_note);
  if (!note.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, " checkpoint: ", note.status().message()));
  }
  std::optional<PublicKey> key;
  for (const PublicKey& k : OriginLogKeys(*directory_, origin)) {
    if (VerifyNote(*note, log_name, k).ok()) {
      key = k;
      break;
    }
  }
  if (!key.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, " checkpoint: not signed by a log key of ", origin, " in the trust bundle"));
  }
  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(note->text);
  if (!cp.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, " checkpoint: ", cp.status().message()));
  }
  const uint64_t new_size = batch.from + batch.entries.size();
  if (cp->origin != log_name || cp->size != new_size) {
    return absl::InvalidArgumentError(absl::StrCat(origin, " checkpoint names log \"", cp->origin,
                                                   "\" size ", cp->size, ", the batch ends at ",
                                                   new_size));
  }

  // The local log, re-checked as the chain the batch continues.
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> local, store_->ReadLog(origin));
  if (local.size() != batch.from) {
    return absl::FailedPreconditionError(absl::StrCat("this node holds ", local.size(),
                                                      " entries of ", origin,
                                                      "; the batch starts at ", batch.from));
  }
  LogChecker checker(origin, &*key, absl::StatusCode::kInvalidArgument);
  for (const v1::LogEntry& entry : local) {
    OTS_RETURN_IF_ERROR(checker.CheckHeader(entry.header(), nullptr).status());
  }

  Store::Entries append;
  append.origin = origin;
  append.from = batch.from;
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    std::string where;
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h,
                         checker.CheckHeader(batch.entries[i].header(), &where));
    CellsChecker cells(h, absl::StatusCode::kInvalidArgument);
    for (size_t c = 0; c < batch.cells[i].size(); ++c) {
      cells.Add(batch.cells[i][c]);
    }
    OTS_RETURN_IF_ERROR(cells.Finish(where));
    append.entries.push_back(
        Store::Entries::Entry{batch.entries[i], h.period(), h.revision(), &batch.cells[i]});
  }
  if (MerkleRoot(checker.leaves()) != cp->root) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, " checkpoint of size ", new_size,
                     ": its root is not the root of this node's log extended by the batch"));
  }
  append.checkpoint.set_note(batch.checkpoint_note);
  // Proofs served from this node name the key the origin's log is signed with.
  append.meta.emplace_back(absl::StrCat(kLogPublicKeyMeta, origin), key->ToPem());
  OTS_RETURN_IF_ERROR(store_->AppendEntries(append));
  return new_size;
}

}  // namespace ots
