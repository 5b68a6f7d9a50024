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
#include "node/log/origin_log.h"
#include "node/query/status.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

// A checkpoint of `origin` another party holds or recorded, with its cosignature lines: OK if
// it is signed by a log key of the origin and every line is a valid cosignature; its cosigners.
absl::StatusOr<std::pair<VerifiedCheckpoint, std::vector<std::string>>> VerifyCosigned(
    const Directory& directory, absl::string_view origin, const v1::StoredCheckpoint& cp) {
  OTS_ASSIGN_OR_RETURN(
      VerifiedCheckpoint verified,
      VerifyOriginCheckpoint(directory.federation(), origin, directory.LogKeys(origin), cp.note()));
  std::vector<std::string> lines(cp.cosignature_lines().begin(), cp.cosignature_lines().end());
  OTS_ASSIGN_OR_RETURN(
      std::vector<CheckedCosignature> cosigs,
      VerifyCosignatureLines(directory.federation(), cp.note(), lines, WitnessKeysOf(directory),
                             WitnessKeyValidityOf(directory)));
  return std::make_pair(std::move(verified),
                        IndependentCosigners(cosigs, origin, MayWitness(directory, origin)));
}

// The gaps between what the folder holds and the checkpoints it recorded as seen cosigned.
absl::StatusOr<std::vector<std::string>> CheckSeen(Store& store, const Directory& directory) {
  OTS_ASSIGN_OR_RETURN(auto seen, store.SeenCheckpoints());
  std::vector<std::string> gaps;
  for (const auto& [origin, cp] : seen) {
    auto verified = VerifyCosigned(directory, origin, cp.checkpoint());
    if (!verified.ok()) {
      return absl::DataLossError(absl::StrCat(
          origin, ": the checkpoint of size ", cp.size(),
          " recorded as seen cosigned does not verify: ", verified.status().message()));
    }
    OTS_ASSIGN_OR_RETURN(uint64_t held, store.LogSize(origin));
    const Checkpoint& seen_cp = verified->first.checkpoint;
    if (seen_cp.size > held) {
      gaps.push_back(DescribeGap(origin, held, cp));
      continue;
    }
    // Held: the folder's log at that size must be the one the witnesses cosigned.
    OriginLogs logs(&store, directory.federation());
    OTS_ASSIGN_OR_RETURN(Hash root, logs.Root(origin, seen_cp.size));
    if (root != seen_cp.root) {
      return absl::DataLossError(absl::StrCat(
          origin, ": the checkpoint of size ", seen_cp.size, " that ",
          absl::StrJoin(verified->second, " "),
          " cosigned is not this folder's log at that size (another root: a split view)"));
    }
  }
  return gaps;
}

// What the walk of one origin's log found.
struct LogWalk {
  std::vector<Hash> leaves;
  std::vector<std::string> times;  // each entry's created_at
  std::map<std::string, LogChecker::Latest> latest;
  uint64_t cells = 0;
};

// Every header of `origin`'s log and the cells it signs.
absl::Status WalkLog(Store& store, const Directory& directory, const std::string& origin,
                     std::set<std::string>* referenced_returns, LogWalk* out) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store.ReadLog(origin));
  LogChecker checker(origin, directory.LogKeys(origin), absl::StatusCode::kDataLoss);
  // The key that signed each header was valid when it signed.
  checker.set_key_validity([&](const PublicKey& key, absl::string_view time) {
    return directory.CheckLogKeyAt(origin, key, time);
  });
  for (const v1::LogEntry& entry : log) {
    std::string where;
    OTS_ASSIGN_OR_RETURN(v1::ReturnHeader h, checker.CheckHeader(entry.header(), &where));
    out->times.push_back(h.created_at());
    CellsChecker cells(h, absl::StatusCode::kDataLoss);
    // The openings held of its sealed cells must each open one of them (docs/formats.md §2a).
    OTS_ASSIGN_OR_RETURN(Openings openings, store.GetOpenings(origin, h.period(), h.revision()));
    size_t opened = 0;
    OTS_RETURN_IF_ERROR(store.ForEachCell(origin, h.period(), h.revision(),
                                          [&](absl::string_view line) -> absl::Status {
                                            cells.Add(line);
                                            opened += openings.Find(line) != nullptr ? 1 : 0;
                                            return absl::OkStatus();
                                          }));
    OTS_RETURN_IF_ERROR(cells.Finish(where));
    if (opened != openings.size()) {
      return absl::DataLossError(
          absl::StrCat(where, ": ", openings.size() - opened, " of ", openings.size(),
                       " stored openings open no sealed cell of the return"));
    }
    referenced_returns->insert(absl::StrCat(origin, "/", h.period(), "/", h.revision()));
    out->cells += cells.count();
  }
  out->leaves = checker.leaves();
  out->latest = checker.latest();
  return absl::OkStatus();
}

