#include "sync/replica.h"

#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/status_macros.h"
#include "node/base/rfc3339.h"
#include "node/log/checkpoint.h"
#include "node/log/log_checker.h"
#include "node/model/return_header.h"
#include "node/model/sealed_cells.h"

namespace ots {

absl::Status Replicator::CheckOrigin(const std::string& origin) {
  if (directory_->LogKeys(origin).empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat(origin, " is not a reporting member of the federation"));
  }
  if (!directory_->MaySee(self_, origin)) {
    return absl::PermissionDeniedError(
        absl::StrCat(origin, " does not share its data with ", self_));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, logs_->store().ListEvidence(origin));
  if (!evidence.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(origin, " is frozen on this node: it signed two inconsistent checkpoints"));
  }
  return absl::OkStatus();
}

namespace {

// Node metadata: the log indexes of an origin's entries whose openings are missing here.
std::string MissingOpeningsName(absl::string_view origin) {
  return absl::StrCat("openings_missing/", origin);
}

std::string FormatIndexes(const std::vector<uint64_t>& indexes) {
  return absl::StrJoin(indexes, " ");
}

}  // namespace

absl::StatusOr<std::vector<uint64_t>> Replicator::MissingOpenings(absl::string_view origin) {
  absl::StatusOr<std::string> text = logs_->store().GetMeta(MissingOpeningsName(origin));
  std::vector<uint64_t> out;
  if (absl::IsNotFound(text.status())) {
    return out;
  }
  OTS_RETURN_IF_ERROR(text.status());
  for (absl::string_view part : absl::StrSplit(*text, ' ', absl::SkipEmpty())) {
    uint64_t index = 0;
    if (!absl::SimpleAtoi(part, &index)) {
      return absl::DataLossError(
          absl::StrCat(MissingOpeningsName(origin), ": \"", part, "\" is not a log index"));
    }
    out.push_back(index);
  }
  return out;
}

absl::StatusOr<size_t> Replicator::AcceptOpenings(const ReplicaBatch& batch) {
  const std::string& origin = batch.origin;
  Store& store = logs_->store();
  OTS_ASSIGN_OR_RETURN(std::vector<uint64_t> missing, MissingOpenings(origin));
  if (missing.empty() || !directory_->MaySeeConfidential(self_, origin)) {
    return 0;
  }
  if (batch.cells.size() != batch.entries.size()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": batch has ", batch.entries.size(),
                                                   " entries but ", batch.cells.size(),
                                                   " sets of cells"));
  }
  std::vector<uint64_t> still;
  size_t completed = 0;
  for (uint64_t index : missing) {
    if (index < batch.from || index - batch.from >= batch.entries.size() ||
        index - batch.from >= batch.openings.size()) {
      still.push_back(index);
      continue;
    }
    const size_t i = index - batch.from;
    const std::string where = absl::StrCat(origin, " log index ", index);
    OTS_ASSIGN_OR_RETURN(v1::LogEntry held, store.GetLogEntry(origin, index));
    if (held.header().SerializeAsString() != batch.entries[i].header().SerializeAsString()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": the entry sent is not the one this node holds"));
    }
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, ParseReturnHeader(held.header().payload()));
    CellsChecker cells(h, absl::StatusCode::kInvalidArgument);
    for (size_t c = 0; c < batch.cells[i].size(); ++c) {
      cells.Add(batch.cells[i][c]);
    }
    OTS_RETURN_IF_ERROR(cells.Finish(where));
    if (batch.openings[i].empty()) {
      still.push_back(index);
      continue;
    }
    OTS_ASSIGN_OR_RETURN(Openings openings, Openings::Parse(batch.openings[i], where));
    OTS_RETURN_IF_ERROR(CheckOpenings(openings, batch.cells[i], where));
    if (openings.size() < h.sealed_count()) {
      still.push_back(index);
      continue;
    }
    OTS_RETURN_IF_ERROR(
        store.PutMeta(OpeningsMetaName(origin, h.period(), h.revision()), openings.Serialize()));
    ++completed;
  }
  if (completed > 0) {
    OTS_RETURN_IF_ERROR(store.PutMeta(MissingOpeningsName(origin), FormatIndexes(still)));
    store.NoteChange();
  }
  return completed;
}

