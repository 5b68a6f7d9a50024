#include "node/log/origin_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/log/checkpoint.h"
#include "node/log/names.h"
#include "node/model/return_header.h"

namespace ots {

Hash LogLeafHash(const v1::LogEntry& entry) { return MerkleLeafHash(entry.header().payload()); }

absl::StatusOr<std::string> StoredFederation(Store& store) {
  absl::StatusOr<std::string> bound = store.GetMeta(kFederationMeta);
  if (!absl::IsNotFound(bound.status())) {
    return bound;
  }
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  if (origins.empty()) {
    return absl::NotFoundError(absl::StrCat(store.where(), " holds no log"));
  }
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint latest, store.LatestCheckpoint(origins[0]));
  absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(latest.note());
  std::string federation, origin;
  if (!cp.ok() || !ParseLogName(cp->origin, &federation, &origin) || origin != origins[0]) {
    return absl::DataLossError(absl::StrCat(store.where(), ": the latest checkpoint of ",
                                            origins[0], " does not name its log"));
  }
  return federation;
}

std::string OriginLogs::LogName(absl::string_view origin) const {
  return ots::LogName(federation_, origin);
}

absl::Status OriginLogs::BindFederation(std::vector<std::pair<std::string, std::string>>* meta) {
  absl::StatusOr<std::string> bound = store_->GetMeta(kFederationMeta);
  if (bound.ok()) {
    if (*bound != federation_) {
      return absl::FailedPreconditionError(
          absl::StrCat(store_->where(), ": this data folder holds the logs of federation ", *bound,
                       ", not ", federation_));
    }
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(bound.status())) {
    return bound.status();
  }
  meta->emplace_back(std::string(kFederationMeta), federation_);
  return absl::OkStatus();
}

absl::StatusOr<const OriginLogs::Cached*> OriginLogs::Sync(absl::string_view origin) {
  Cached& cached = cache_[origin];
  OTS_ASSIGN_OR_RETURN(uint64_t size, store_->LogSize(origin));
  const uint64_t have = cached.leaves.size();
  if (size == have) {
    return &cached;
  }
  if (size < have) {
    cache_.erase(origin);
    return absl::DataLossError(absl::StrCat("the stored log of ", origin, " has ", size,
                                            " entries, fewer than the ", have,
                                            " this node read before"));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> entries, store_->ReadLogRange(origin, have, size));
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint stored, store_->GetCheckpoint(origin, size));
  for (const v1::LogEntry& e : entries) {
    cached.leaves.push_back(LogLeafHash(e));
  }
  // The new prefix must be what the checkpoint stored with it commits to.
  absl::StatusOr<Checkpoint> cp = ParseCheckpointNote(stored.note());
  if (!cp.ok() || cp->size != size || cp->origin != LogName(origin) ||
      MerkleRoot(cached.leaves) != cp->root) {
    cached.leaves.resize(have);
    return absl::DataLossError(absl::StrCat(
        "the stored log of ", origin, " (", size,
        " entries) does not match the checkpoint stored with it",
        cp.ok() ? "" : absl::StrCat(" (", cp.status().message(), ")"), "; run ots-ctl audit"));
  }
  return &cached;
}

absl::StatusOr<absl::Span<const Hash>> OriginLogs::Prefix(absl::string_view origin, uint64_t size) {
  OTS_ASSIGN_OR_RETURN(const Cached* cached, Sync(origin));
  if (size > cached->leaves.size()) {
    return absl::OutOfRangeError(absl::StrCat("the log of ", origin, " here has ",
                                              cached->leaves.size(), " entries, not ", size));
  }
  return absl::MakeConstSpan(cached->leaves.data(), size);
}

absl::StatusOr<OriginLogs::TreeHead> OriginLogs::Head(absl::string_view origin) {
  absl::MutexLock lock(&mu_);
  OTS_ASSIGN_OR_RETURN(const Cached* cached, Sync(origin));
  return TreeHead{cached->leaves.size(), MerkleRoot(cached->leaves)};
}