// Every stored checkpoint of `origin`: signed by the origin, the root of a prefix of the log,
// consistent with the one before; the last one covers the whole log. Returns the latest.
// The cosigners of each checkpoint are returned in `out_cosigners` (of the latest).
absl::StatusOr<Checkpoint> CheckCheckpoints(Store& store, const std::string& origin,
                                            const Directory& directory, const LogWalk& walk,
                                            size_t* out_count,
                                            std::vector<std::string>* out_cosigners) {
  absl::Span<const PublicKey> keys = directory.LogKeys(origin);
  Checkpoint prev;
  prev.root = MerkleRoot({});
  OTS_RETURN_IF_ERROR(store.ForEachCheckpoint(
      origin, 0, [&](uint64_t size, const v1::StoredCheckpoint& stored) -> absl::Status {
        const std::string where = absl::StrCat(origin, " checkpoint of size ", size);
        absl::StatusOr<VerifiedCheckpoint> cp =
            VerifyOriginCheckpoint(directory.federation(), origin, keys, stored.note());
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
        // Signed with a key valid when its last entry was (the origin signs as it appends).
        if (size > 0) {
          absl::Status valid = directory.CheckLogKeyAt(origin, cp->key, walk.times[size - 1]);
          if (!valid.ok()) {
            return absl::DataLossError(absl::StrCat(where, ": signed with log key ",
                                                    cp->key.KeyId(), ", not valid at ",
                                                    walk.times[size - 1], ": ", valid.message()));
          }
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
        std::vector<std::string> lines(stored.cosignature_lines().begin(),
                                       stored.cosignature_lines().end());
        // A line the bundle no longer counts (its key removed, or used outside its validity) is
        // no fault of the folder; it just does not count. One that fails its signature is.
        std::vector<std::string> uncounted;
        absl::StatusOr<std::vector<CheckedCosignature>> cosigs = VerifyCosignatureLines(
            directory.federation(), stored.note(), lines, WitnessKeysOf(directory),
            WitnessKeyValidityOf(directory), &uncounted);
        if (!cosigs.ok()) {
          return absl::DataLossError(absl::StrCat(where, ": ", cosigs.status().message()));
        }
        *out_cosigners = IndependentCosigners(*cosigs, origin, MayWitness(directory, origin));
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
                                        const Directory& directory,
                                        std::set<std::string>* referenced_returns) {
  if (directory.LogKeys(origin).empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(origin, ": the trust bundle lists no log key of this origin"));
  }
  LogWalk walk;
  OTS_RETURN_IF_ERROR(WalkLog(store, directory, origin, referenced_returns, &walk));
  size_t checkpoints = 0;
  std::vector<std::string> cosigners;
  OTS_ASSIGN_OR_RETURN(Checkpoint latest,
                       CheckCheckpoints(store, origin, directory, walk, &checkpoints, &cosigners));
  OTS_RETURN_IF_ERROR(CheckCurrentView(store, origin, walk));
  const size_t quorum = directory.WitnessQuorum(origin);
  return absl::StrCat(
      origin, ": ", walk.leaves.size(), " signed returns over ", walk.latest.size(), " periods, ",
      walk.cells, " cells, ", checkpoints, " checkpoints; latest checkpoint size ", latest.size,
      " root ", absl::Base64Escape(HashBytes(latest.root)), ", cosigned by ",
      cosigners.empty() ? "no witness" : absl::StrJoin(cosigners, " "),
      cosigners.size() >= quorum ? absl::StrCat(" (quorum ", quorum, ")")
                                 : absl::StrCat(" (below the quorum of ", quorum, ")"));
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
absl::StatusOr<std::vector<std::string>> CheckEvidence(Store& store, const Directory& directory) {
  OTS_ASSIGN_OR_RETURN(std::vector<v1::Evidence> evidence, store.ListEvidence(""));
  std::vector<std::string> proven;
  for (const v1::Evidence& e : evidence) {
    if (directory.LogKeys(e.origin()).empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(e.origin(),
                       ": this folder holds evidence against it, but the trust "
                       "bundle lists no log key of it"));
    }
    absl::Status s = VerifyEvidence(e, directory.federation(), directory.LogKeys(e.origin()));
    if (!s.ok()) {
      return absl::DataLossError(
          absl::StrCat("stored evidence against ", e.origin(), " does not verify: ", s.message()));
    }
    proven.push_back(DescribeEvidence(e));
  }
  return proven;
}

}  // namespace

absl::Status AuditStore(Store& store, const Directory& directory,
                        std::vector<std::string>* out_report) {
  absl::Status s = store.VerifyChecksums();
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat("table file checksums: ", s.message()));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  std::set<std::string> referenced;
  std::vector<std::string> report;
  for (const std::string& origin : origins) {
    OTS_ASSIGN_OR_RETURN(std::string summary, AuditOrigin(store, origin, directory, &referenced));
    report.push_back(std::move(summary));
  }
  OTS_RETURN_IF_ERROR(CheckNothingStray(store, origins, referenced));
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> gaps, CheckSeen(store, directory));
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> split_views, CheckEvidence(store, directory));
  for (const std::string& gap : gaps) {
    report.push_back(absl::StrCat("BEHIND ", gap));
  }
  for (const std::string& described : split_views) {
    report.push_back(absl::StrCat("SPLIT VIEW (proof verified): ", described));
  }
  if (out_report != nullptr) {
    *out_report = std::move(report);
  }
  if (!split_views.empty()) {
    return absl::AbortedError(absl::StrCat("split view: ", absl::StrJoin(split_views, "; ")));
  }
  if (!gaps.empty()) {
    return absl::OutOfRangeError(absl::StrCat(
        "this folder holds less than its witnesses cosigned (entries withheld from it, or rolled "
        "back): ",
        absl::StrJoin(gaps, "; ")));
  }
  return absl::OkStatus();
}