absl::StatusOr<uint64_t> Replicator::Accept(const ReplicaBatch& batch) {
  const std::string& origin = batch.origin;
  Store& store = logs_->store();
  OTS_RETURN_IF_ERROR(CheckOrigin(origin));
  if (batch.cells.size() != batch.entries.size()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": batch has ", batch.entries.size(),
                                                   " entries but ", batch.cells.size(),
                                                   " sets of cells"));
  }

  // The checkpoint first: a batch under a bad signature is not read on.
  const std::vector<PublicKey>& keys = directory_->LogKeys(origin);
  OTS_ASSIGN_OR_RETURN(VerifiedCheckpoint cp, VerifyOriginCheckpoint(logs_->federation(), origin,
                                                                     keys, batch.checkpoint_note));
  const uint64_t new_size = batch.from + batch.entries.size();
  if (cp.checkpoint.size != new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, " checkpoint is of size ", cp.checkpoint.size, ", the batch ends at ", new_size));
  }
  OTS_ASSIGN_OR_RETURN(uint64_t local_size, store.LogSize(origin));
  if (local_size != batch.from) {
    return absl::FailedPreconditionError(absl::StrCat("this node holds ", local_size,
                                                      " entries of ", origin,
                                                      "; the batch starts at ", batch.from));
  }

  // Each entry continues the revision chain of its period as the current view records it.
  LogChecker checker(
      origin, keys, absl::StatusCode::kInvalidArgument, batch.from,
      [&](absl::string_view period) -> absl::StatusOr<std::optional<LogChecker::Latest>> {
        OTS_ASSIGN_OR_RETURN(std::optional<v1::CurrentEntry> current,
                             store.GetCurrent(origin, period));
        if (!current.has_value()) {
          return std::optional<LogChecker::Latest>();
        }
        OTS_ASSIGN_OR_RETURN(v1::LogEntry entry, store.GetLogEntry(origin, current->log_index()));
        return std::optional<LogChecker::Latest>(LogChecker::Latest{
            current->revision(), current->log_index(), Sha256(entry.header().payload())});
      });
  // Each header signed with a key valid at its time (a rotated key signs nothing after its end).
  checker.set_key_validity([this, &origin](const PublicKey& key, absl::string_view time) {
    return directory_->CheckLogKeyAt(origin, key, time);
  });
  // Openings sent to a node the origin does not entitle to them are not kept.
  const bool may_open = directory_->MaySeeConfidential(self_, origin);
  std::vector<uint64_t> missing;
  Store::Entries append;
  append.origin = origin;
  append.from = batch.from;
  std::string last_time;  // created_at of the batch's last header
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    std::string where;
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h,
                         checker.CheckHeader(batch.entries[i].header(), &where));
    last_time = h.created_at();
    if (clock_check_ != nullptr) {
      absl::StatusOr<absl::Time> created = ParseRfc3339(h.created_at());
      if (!created.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": created_at: ", created.status().message()));
      }
      OTS_RETURN_IF_ERROR(clock_check_->NotInFuture(*created, where));
    }
    CellsChecker cells(h, absl::StatusCode::kInvalidArgument);
    for (size_t c = 0; c < batch.cells[i].size(); ++c) {
      cells.Add(batch.cells[i][c]);
    }
    OTS_RETURN_IF_ERROR(cells.Finish(where));
    size_t opened = 0;
    if (i < batch.openings.size() && !batch.openings[i].empty() && may_open) {
      OTS_ASSIGN_OR_RETURN(Openings openings, Openings::Parse(batch.openings[i], where));
      OTS_RETURN_IF_ERROR(CheckOpenings(openings, batch.cells[i], where));
      opened = openings.size();
      append.meta.emplace_back(OpeningsMetaName(origin, h.period(), h.revision()),
                               openings.Serialize());
    }
    if (may_open && opened < h.sealed_count()) {
      missing.push_back(batch.from + i);  // to be fetched from an entitled peer
    }
    append.entries.push_back(
        Store::Entries::Entry{batch.entries[i], h.period(), h.revision(), &batch.cells[i]});
  }
  // The checkpoint signed with a key valid when its last entry was: the origin signs each
  // checkpoint as it appends.
  if (!last_time.empty()) {
    absl::Status valid = directory_->CheckLogKeyAt(origin, cp.key, last_time);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, " checkpoint of size ", new_size, ": signed with log key ", cp.key.KeyId(),
          ", not valid at ", last_time, " (its last entry's time): ", valid.message()));
    }
  }
  OTS_ASSIGN_OR_RETURN(Hash root, logs_->RootWith(origin, batch.from, checker.leaves()));
  if (root != cp.checkpoint.root) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, " checkpoint of size ", new_size,
                     ": its root is not the root of this node's log extended by the batch"));
  }
  append.checkpoint.set_note(batch.checkpoint_note);
  if (!missing.empty()) {
    OTS_ASSIGN_OR_RETURN(std::vector<uint64_t> before, MissingOpenings(origin));
    before.insert(before.end(), missing.begin(), missing.end());
    append.meta.emplace_back(MissingOpeningsName(origin), FormatIndexes(before));
  }
  OTS_RETURN_IF_ERROR(logs_->BindFederation(&append.meta));
  OTS_RETURN_IF_ERROR(store.AppendEntries(append));
  return new_size;
}

}  // namespace ots
