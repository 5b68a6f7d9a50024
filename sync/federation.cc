#include "sync/federation.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/model/return_header.h"

namespace ots {

absl::StatusOr<v1::CheckpointsResponse> LatestCheckpoints(Store& store, const Directory& directory,
                                                          absl::string_view self,
                                                          absl::string_view caller) {
  v1::CheckpointsResponse response;
  response.set_member(std::string(self));
  response.set_bundle_version(directory.version());
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  for (const std::string& origin : origins) {
    if (!directory.MaySee(caller, origin)) {
      continue;
    }
    OTS_ASSIGN_OR_RETURN(uint64_t size, store.LogSize(origin));
    OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint cp, store.GetCheckpoint(origin, size));
    v1::OriginCheckpoint* out = response.add_origins();
    out->set_origin(origin);
    out->set_size(size);
    *out->mutable_checkpoint() = std::move(cp);
  }
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, store.ListEvidence(""));
  for (v1::Evidence& e : evidence) {
    if (directory.MaySee(caller, e.origin())) {
      *response.add_evidence() = std::move(e);
    }
  }
  return response;
}

namespace {

// The entries a pull from `from` sends: up to the first stored checkpoint at which they reach
// `max_entries` or `limits.max_cells`, else up to the end of the log (`size`). Reads only them.
absl::StatusOr<std::vector<v1::LogEntry>> PullEntries(Store& store, const std::string& origin,
                                                      uint64_t from, uint64_t size,
                                                      uint64_t max_entries,
                                                      const PullLimits& limits) {
  // Checkpoints sit at distinct sizes, so the max_entries-th one after `from` is far enough.
  OTS_ASSIGN_OR_RETURN(std::vector<uint64_t> sizes,
                       store.CheckpointSizes(origin, from + 1, static_cast<size_t>(max_entries)));
  std::vector<v1::LogEntry> entries;
  uint64_t cells = 0;
  for (uint64_t end : sizes) {
    if (end > size) {
      break;
    }
    OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> more,
                         store.ReadLogRange(origin, from + entries.size(), end));
    for (v1::LogEntry& e : more) {
      OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, ParseReturnHeader(e.header().payload()));
      cells += h.cell_count();
      entries.push_back(std::move(e));
    }
    if (end - from >= max_entries || cells >= limits.max_cells) {
      return entries;
    }
  }
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> rest,
                       store.ReadLogRange(origin, from + entries.size(), size));
  for (v1::LogEntry& e : rest) {
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace

absl::Status ServePull(OriginLogs& logs, const Directory& directory, absl::string_view caller,
                       const v1::PullRequest& request, const PullLimits& limits,
                       const std::function<bool(const v1::PullChunk&)>& write) {
  Store& store = logs.store();
  const std::string& origin = request.origin();
  const uint64_t from = request.from();
  if (!directory.MaySee(caller, origin)) {
    return absl::PermissionDeniedError(
        absl::StrCat(origin, " does not share its data with ", caller));
  }
  OTS_ASSIGN_OR_RETURN(uint64_t size, store.LogSize(origin));
  if (size == 0) {
    return absl::NotFoundError(absl::StrCat("this node holds no log of ", origin));
  }
  if (from > size) {
    return absl::OutOfRangeError(absl::StrCat("the log of ", origin, " here has ", size,
                                              " entries; cannot start at ", from));
  }
  const uint64_t max_entries = request.max_entries() == 0
                                   ? limits.max_entries
                                   : std::min(request.max_entries(), limits.max_entries);
  OTS_ASSIGN_OR_RETURN(
      std::vector<v1::LogEntry> entries,
      PullEntries(store, origin, from, size, std::max<uint64_t>(max_entries, 1), limits));
  const uint64_t end = from + entries.size();
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint cp, store.GetCheckpoint(origin, end));

  v1::PullChunk chunk;
  v1::PullStart* start = chunk.mutable_start();
  start->set_from(from);
  start->set_size(end);
  start->set_checkpoint_note(cp.note());
  for (const std::string& line : cp.cosignature_lines()) {
    start->add_cosignature_lines(line);
  }
  if (from > 0 && from < end) {
    OTS_ASSIGN_OR_RETURN(std::vector<Hash> proof, logs.ConsistencyProof(origin, from, end));
    for (const Hash& h : proof) {
      start->add_consistency_proof(HashBytes(h));
    }
  }
  auto send = [&](const v1::PullChunk& c) -> absl::Status {
    if (!write(c)) {
      return absl::CancelledError("the caller went away during the pull");
    }
    return absl::OkStatus();
  };
  OTS_RETURN_IF_ERROR(send(chunk));
  const bool may_open = directory.MaySeeConfidential(caller, origin);

  for (v1::LogEntry& entry : entries) {
    chunk.Clear();
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, ParseReturnHeader(entry.header().payload()));
    *chunk.mutable_entry() = std::move(entry);
    OTS_RETURN_IF_ERROR(send(chunk));
    if (request.headers_only()) {
      continue;
    }
    OTS_RETURN_IF_ERROR(store.ForEachCellBlock(origin, h.period(), h.revision(), limits.chunk_bytes,
                                               [&](absl::string_view block) -> absl::Status {
                                                 chunk.Clear();
                                                 chunk.set_cells(std::string(block));
                                                 return send(chunk);
                                               }));
    // The values of its confidential cells only to a caller the origin entitles to them.
    if (h.sealed_count() > 0 && may_open) {
      absl::StatusOr<std::string> openings =
          store.GetMeta(OpeningsMetaName(origin, h.period(), h.revision()));
      if (!openings.ok()) {
        if (!absl::IsNotFound(openings.status())) {
          return openings.status();
        }
      } else if (!openings->empty()) {
        chunk.Clear();
        chunk.set_openings(*std::move(openings));
        OTS_RETURN_IF_ERROR(send(chunk));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status PullAssembler::CloseEntry() {
  if (!entry_open_) {
    return absl::OkStatus();
  }
  entry_open_ = false;
  if (!headers_only_ && out_.batch.cells.back().size() != expected_cells_) {
    return absl::InvalidArgumentError(absl::StrCat("pull of ", origin_, ": entry ",
                                                   out_.batch.from + out_.batch.entries.size() - 1,
                                                   " came with ", out_.batch.cells.back().size(),
                                                   " cells; its header says ", expected_cells_));
  }
  return absl::OkStatus();
}

absl::Status PullAssembler::Add(const v1::PullChunk& chunk) {
  switch (chunk.part_case()) {
    case v1::PullChunk::kStart:
      if (started_) {
        return absl::InvalidArgumentError(absl::StrCat("pull of ", origin_, ": a second start"));
      }
      started_ = true;
      out_.start = chunk.start();
      out_.batch.origin = origin_;
      out_.batch.from = chunk.start().from();
      out_.batch.checkpoint_note = chunk.start().checkpoint_note();
      return absl::OkStatus();
    case v1::PullChunk::kEntry: {
      if (!started_) {
        return absl::InvalidArgumentError(
            absl::StrCat("pull of ", origin_, ": an entry before the start"));
      }
      OTS_RETURN_IF_ERROR(CloseEntry());
      absl::StatusOr<v1::ReturnHeader> h = ParseReturnHeader(chunk.entry().header().payload());
      if (!h.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "pull of ", origin_, ": entry ", out_.batch.from + out_.batch.entries.size(),
            ": header does not parse: ", h.status().message()));
      }
      // The header is not verified yet: its cell count only bounds what we accept. Memory is
      // reserved for at most a million of its cells (about 64 MB, touched only as cells arrive),
      // so that a large return is not copied as it grows; a count that lies fails when the
      // entry closes.
      expected_cells_ = h->cell_count();
      if (!headers_only_ && expected_cells_ > kMaxPulledCells - cells_so_far_) {
        return absl::InvalidArgumentError(
            absl::StrCat("pull of ", origin_, ": entry ",
                         out_.batch.from + out_.batch.entries.size(), " announces ",
                         expected_cells_, " cells; one pull may bring at most ", kMaxPulledCells));
      }
      cells_so_far_ += expected_cells_;
      out_.batch.entries.push_back(chunk.entry());
      out_.batch.openings.emplace_back();
      if (!headers_only_) {
        const uint64_t reserve = std::min<uint64_t>(expected_cells_, uint64_t{1} << 20);
        out_.batch.cells.emplace_back();
        out_.batch.cells.back().Reserve(reserve, reserve * 48);
      }
      entry_open_ = true;
      return absl::OkStatus();
    }
    case v1::PullChunk::kCells: {
      if (!entry_open_ || headers_only_) {
        return absl::InvalidArgumentError(
            absl::StrCat("pull of ", origin_, ": cells outside an entry"));
      }
      absl::string_view block = chunk.cells();
      CellLines& lines = out_.batch.cells.back();
      while (!block.empty()) {
        const size_t nl = block.find('\n');
        if (nl == absl::string_view::npos) {
          return absl::InvalidArgumentError(
              absl::StrCat("pull of ", origin_, ": a cell block does not end in a newline"));
        }
        if (lines.size() >= expected_cells_) {
          return absl::InvalidArgumentError(absl::StrCat(
              "pull of ", origin_, ": more cells than the header's ", expected_cells_));
        }
        lines.Add(block.substr(0, nl));
        block.remove_prefix(nl + 1);
      }
      return absl::OkStatus();
    }
    case v1::PullChunk::kOpenings: {
      // After all of the entry's cells, once.
      if (!entry_open_ || headers_only_ || !out_.batch.openings.back().empty() ||
          chunk.openings().empty() || out_.batch.cells.back().size() != expected_cells_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "pull of ", origin_, ": openings outside an entry, before its cells or twice"));
      }
      out_.batch.openings.back() = chunk.openings();
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("pull of ", origin_, ": an empty chunk"));
  }
}

absl::StatusOr<PulledBatch> PullAssembler::Finish() {
  if (!started_) {
    return absl::InvalidArgumentError(absl::StrCat("pull of ", origin_, ": no start"));
  }
  OTS_RETURN_IF_ERROR(CloseEntry());
  if (out_.batch.from + out_.batch.entries.size() != out_.start.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pull of ", origin_, ": announced entries up to size ", out_.start.size(),
                     " but sent up to ", out_.batch.from + out_.batch.entries.size()));
  }
  return std::move(out_);
}

}  // namespace ots
