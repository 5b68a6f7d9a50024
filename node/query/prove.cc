#include "node/query/prove.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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
  std::string line;
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
  out.count = leaves.size();
  out.cells_root = MerkleRoot(leaves);
  OTS_ASSIGN_OR_RETURN(out.path, MerkleInclusionProof(leaves, out.index));
  return out;
}

}  // namespace

absl::StatusOr<ProofFiles> BuildCellProof(OriginLogs& logs, absl::string_view origin,
                                          absl::string_view period, const CellFilter& selection,
                                          absl::Span<const PublicKey> origin_keys) {
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
    return absl::DataLossError(absl::StrCat("the stored cells of ", origin, " ", period,
                                            " do not hash to the cells root of its header"));
  }
  const DsseEnvelope dsse = DsseFromProto(env);
  auto signer = std::find_if(origin_keys.begin(), origin_keys.end(), [&](const PublicKey& k) {
    return DsseVerify(dsse, kReturnHeaderPayloadType, k).ok();
  });
  if (signer == origin_keys.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(origin, " log index ", log_index,
                     ": the header is signed by no trusted log key of ", origin));
  }
  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint checkpoint, store.LatestCheckpoint(origin));
  absl::StatusOr<VerifiedCheckpoint> cp =
      VerifyOriginCheckpoint(logs.federation(), origin, origin_keys, checkpoint.note());
  if (!cp.ok()) {
    return absl::FailedPreconditionError(cp.status().message());
  }
  if (cp->key.raw() != signer->raw()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the header of ", origin, " ", period, " and the latest checkpoint of ",
                     origin, " are signed with different log keys; verify.sh checks one key"));
  }
  if (log_index >= cp->checkpoint.size) {
    return absl::DataLossError(absl::StrCat("latest checkpoint of ", origin, " (size ",
                                            cp->checkpoint.size, ") does not cover log index ",
                                            log_index));
  }
  OTS_ASSIGN_OR_RETURN(Hash root, logs.Root(origin, cp->checkpoint.size));
  if (root != cp->checkpoint.root) {
    return absl::DataLossError(absl::StrCat("the stored log of ", origin,
                                            " does not hash to its latest checkpoint's root"));
  }
  OTS_ASSIGN_OR_RETURN(std::vector<Hash> header_path,
                       logs.InclusionProof(origin, log_index, cp->checkpoint.size));

  ProofFiles files;
  files["cell.line"] = cell.line;
  files["cell.proof"] = ProofText(cell.index, cell.count, cell.path);
  files["header.txt"] = env.payload();
  files["header.sig"] = env.signatures(0).sig();
  files["header.dsse.json"] = DsseToJson(dsse) + "\n";
  files["header.proof"] = ProofText(log_index, cp->checkpoint.size, header_path);
  // The origin's note with the witnesses' cosignature lines after its own signature (a note may
  // carry any number of signatures; verify.sh checks the origin's).
  std::string cosigned = checkpoint.note();
  for (const std::string& line : checkpoint.cosignature_lines()) {
    cosigned += line;
  }
  files["checkpoint.note"] = cosigned;
  files["log.pub.pem"] = signer->ToPem();
  files["verify.sh"] = std::string(VerifyScript());
  return files;
}

}  // namespace ots
