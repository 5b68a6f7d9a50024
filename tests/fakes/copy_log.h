// Copies one origin's log, returns and checkpoints from one store to another as replication
// leaves them, without replication's checks: a stand-in for a Secretariat's folder holding the
// logs of several states, for tests and ots_testtool.
#ifndef OTS_TESTS_FAKES_COPY_LOG_H_
#define OTS_TESTS_FAKES_COPY_LOG_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crypto/status_macros.h"
#include "node/model/return_header.h"
#include "node/store/store.h"

namespace ots {

// Appends the entries of `origin`'s log in `from` that `to` lacks, with the log key meta entry:
// in one batch per checkpoint `from` holds (so `to` holds the same checkpoints of those sizes),
// or if `!every_checkpoint` in one batch up to the latest (`to` then lacks the ones between).
// FAILED_PRECONDITION if `to` stops between two checkpoints of `from`, or `from` has entries
// past its last checkpoint. With `up_to`, only the checkpoints of at most that size are copied
// (the log as it was then: a rolled-back copy).
inline absl::Status CopyLog(Store& from, Store& to, absl::string_view origin,
                            bool every_checkpoint = true, uint64_t up_to = UINT64_MAX) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, from.ReadLog(origin));
  std::vector<std::pair<uint64_t, v1::StoredCheckpoint>> checkpoints;
  OTS_RETURN_IF_ERROR(
      from.ForEachCheckpoint(origin, 0, [&](uint64_t size, const v1::StoredCheckpoint& cp) {
        checkpoints.emplace_back(size, cp);
        return absl::OkStatus();
      }));
  OTS_ASSIGN_OR_RETURN(uint64_t have, to.LogSize(origin));
  std::vector<std::pair<std::string, std::string>> meta;
  absl::StatusOr<std::string> key = from.GetMeta(absl::StrCat(kLogPublicKeyMeta, origin));
  if (key.ok()) {
    meta.emplace_back(absl::StrCat(kLogPublicKeyMeta, origin), *key);
  }
  while (!checkpoints.empty() && checkpoints.back().first > up_to) {
    checkpoints.pop_back();
  }
  if (up_to != UINT64_MAX) {
    log.resize(std::min<uint64_t>(log.size(), checkpoints.empty() ? 0 : checkpoints.back().first));
  }
  if (!every_checkpoint && !checkpoints.empty()) {
    checkpoints.erase(checkpoints.begin(), checkpoints.end() - 1);
  }
  for (const auto& [size, cp] : checkpoints) {
    if (size <= have) {
      continue;
    }
    Store::Entries batch;
    batch.origin = std::string(origin);
    batch.from = have;
    batch.checkpoint = cp;
    batch.meta = meta;
    std::deque<CellLines> cells;  // stable addresses for the batch's pointers
    for (uint64_t i = have; i < size && i < log.size(); ++i) {
      OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, ParseReturnHeader(log[i].header().payload()));
      CellLines& lines = cells.emplace_back();
      OTS_RETURN_IF_ERROR(
          from.ForEachCell(origin, h.period(), h.revision(), [&](absl::string_view line) {
            lines.Add(line);
            return absl::OkStatus();
          }));
      batch.entries.push_back(Store::Entries::Entry{log[i], h.period(), h.revision(), &lines});
    }
    OTS_RETURN_IF_ERROR(to.AppendEntries(batch));
    have = size;
  }
  if (have < log.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("entries from ", have, " of ", origin, " have no checkpoint to copy"));
  }
  return absl::OkStatus();
}

}  // namespace ots

#endif  // OTS_TESTS_FAKES_COPY_LOG_H_
