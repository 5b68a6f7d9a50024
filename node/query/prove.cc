#include "node/query/prove.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/model/envelope.h"
#include "node/log/publisher.h"
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

}  // namespace

absl::StatusOr<ProofFiles> BuildCellProof(Store& store, absl::string_view origin,
                                          absl::string_view period, const CellFilter& selection,
                                          const PublicKey& origin_key) {
  OTS_ASSIGN_OR_RETURN(std::optional<v1::CurrentEntry> current, store.GetCurrent(origin, period));
  if (!current.has_value()) {
    return absl::NotFoundError(absl::StrCat("no return of ", origin, " for ", period));
  }
  CellFilter filter = selection;
  for (int dim = 2; dim <= 5; ++dim) {
    if (filter.allowed[dim].empty()) {
      filter.allowed[dim] = {"_T"};
    }
  }
  std::vector<std::string> lines;
  std::vector<Hash> leaves;
  std::vector<size_t> matches;
  OTS_RETURN_IF_ERROR(store.ForEachCell(
      origin, period, current->revision(), [&](absl::string_view line) -> absl::Status {
        std::vector<absl::string_view> f = absl::StrSplit(line, ',');
        bool match = f.size() == kCellColumnCount;
        for (size_t c = 0; match && c < kCellColumnCount; ++c) {
          const auto& allowed = filter.allowed[c];
          match =
              allowed.empty() || std::find(allowed.begin(), allowed.end(), f[c]) != allowed.end();
        }
        if (match) {
          matches.push_back(lines.size());
        }
        leaves.push_back(MerkleLeafHash(line));
        lines.emplace_back(line);
        return absl::OkStatus();
      }));
  if (matches.size() != 1) {
    std::string listed;
    for (size_t i = 0; i < matches.size() && i < 5; ++i) {
      absl::StrAppend(&listed, "\n  ", lines[matches[i]]);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("the selection matches ", matches.size(), " cells of ", origin, " ", period,
                     "; name CITIZEN, STAY_CAT, SEX and AGE so that exactly one matches", listed));
  }
  const size_t cell_index = matches[0];
  OTS_ASSIGN_OR_RETURN(std::vector<Hash> cell_path, MerkleInclusionProof(leaves, cell_index));

  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store.ReadLog(origin));
  const uint64_t log_index = current->log_index();
  if (log_index >= log.size()) {
    return absl::DataLossError(
        absl::StrCat("current view of ", origin, " ", period, " points past the end of its log"));
  }
  const v1::Envelope& env = log[log_index].header();
  OTS_ASSIGN_OR_RETURN(v1::ReturnHeader header, ParseReturnHeader(env.payload()));
  if (env.signatures_size() != 1) {
    return absl::DataLossError(absl::StrCat(origin, " log index ", log_index,
                                            ": expected one "
                                            "header signature, found ",
                                            env.signatures_size()));
  }

  OTS_ASSIGN_OR_RETURN(v1::StoredCheckpoint checkpoint, store.LatestCheckpoint(origin));
  OTS_ASSIGN_OR_RETURN(Note note, ParseNote(checkpoint.note()));
  OTS_ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpoint(note.text));
  if (cp.size > log.size() || log_index >= cp.size) {
    return absl::DataLossError(absl::StrCat("latest checkpoint of ", origin, " (size ", cp.size,
                                            ") does not cover log index ", log_index));
  }
  std::vector<Hash> log_leaves = LogLeafHashes(log);
  log_leaves.resize(cp.size);
  OTS_ASSIGN_OR_RETURN(std::vector<Hash> header_path, MerkleInclusionProof(log_leaves, log_index));

  // Check before handing out: a proof that does not verify here is a store problem.
  const DsseEnvelope dsse = DsseFromProto(env);
  OTS_RETURN_IF_ERROR(DsseVerify(dsse, kReturnHeaderPayloadType, origin_key));
  OTS_RETURN_IF_ERROR(VerifyNote(note, LogName(origin), origin_key));

  ProofFiles files;
  files["cell.line"] = lines[cell_index];
  files["cell.proof"] = ProofText(cell_index, leaves.size(), cell_path);
  files["header.txt"] = env.payload();
  files["header.sig"] = env.signatures(0).sig();
  files["header.dsse.json"] = DsseToJson(dsse) + "\n";
  files["header.proof"] = ProofText(log_index, cp.size, header_path);
  // The origin's note with the witnesses' cosignature lines after its own signature (a note may
  // carry any number of signatures; verify.sh checks the origin's).
  std::string cosigned = checkpoint.note();
  for (const std::string& line : checkpoint.cosignature_lines()) {
    cosigned += line;
  }
  files["checkpoint.note"] = cosigned;
  files["log.pub.pem"] = origin_key.ToPem();
  files["verify.sh"] = std::string(VerifyScript());
  return files;
}

}  // namespace ots
