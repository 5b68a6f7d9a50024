#include "node/query/prove.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/log/checkpoint.h"
#include "node/model/cell_line.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"

namespace ots {
namespace {

std::string ProofText(uint64_t index, uint64_t size, const std::vector<Hash>& path) {
  std::string out = absl::StrCat("index ", index, "\nsize ", size, "\n");
  for (const Hash& h : path) {
    absl::StrAppend(&out, HexEncode(HashBytes(h)), "\n");
  }
  return out;
}

// The one cell of a return that `filter` matches, with its index and inclusion proof.
struct ProvenCell {
  std::string line;     // the leaf
  std::string opening;  // for a sealed leaf opened here: "<salt hex>,<cell line>\n"
  uint64_t index = 0;
  uint64_t count = 0;
  std::vector<Hash> path;
  Hash cells_root{};
};

absl::StatusOr<ProvenCell> FindCell(Store& store, absl::string_view origin,
                                    absl::string_view period, uint64_t revision,
                                    const CellFilter& filter) {
  std::vector<std::string> matches;
  std::vector<Hash> leaves;
  ProvenCell out;
  OTS_ASSIGN_OR_RETURN(Openings openings, filter.Opens(origin)
                                              ? store.GetOpenings(origin, period, revision)
                                              : absl::StatusOr<Openings>(Openings()));
  OTS_RETURN_IF_ERROR(
      store.ForEachCell(origin, period, revision, [&](absl::string_view line) -> absl::Status {
        CellLineView cell;
        if (CellLineView::Parse(line, &cell) && filter.Matches(cell)) {
          if (matches.empty()) {
            out.index = leaves.size();
          }
          matches.emplace_back(line);
        }
        leaves.push_back(MerkleLeafHash(line));
        return absl::OkStatus();
      }));
  if (matches.size() != 1) {
    std::string listed;
    for (size_t i = 0; i < matches.size() && i < 5; ++i) {
      absl::StrAppend(&listed, "\n  ", matches[i]);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("the selection matches ", matches.size(), " cells of ", origin, " ", period,
                     "; name CITIZEN, STAY_CAT, SEX and AGE so that exactly one matches", listed));
  }
  out.line = matches[0];
  if (const Openings::Opening* o = openings.Find(out.line); o != nullptr) {
    out.opening = absl::StrCat(HexEncode(o->salt), ",", o->line, "\n");
  }
  out.count = leaves.size();
  out.cells_root = MerkleRoot(leaves);
  OTS_ASSIGN_OR_RETURN(out.path, MerkleInclusionProof(leaves, out.index));
  return out;
}

// The checkpoint a proof of log index `log_index` rests on: the largest stored one that covers it,
// is signed by a log key of `origin` and carries valid cosignatures of at least `quorum`
// independent witnesses. Every stored cosignature line of the checkpoints it looks at must verify
// or, made with a key the bundle no longer lists or outside its key's validity, is left out.
struct ChosenCheckpoint {
  v1::StoredCheckpoint stored;
  VerifiedCheckpoint verified;
  std::vector<std::string> cosigners;
};

absl::StatusOr<ChosenCheckpoint> ChooseCheckpoint(OriginLogs& logs, const Directory& directory,
                                                  absl::string_view origin, uint64_t log_index,
                                                  size_t quorum) {
  std::vector<std::pair<uint64_t, v1::StoredCheckpoint>> covering;
  OTS_RETURN_IF_ERROR(logs.store().ForEachCheckpoint(
      origin, log_index + 1, [&](uint64_t size, const v1::StoredCheckpoint& cp) -> absl::Status {
        covering.emplace_back(size, cp);
        return absl::OkStatus();
      }));
  if (covering.empty()) {
    return absl::DataLossError(
        absl::StrCat("no stored checkpoint of ", origin, " covers log index ", log_index));
  }
  size_t best = 0;
  std::vector<std::string> best_cosigners;
  for (auto it = covering.rbegin(); it != covering.rend(); ++it) {
    auto& [size, stored] = *it;
    absl::StatusOr<VerifiedCheckpoint> cp =
        VerifyOriginCheckpoint(logs.federation(), origin, directory.LogKeys(origin), stored.note());
    if (!cp.ok()) {
      return absl::DataLossError(
          absl::StrCat("stored checkpoint of size ", size, ": ", cp.status().message()));
    }
    std::vector<std::string> lines(stored.cosignature_lines().begin(),
                                   stored.cosignature_lines().end());
    // A line the bundle no longer counts (a witness key since removed, or used outside its
    // validity) stays out of the proof, which must verify with the bundle alone.
    std::vector<std::string> uncounted;
    absl::StatusOr<std::vector<CheckedCosignature>> cosigs =
        VerifyCosignatureLines(logs.federation(), stored.note(), lines, WitnessKeysOf(directory),
                               WitnessKeyValidityOf(directory), &uncounted);
    if (!cosigs.ok()) {
      return absl::DataLossError(
          absl::StrCat(origin, " checkpoint of size ", size, ": ", cosigs.status().message()));
    }
    std::vector<std::string> cosigners =
        IndependentCosigners(*cosigs, origin, MayWitness(directory, origin));
    if (cosigners.size() >= quorum) {
      auto* kept = stored.mutable_cosignature_lines();
      kept->erase(std::remove_if(kept->begin(), kept->end(),
                                 [&](const std::string& line) {
                                   return std::find(uncounted.begin(), uncounted.end(), line) !=
                                          uncounted.end();
                                 }),
                  kept->end());
      return ChosenCheckpoint{stored, *std::move(cp), std::move(cosigners)};
    }
    if (cosigners.size() > best || best_cosigners.empty()) {
      best = cosigners.size();
      best_cosigners = std::move(cosigners);
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat("no checkpoint of ", origin, " that covers log index ", log_index, " has the ",
                   quorum, " cosignatures the trust bundle requires (the best has ", best,
                   best_cosigners.empty() ? "" : ": ", absl::StrJoin(best_cosigners, " "),
                   "); wait until more witnesses have cosigned it"));
}

}  // namespace

absl::StatusOr<ProofFiles> BuildCellProof(OriginLogs& logs, const Directory& directory,
                                          absl::string_view origin, absl::string_view period,
                                          const CellFilter& selection,
                                          std::optional<size_t> quorum) {
  if (directory.signed_bundle().empty()) {
    return absl::FailedPreconditionError(
        "a proof carries the signed trust bundle, and none was given");
  }
  Store& store = logs.store();
  OTS_ASSIGN_OR_RETURN(std::optional<v1::CurrentEntry> current, store.GetCurrent(origin, period));
  if (!current.has_value()) {
    return absl::NotFoundError(absl::StrCat("no return of ", origin, " for ", period));
  }
  CellFilter filter = selection;
  for (int dim : {kCitizen, kStayCat, kSex, kAge}) {
    if (filter.allowed[dim].empty()) {
      filter.allowed[dim] = {"_T"};
    }
  }
  OTS_ASSIGN_OR_RETURN(ProvenCell cell,
                       FindCell(store, origin, period, current->revision(), filter));

  // The header, and the checkpoint that covers it.
  const uint64_t log_index = current->log_index();
  absl::StatusOr<v1::LogEntry> entry = store.GetLogEntry(origin, log_index);
  if (!entry.ok()) {
    return absl::DataLossError(
        absl::StrCat("current view of ", origin, " ", period, ": ", entry.status().message()));
  }
  const v1::Envelope& env = entry->header();
  if (env.signatures_size() != 1) {
    return absl::DataLossError(absl::StrCat(origin, " log index ", log_index,
                                            ": expected one header signature, found ",
                                            env.signatures_size()));
  }
  OTS_ASSIGN_OR_RETURN(v1::ReturnHeader header, ParseReturnHeader(env.payload()));
  if (header.cells_root() != HashBytes(cell.cells_root)) {
    return absl::DataLossError(absl::StrCat(origin, " ", period, " revision ", header.revision(),
                                            " (log index ", log_index,
                                            "): the stored cells do not hash to the cells root "
                                            "its header signs; refusing to prove them"));
  }
  const DsseEnvelope dsse = DsseFromProto(env);
  const std::vector<PublicKey>& origin_keys = directory.LogKeys(origin);
  auto signer = std::find_if(origin_keys.begin(), origin_keys.end(), [&](const PublicKey& k) {
    return DsseVerify(dsse, kReturnHeaderPayloadType, k).ok();
  });
  if (signer == origin_keys.end()) {
    return absl::FailedPreconditionError(absl::StrCat(origin, " log index ", log_index,
                                                      ": the header is signed by no log key of ",
                                                      origin, " in the trust bundle"));
  }
  OTS_ASSIGN_OR_RETURN(
      ChosenCheckpoint chosen,
      ChooseCheckpoint(logs, directory, origin, log_index,
                       quorum.has_value() ? *quorum : directory.WitnessQuorum(origin)));
  const Checkpoint& cp = chosen.verified.checkpoint;
  OTS_ASSIGN_OR_RETURN(Hash root, logs.Root(origin, cp.size));
  if (root != cp.root) {
    return absl::DataLossError(absl::StrCat("the stored log of ", origin,
                                            " does not hash to the root of its checkpoint of size ",
                                            cp.size));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<Hash> header_path,
                       logs.InclusionProof(origin, log_index, cp.size));

  ProofFiles files;
  files["cell.line"] = cell.line;
  files["cell.proof"] = ProofText(cell.index, cell.count, cell.path);
  if (!cell.opening.empty()) {
    files["cell.opening"] = cell.opening;
  }
  files["header.txt"] = env.payload();
  files["header.sig"] = env.signatures(0).sig();
  files["header.dsse.json"] = DsseToJson(dsse);
  files["header.proof"] = ProofText(log_index, cp.size, header_path);
  // The origin's note with the witnesses' cosignature lines after its own signature (a note may
  // carry any number of signatures).
  std::string cosigned = chosen.stored.note();
  for (const std::string& line : chosen.stored.cosignature_lines()) {
    cosigned += line;
  }
  files["checkpoint.note"] = cosigned;
  files["log.pub.pem"] = signer->ToPem();
  files["trust-bundle.json"] = directory.signed_bundle();
  files["bundle.pub.pem"] = directory.bundle_key_pem();
  files["verify.sh"] = std::string(VerifyScript());
  return files;
}

}  // namespace ots
