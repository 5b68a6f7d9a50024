#include "node/query/audit.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/merkle.h"
#include "crypto/status_macros.h"
#include "node/log/checkpoint.h"
#include "node/log/evidence.h"
#include "node/log/log_checker.h"

namespace ots {
namespace {

// What the walk of one origin's log found.
struct LogWalk {
  std::vector<Hash> leaves;
  std::map<std::string, LogChecker::Latest> latest;
  uint64_t cells = 0;
};

// Every header of `origin`'s log and the cells it signs.
absl::Status WalkLog(Store& store, const std::string& origin, absl::Span<const PublicKey> keys,
                     std::set<std::string>* referenced_returns, LogWalk* out) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store.ReadLog(origin));
  LogChecker checker(origin, keys, absl::StatusCode::kDataLoss);
  for (const v1::LogEntry& entry : log) {
    std::string where;
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, checker.CheckHeader(entry.header(), &where));
    CellsChecker cells(h, absl::StatusCode::kDataLoss);
    OTS_RETURN_IF_ERROR(store.ForEachCell(origin, h.period(), h.revision(),
                                          [&](absl::string_view line) -> absl::Status {
                                            cells.Add(line);
                                            return absl::OkStatus();
                                          }));
    OTS_RETURN_IF_ERROR(cells.Finish(where));
    referenced_returns->insert(absl::StrCat(origin, "/", h.period(), "/", h.revision()));
    out->cells += cells.count();
  }
  out->leaves = checker.leaves();
  out->latest = checker.latest();
  return absl::OkStatus();
}

// Every stored checkpoint of `origin`: signed by the origin, the root of a prefix of the log,
// consistent with the one before; the last one covers the whole log. Returns the latest.
absl::StatusOr<Checkpoint> CheckCheckpoints(Store& store, const std::string& origin,
                                            const TrustedLogs& trusted,
                                            absl::Span<const PublicKey> keys, const LogWalk& walk,
                                            size_t* out_count) {
  Checkpoint prev;
  prev.root = MerkleRoot({});
  OTS_RETURN_IF_ERROR(store.ForEachCheckpoint(
      origin, 0, [&](uint64_t size, const v1::StoredCheckpoint& stored) -> absl::Status {
        const std::string where = absl::StrCat(origin, " checkpoint of size ", size);
        absl::StatusOr<VerifiedCheckpoint> cp =
            VerifyOriginCheckpoint(trusted.federation, origin, keys, stored.note());
        if (!cp.ok()) {
          const bool unsigned_note = absl::StrContains(cp.status().message(), "not signed by");
          return absl::DataLossError(
              absl::StrCat(where, unsigned_note ? ": signature: " : ": ", cp.status().message()));
        }
        if (cp->checkpoint.size != size) {
          return absl::DataLossError(
              absl::StrCat(where, ": the note says size ", cp->checkpoint.size));
        }
        if (size > walk.leaves.size()) {
          return absl::DataLossError(
              absl::StrCat(where, ": the log holds only ", walk.leaves.size(), " entries"));
        }
        absl::Span<const Hash> prefix(walk.leaves.data(), size);
        if (MerkleRoot(prefix) != cp->checkpoint.root) {
          return absl::DataLossError(absl::StrCat(
              where, ": root does not match the stored log's first ", size, " entries"));
        }
        OTS_ASSIGN_OR_RETURN(std::vector<Hash> proof, MerkleConsistencyProof(prefix, prev.size));
        absl::Status s =
            MerkleVerifyConsistency(prev.size, size, prev.root, cp->checkpoint.root, proof);
        if (!s.ok()) {
          return absl::DataLossError(
              absl::StrCat(where, ": not consistent with size ", prev.size, ": ", s.message()));
        }
        prev = cp->checkpoint;
        ++*out_count;
        return absl::OkStatus();
      }));
  if (prev.size != walk.leaves.size()) {
    return absl::DataLossError(absl::StrCat(origin, ": the log holds ", walk.leaves.size(),
                                            " entries but the latest checkpoint covers ",
                                            prev.size));
  }
  return prev;
}

// The current view must name the latest revision of every period, and nothing else.
absl::Status CheckCurrentView(Store& store, const std::string& origin, const LogWalk& walk) {
  std::set<std::string> seen;
  OTS_RETURN_IF_ERROR(store.ForEachCurrent([&](absl::string_view o, absl::string_view period,
                                               const v1::CurrentEntry& e) -> absl::Status {
    if (o != origin) {
      return absl::OkStatus();
    }
    auto it = walk.latest.find(std::string(period));
    if (it == walk.latest.end() || it->second.revision != e.revision() ||
        it->second.log_index != e.log_index()) {
      return absl::DataLossError(absl::StrCat(
          origin, " current view of ", period, ": names revision ", e.revision(), " at log index ",
          e.log_index(), ", but the log's latest is ",
          it == walk.latest.end() ? std::string("none")
                                  : absl::StrCat("revision ", it->second.revision, " at log index ",
                                                 it->second.log_index)));
    }
    seen.insert(std::string(period));
    return absl::OkStatus();
  }));
  for (const auto& [period, ref] : walk.latest) {
    if (seen.count(period) == 0) {
      return absl::DataLossError(absl::StrCat(origin, " current view: period ", period,
                                              " (revision ", ref.revision, ") is missing"));
    }
  }
  return absl::OkStatus();
}