absl::StatusOr<Hash> OriginLogs::Root(absl::string_view origin, uint64_t size) {
  absl::MutexLock lock(&mu_);
  OTS_ASSIGN_OR_RETURN(absl::Span<const Hash> leaves, Prefix(origin, size));
  return MerkleRoot(leaves);
}

absl::StatusOr<std::vector<Hash>> OriginLogs::Leaves(absl::string_view origin, uint64_t size) {
  absl::MutexLock lock(&mu_);
  OTS_ASSIGN_OR_RETURN(absl::Span<const Hash> leaves, Prefix(origin, size));
  return std::vector<Hash>(leaves.begin(), leaves.end());
}

absl::StatusOr<std::vector<Hash>> OriginLogs::InclusionProof(absl::string_view origin,
                                                             uint64_t index, uint64_t size) {
  absl::MutexLock lock(&mu_);
  OTS_ASSIGN_OR_RETURN(absl::Span<const Hash> leaves, Prefix(origin, size));
  return MerkleInclusionProof(leaves, index);
}

absl::StatusOr<std::vector<Hash>> OriginLogs::ConsistencyProof(absl::string_view origin,
                                                               uint64_t old_size,
                                                               uint64_t new_size) {
  absl::MutexLock lock(&mu_);
  OTS_ASSIGN_OR_RETURN(absl::Span<const Hash> leaves, Prefix(origin, new_size));
  return MerkleConsistencyProof(leaves, old_size);
}

absl::StatusOr<v1::ReturnHeader> OriginLogs::VerifiedHeader(absl::string_view origin,
                                                            uint64_t index) {
  Hash leaf;
  {
    absl::MutexLock lock(&mu_);
    OTS_ASSIGN_OR_RETURN(const Cached* cached, Sync(origin));
    if (index >= cached->leaves.size()) {
      return absl::OutOfRangeError(absl::StrCat("the log of ", origin, " here has ",
                                                cached->leaves.size(), " entries; no index ",
                                                index));
    }
    leaf = cached->leaves[index];
  }
  OTS_ASSIGN_OR_RETURN(v1::LogEntry entry, store_->GetLogEntry(origin, index));
  if (LogLeafHash(entry) != leaf) {
    return absl::DataLossError(absl::StrCat(origin, " log index ", index,
                                            ": the stored header is not the one its checkpoint "
                                            "commits to; run ots-ctl audit"));
  }
  absl::StatusOr<v1::ReturnHeader> header = ParseReturnHeader(entry.header().payload());
  if (!header.ok()) {
    return absl::DataLossError(
        absl::StrCat(origin, " log index ", index, ": ", header.status().message()));
  }
  return header;
}

bool OriginLogs::CellsVerified(absl::string_view origin, uint64_t index, absl::string_view period,
                               uint64_t revision) {
  absl::MutexLock lock(&mu_);
  auto it = cells_verified_.find(std::make_pair(std::string(origin), index));
  return it != cells_verified_.end() && it->second.first == period && it->second.second == revision;
}

void OriginLogs::MarkCellsVerified(absl::string_view origin, uint64_t index,
                                   absl::string_view period, uint64_t revision) {
  absl::MutexLock lock(&mu_);
  cells_verified_[std::make_pair(std::string(origin), index)] =
      std::make_pair(std::string(period), revision);
}

absl::StatusOr<Hash> OriginLogs::RootWith(absl::string_view origin, uint64_t from,
                                          absl::Span<const Hash> appended) {
  absl::MutexLock lock(&mu_);
  OTS_ASSIGN_OR_RETURN(const Cached* cached, Sync(origin));
  if (cached->leaves.size() != from) {
    return absl::FailedPreconditionError(absl::StrCat("this node holds ", cached->leaves.size(),
                                                      " entries of ", origin, ", not ", from));
  }
  std::vector<Hash> leaves = cached->leaves;
  leaves.insert(leaves.end(), appended.begin(), appended.end());
  return MerkleRoot(leaves);
}

}  // namespace ots
