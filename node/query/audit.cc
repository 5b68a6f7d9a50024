#include "node/query/audit.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/model/envelope.h"
#include "node/log/evidence.h"
#include "node/log/publisher.h"
#include "node/log/log_checker.h"
#include "node/model/return_header.h"

namespace ots {
namespace {

// Audits one origin; `where` prefixes every failure.
absl::Status AuditOrigin(Store& store, const std::string& origin, const PublicKey& key,
                         std::set<std::string>* referenced_returns, std::string* out_summary) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store.ReadLog(origin));
  LogChecker checker(origin, &key, absl::StatusCode::kDataLoss);
  uint64_t cells_total = 0;
  for (const v1::LogEntry& entry : log) {
    std::string where;
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, checker.CheckHeader(entry.header(), &where));
    // The cells this header signs.
    CellsChecker cells(h, absl::StatusCode::kDataLoss);
    OTS_RETURN_IF_ERROR(store.ForEachCell(origin, h.period(), h.revision(),
                                          [&](absl::string_view line) -> absl::Status {
                                            cells.Add(line);
                                            return absl::OkStatus();
                                          }));
    OTS_RETURN_IF_ERROR(cells.Finish(where));
    referenced_returns->insert(absl::StrCat(origin, "/", h.period(), "/", h.revision()));
    cells_total += cells.count();
  }
  const std::vector<Hash>& leaves = checker.leaves();
  const auto& latest = checker.latest();

  // Checkpoints: each signed by the origin, each the root of a prefix of this log, each
  // consistent with the one before.
  const std::string log_name = LogName(origin);
  uint64_t prev_size = 0;
  Hash prev_root = MerkleRoot({});
  size_t checkpoints = 0;
  std::string latest_root_b64;
  OTS_RETURN_IF_ERROR(store.ForEachCheckpoint(
      origin, [&](uint64_t size, const v1::StoredCheckpoint& stored) -> absl::Status {
        std::string where = absl::StrCat(origin, " checkpoint of size ", size);
        absl::StatusOr<Note> note = ParseNote(stored.note());
        if (!note.ok()) {
          return absl::DataLossError(absl::StrCat(where, ": ", note.status().message()));
        }
        absl::Status s = VerifyNote(*note, log_name, key);
        if (!s.ok()) {
          return absl::DataLossError(absl::StrCat(where, ": signature: ", s.message()));
        }
        absl::StatusOr<Checkpoint> cp = ParseCheckpoint(note->text);
        if (!cp.ok()) {
          return absl::DataLossError(absl::StrCat(where, ": ", cp.status().message()));
        }
        if (cp->origin != log_name || cp->size != size) {
          return absl::DataLossError(
              absl::StrCat(where, ": names log \"", cp->origin, "\" size ", cp->size));
        }
        if (size > leaves.size()) {
          return absl::DataLossError(
              absl::StrCat(where, ": the log holds only ", leaves.size(), " entries"));
        }
        absl::Span<const Hash> prefix(leaves.data(), size);
        if (MerkleRoot(prefix) != cp->root) {
          return absl::DataLossError(absl::StrCat(
              where, ": root does not match the stored log's first ", size, " entries"));
        }
        OTS_ASSIGN_OR_RETURN(std::vector<Hash> proof, MerkleConsistencyProof(prefix, prev_size));
        s = MerkleVerifyConsistency(prev_size, size, prev_root, cp->root, proof);
        if (!s.ok()) {
          return absl::DataLossError(
              absl::StrCat(where, ": not consistent with size ", prev_size, ": ", s.message()));
        }
        prev_size = size;
        prev_root = cp->root;
        latest_root_b64 = absl::Base64Escape(
            absl::string_view(reinterpret_cast<const char*>(cp->root.data()), cp->root.size()));
        ++checkpoints;
        return absl::OkStatus();
      }));
  if (prev_size != leaves.size()) {
    return absl::DataLossError(absl::StrCat(origin, ": the log holds ", leaves.size(),
                                            " entries but the latest checkpoint covers ",
                                            prev_size));
  }

  // The current view must name the latest revision of every period, and nothing else.
  std::map<std::string, LogChecker::Latest> seen;
  OTS_RETURN_IF_ERROR(store.ForEachCurrent([&](absl::string_view o, absl::string_view period,
                                               const v1::CurrentEntry& e) -> absl::Status {
    if (o != origin) {
      return absl::OkStatus();
    }
    auto it = latest.find(std::string(period));
    if (it == latest.end() || it->second.revision != e.revision() ||
        it->second.log_index != e.log_index()) {
      return absl::DataLossError(
          absl::StrCat(origin, " current view of ", period, ": names revision ", e.revision(),
                       " at log index ", e.log_index(), ", but the log's latest is ",
                       it == latest.end() ? std::string("none")
                                          : absl::StrCat("revision ", it->second.revision,
                                                         " at log index ", it->second.log_index)));
    }
    seen[std::string(period)] = it->second;
    return absl::OkStatus();
  }));
  for (const auto& [period, ref] : latest) {
    if (seen.find(period) == seen.end()) {
      return absl::DataLossError(absl::StrCat(origin, " current view: period ", period,
                                              " (revision ", ref.revision, ") is missing"));
    }
  }

  *out_summary =
      absl::StrCat(origin, ": ", log.size(), " signed returns over ", latest.size(), " periods, ",
                   cells_total, " cells, ", checkpoints, " checkpoints; latest checkpoint size ",
                   prev_size, " root ", latest_root_b64);
  return absl::OkStatus();
}

}  // namespace