// Audits one origin; returns its summary line.
absl::StatusOr<std::string> AuditOrigin(Store& store, const std::string& origin,
                                        const TrustedLogs& trusted,
                                        std::set<std::string>* referenced_returns) {
  auto keys = trusted.keys.find(origin);
  if (keys == trusted.keys.end() || keys->second.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(origin, ": no trusted log key given for this origin"));
  }
  LogWalk walk;
  OTS_RETURN_IF_ERROR(WalkLog(store, origin, keys->second, referenced_returns, &walk));
  size_t checkpoints = 0;
  OTS_ASSIGN_OR_RETURN(Checkpoint latest,
                       CheckCheckpoints(store, origin, trusted, keys->second, walk, &checkpoints));
  OTS_RETURN_IF_ERROR(CheckCurrentView(store, origin, walk));
  return absl::StrCat(origin, ": ", walk.leaves.size(), " signed returns over ", walk.latest.size(),
                      " periods, ", walk.cells, " cells, ", checkpoints,
                      " checkpoints; latest checkpoint size ", latest.size, " root ",
                      absl::Base64Escape(HashBytes(latest.root)));
}

// Every stored cell must belong to a signed return, every current-view entry to a log.
absl::Status CheckNothingStray(Store& store, const std::vector<std::string>& origins,
                               const std::set<std::string>& referenced) {
  OTS_RETURN_IF_ERROR(
      store.ForEachStoredCell([&](absl::string_view origin, absl::string_view period,
                                  uint64_t revision, absl::string_view line) -> absl::Status {
        if (referenced.count(absl::StrCat(origin, "/", period, "/", revision)) == 0) {
          return absl::DataLossError(absl::StrCat(origin, " ", period, " revision ", revision,
                                                  ": cell \"", absl::CEscape(line),
                                                  "\" belongs to no signed return"));
        }
        return absl::OkStatus();
      }));
  return store.ForEachCurrent([&](absl::string_view origin, absl::string_view period,
                                  const v1::CurrentEntry&) -> absl::Status {
    if (std::find(origins.begin(), origins.end(), origin) == origins.end()) {
      return absl::DataLossError(absl::StrCat("current view names ", origin, " ", period,
                                              ", but there is no log of ", origin));
    }
    return absl::OkStatus();
  });
}

// Evidence of split views: each must prove what it claims. Returns the ones proven, described.
absl::StatusOr<std::vector<std::string>> CheckEvidence(Store& store, const TrustedLogs& trusted) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, store.ListEvidence(""));
  std::vector<std::string> proven;
  for (const v1::Evidence& e : evidence) {
    auto keys = trusted.keys.find(e.origin());
    if (keys == trusted.keys.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          e.origin(), ": this folder holds evidence against it, but no trusted log key was given"));
    }
    absl::Status s = VerifyEvidence(e, trusted.federation, keys->second);
    if (!s.ok()) {
      return absl::DataLossError(
          absl::StrCat("stored evidence against ", e.origin(), " does not verify: ", s.message()));
    }
    proven.push_back(DescribeEvidence(e));
  }
  return proven;
}

}  // namespace

absl::Status AuditStore(Store& store, const TrustedLogs& trusted,
                        std::vector<std::string>* out_report) {
  absl::Status s = store.VerifyChecksums();
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat("table file checksums: ", s.message()));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  std::set<std::string> referenced;
  std::vector<std::string> report;
  for (const std::string& origin : origins) {
    OTS_ASSIGN_OR_RETURN(std::string summary, AuditOrigin(store, origin, trusted, &referenced));
    report.push_back(std::move(summary));
  }
  OTS_RETURN_IF_ERROR(CheckNothingStray(store, origins, referenced));
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> split_views, CheckEvidence(store, trusted));
  for (const std::string& described : split_views) {
    report.push_back(absl::StrCat("SPLIT VIEW (proof verified): ", described));
  }
  if (out_report != nullptr) {
    *out_report = std::move(report);
  }
  if (!split_views.empty()) {
    return absl::AbortedError(absl::StrCat("split view: ", absl::StrJoin(split_views, "; ")));
  }
  return absl::OkStatus();
}

}  // namespace ots