absl::Status CompareWithPeers(Store& store, const Directory& directory,
                              const std::vector<PeerCheckpoint>& theirs,
                              std::vector<std::string>* out_report) {
  absl::Status first = absl::OkStatus();
  OriginLogs logs(&store, directory.federation());
  for (const PeerCheckpoint& p : theirs) {
    auto verified = VerifyCosigned(directory, p.origin, p.checkpoint);
    if (!verified.ok()) {
      first.Update(absl::InvalidArgumentError(
          absl::StrCat(p.node, ": its checkpoint of ", p.origin,
                       " does not verify: ", verified.status().message())));
      continue;
    }
    const Checkpoint& cp = verified->first.checkpoint;
    const std::string cosigned =
        verified->second.empty() ? "no witness" : absl::StrJoin(verified->second, " ");
    OTS_ASSIGN_OR_RETURN(uint64_t held, store.LogSize(p.origin));
    std::string line = absl::StrCat(p.origin, " at ", p.node, ": size ", cp.size, " cosigned by ",
                                    cosigned, "; this folder: size ", held);
    if (cp.size > held) {
      absl::StrAppend(&line, ": ", cp.size - held,
                      " entries missing here (withheld from it, or rolled back)");
      first.Update(absl::OutOfRangeError(line));
    } else if (cp.size > 0) {
      // The folder's own log at that size must have the same root.
      OTS_ASSIGN_OR_RETURN(Hash root, logs.Root(p.origin, cp.size));
      if (root != cp.root) {
        absl::StrAppend(&line, ": SPLIT VIEW, the folder's first ", cp.size,
                        " entries have another root");
        first.Update(absl::AbortedError(line));
      } else {
        absl::StrAppend(&line, cp.size == held ? ": the same" : ": a prefix of this folder's");
      }
    }
    if (out_report != nullptr) {
      out_report->push_back(std::move(line));
    }
  }
  return first;
}

}  // namespace ots