absl::Status AuditStore(Store& store, const std::map<std::string, PublicKey>& trusted_keys,
                        std::vector<std::string>* out_report) {
  absl::Status s = store.VerifyChecksums();
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat("table file checksums: ", s.message()));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  std::set<std::string> referenced;
  std::vector<std::string> report;
  for (const std::string& origin : origins) {
    auto key = trusted_keys.find(origin);
    if (key == trusted_keys.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat(origin, ": no trusted log key given for this origin"));
    }
    std::string summary;
    OTS_RETURN_IF_ERROR(AuditOrigin(store, origin, key->second, &referenced, &summary));
    report.push_back(std::move(summary));
  }
  // Every stored cell must belong to a signed return.
  std::string stray;
  OTS_RETURN_IF_ERROR(
      store.ForEachStoredCell([&](absl::string_view origin, absl::string_view period,
                                  uint64_t revision, absl::string_view line) -> absl::Status {
        if (referenced.count(absl::StrCat(origin, "/", period, "/", revision)) == 0) {
          stray = absl::StrCat(origin, " ", period, " revision ", revision, ": cell \"",
                               absl::CEscape(line), "\" belongs to no signed return");
          return absl::DataLossError(stray);
        }
        return absl::OkStatus();
      }));
  // Every current-view entry must belong to an origin with a log.
  OTS_RETURN_IF_ERROR(store.ForEachCurrent([&](absl::string_view origin, absl::string_view period,
                                               const v1::CurrentEntry&) -> absl::Status {
    if (trusted_keys.count(std::string(origin)) == 0 ||
        std::find(origins.begin(), origins.end(), origin) == origins.end()) {
      return absl::DataLossError(absl::StrCat("current view names ", origin, " ", period,
                                              ", but there is no log of ", origin));
    }
    return absl::OkStatus();
  }));
  // Evidence of split views: each must prove what it claims; if one does, the audit fails.
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, store.ListEvidence(""));
  std::string split_views;
  for (const v1::Evidence& e : evidence) {
    auto key = trusted_keys.find(e.origin());
    if (key == trusted_keys.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          e.origin(), ": this folder holds evidence against it, but no trusted log key was given"));
    }
    absl::Status proven = VerifyEvidence(e, absl::MakeConstSpan(&key->second, 1));
    if (!proven.ok()) {
      return absl::DataLossError(absl::StrCat("stored evidence against ", e.origin(),
                                              " does not verify: ", proven.message()));
    }
    report.push_back(absl::StrCat("SPLIT VIEW (proof verified): ", DescribeEvidence(e)));
    absl::StrAppend(&split_views, split_views.empty() ? "" : "; ", DescribeEvidence(e));
  }
  if (out_report != nullptr) {
    *out_report = std::move(report);
  }
  if (!split_views.empty()) {
    return absl::AbortedError(absl::StrCat("split view: ", split_views));
  }
  return absl::OkStatus();
}

}  // namespace ots
