#include "node/query/proof_check.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "crypto/bytes.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "node/log/checkpoint.h"
#include "node/log/names.h"
#include "node/model/cell_line.h"
#include "node/model/envelope.h"
#include "node/model/return_header.h"
#include "node/model/sealed_cells.h"
#include "node/trust/directory.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

absl::Status Bad(absl::string_view file, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", what));
}

absl::StatusOr<const std::string*> File(const ProofFiles& files, const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) {
    return Bad(name, "missing from the proof");
  }
  return &it->second;
}

// An audit path file: "index N", "size M", then 64-hex hashes, one a line.
struct PathFile {
  uint64_t index = 0;
  uint64_t size = 0;
  std::vector<Hash> path;
};

absl::StatusOr<PathFile> ParsePathFile(absl::string_view name, absl::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return Bad(name, "does not end with a newline");
  }
  text.remove_suffix(1);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  PathFile out;
  if (lines.size() < 2 || !absl::ConsumePrefix(&lines[0], "index ") ||
      !ParseCanonicalDecimal(lines[0], &out.index)) {
    return Bad(name, "line 1: expected \"index N\"");
  }
  if (!absl::ConsumePrefix(&lines[1], "size ") || !ParseCanonicalDecimal(lines[1], &out.size) ||
      out.size == 0) {
    return Bad(name, "line 2: expected \"size N\"");
  }
  for (size_t i = 2; i < lines.size(); ++i) {
    absl::StatusOr<std::string> raw =
        IsSha256Hex(lines[i]) ? HexDecode(lines[i]) : absl::InvalidArgumentError("");
    if (!raw.ok()) {
      return Bad(name, absl::StrCat("line ", i + 1, ": expected 64 lower-case hex digits"));
    }
    Hash h;
    std::copy(raw->begin(), raw->end(), h.begin());
    out.path.push_back(h);
  }
  return out;
}

}  // namespace

absl::StatusOr<ProofSummary> VerifyProofFiles(const ProofFiles& files,
                                              absl::string_view bundle_key_id,
                                              std::optional<size_t> quorum) {
  static const char* const kNames[] = {"cell.line",       "cell.proof",       "header.txt",
                                       "header.sig",      "header.dsse.json", "header.proof",
                                       "checkpoint.note", "log.pub.pem",      "trust-bundle.json",
                                       "bundle.pub.pem",  "verify.sh",        "cell.opening"};
  for (const auto& [name, contents] : files) {
    if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) {
      return Bad(name, "is not a file of a proof");
    }
  }
  ProofSummary out;

  // 1. The trust bundle, signed by the one key taken on trust.
  OTS_ASSIGN_OR_RETURN(const std::string* bundle_pem, File(files, "bundle.pub.pem"));
  absl::StatusOr<PublicKey> bundle_key = PublicKey::FromPem(*bundle_pem);
  if (!bundle_key.ok()) {
    return Bad("bundle.pub.pem", bundle_key.status().message());
  }
  if (bundle_key->KeyId() != bundle_key_id) {
    return absl::PermissionDeniedError(absl::StrCat("bundle.pub.pem: key id ", bundle_key->KeyId(),
                                                    ", not the federation's bundle key ",
                                                    bundle_key_id));
  }
  OTS_ASSIGN_OR_RETURN(const std::string* bundle_json, File(files, "trust-bundle.json"));
  absl::StatusOr<v1::TrustBundle> bundle =
      VerifyTrustBundle("trust-bundle.json", *bundle_json, *bundle_key);
  if (!bundle.ok()) {
    return absl::InvalidArgumentError(bundle.status().message());
  }
  out.federation = bundle->federation();
  out.bundle_version = bundle->version();
  const Directory directory(*bundle);

  // 2. The cell is a leaf of the cells root of the header.
  OTS_ASSIGN_OR_RETURN(const std::string* header_text, File(files, "header.txt"));
  absl::StatusOr<v1::ReturnHeader> header = ParseReturnHeader(*header_text);
  if (!header.ok()) {
    return Bad("header.txt", header.status().message());
  }
  out.origin = header->origin();
  out.period = header->period();
  out.revision = header->revision();
  OTS_ASSIGN_OR_RETURN(const std::string* line, File(files, "cell.line"));
  out.cell_line = *line;
  CellLineView cell;
  if (!CellLineView::Parse(*line, &cell)) {
    return Bad("cell.line", "not one cell line");
  }
  if (cell.ref_area() != header->origin() || cell.time_period() != header->period()) {
    return Bad("cell.line",
               absl::StrCat("the cell is of ", cell.ref_area(), " ", cell.time_period(),
                            ", the header of ", header->origin(), " ", header->period()));
  }
  OTS_ASSIGN_OR_RETURN(const std::string* cell_proof_text, File(files, "cell.proof"));
  OTS_ASSIGN_OR_RETURN(PathFile cell_proof, ParsePathFile("cell.proof", *cell_proof_text));
  if (cell_proof.size != header->cell_count()) {
    return Bad("cell.proof", absl::StrCat("tree size ", cell_proof.size, ", the header says ",
                                          header->cell_count(), " cells"));
  }
  Hash cells_root;
  std::copy(header->cells_root().begin(), header->cells_root().end(), cells_root.begin());
  if (header->cells_root().size() != cells_root.size() ||
      !MerkleVerifyInclusion(MerkleLeafHash(*line), cell_proof.index, cell_proof.size,
                             cell_proof.path, cells_root)
           .ok()) {
    return Bad("cell.proof", "cell.line and cell.proof do not lead to the header's cells_root");
  }
  out.cell_index = cell_proof.index;
  out.cell_count = cell_proof.size;
  // 2a. A sealed cell's opening, if given, is the cell the leaf commits to (formats.md §2a).
  if (auto opening = files.find("cell.opening"); opening != files.end()) {
    if (!IsSealedCell(cell)) {
      return Bad("cell.opening", "cell.line is not sealed");
    }
    absl::StatusOr<Openings> parsed = Openings::Parse(opening->second, "cell.opening");
    if (!parsed.ok() || parsed->size() != 1) {
      return Bad("cell.opening", "not one line of a salt and a confidential cell line");
    }
    const Openings::Opening* o = parsed->Find(*line);
    if (o == nullptr) {
      return Bad("cell.opening", "salt and cell line do not give the sealed line of cell.line");
    }
    out.opened_line = o->line;
  }

  // 3. The header is signed by a log key of its origin in the bundle, valid when it signed.
  OTS_ASSIGN_OR_RETURN(const std::string* log_pem, File(files, "log.pub.pem"));
  absl::StatusOr<PublicKey> log_key = PublicKey::FromPem(*log_pem);
  if (!log_key.ok()) {
    return Bad("log.pub.pem", log_key.status().message());
  }
  const v1::PublicKeyEntry* entry = FindLogKey(*bundle, header->origin(), log_key->raw());
  if (entry == nullptr) {
    return Bad("log.pub.pem", absl::StrCat("key ", log_key->KeyId(), " is not a log key of ",
                                           header->origin(), " in the trust bundle"));
  }
  if (absl::Status valid = CheckKeyValidAt(*entry, header->created_at()); !valid.ok()) {
    return Bad("header.txt", absl::StrCat("signed at ", header->created_at(), " with log key ",
                                          log_key->KeyId(), ": ", valid.message()));
  }
  if (header->key_id() != log_key->KeyId()) {
    return Bad("header.txt", absl::StrCat("names signer key ", header->key_id(),
                                          ", log.pub.pem is ", log_key->KeyId()));
  }
  OTS_ASSIGN_OR_RETURN(const std::string* sig, File(files, "header.sig"));
  const DsseEnvelope env{
      std::string(kReturnHeaderPayloadType), *header_text, {DsseSignature{log_key->KeyId(), *sig}}};
  if (!DsseVerify(env, kReturnHeaderPayloadType, *log_key).ok()) {
    return Bad("header.sig", "the header signature does not verify");
  }
  OTS_ASSIGN_OR_RETURN(const std::string* dsse_json, File(files, "header.dsse.json"));
  if (*dsse_json != DsseToJson(env)) {
    return Bad("header.dsse.json", "is not the envelope of header.txt and header.sig");
  }
  out.header_key_id = log_key->KeyId();

  // 4. The header is a leaf of the origin's log at the checkpoint, signed by a log key of it.
  OTS_ASSIGN_OR_RETURN(const std::string* header_proof_text, File(files, "header.proof"));
  OTS_ASSIGN_OR_RETURN(PathFile header_proof, ParsePathFile("header.proof", *header_proof_text));
  OTS_ASSIGN_OR_RETURN(const std::string* note_text, File(files, "checkpoint.note"));
  absl::StatusOr<Note> note = ParseNote(*note_text);
  if (!note.ok()) {
    return Bad("checkpoint.note", note.status().message());
  }
  absl::StatusOr<VerifiedCheckpoint> cp = VerifyOriginCheckpoint(
      bundle->federation(), header->origin(), directory.LogKeys(header->origin()), *note_text);
  if (!cp.ok()) {
    return Bad("checkpoint.note", cp.status().message());
  }
  if (cp->checkpoint.size != header_proof.size) {
    return Bad("checkpoint.note", absl::StrCat("size ", cp->checkpoint.size, ", header.proof says ",
                                               header_proof.size));
  }
  if (!MerkleVerifyInclusion(MerkleLeafHash(*header_text), header_proof.index, header_proof.size,
                             header_proof.path, cp->checkpoint.root)
           .ok()) {
    return Bad("header.proof", "header.txt and header.proof do not lead to the checkpoint's root");
  }
  out.log_name = LogName(bundle->federation(), header->origin());
  out.log_index = header_proof.index;
  out.log_size = header_proof.size;
  out.checkpoint_key_id = cp->key.KeyId();

  // 5. Every other signature line is a valid cosignature of a witness in the bundle, and enough
  // independent witnesses cosigned.
  std::vector<std::string> cosignature_lines;
  for (const NoteSignature& s : note->signatures) {
    if (s.name == out.log_name) {
      // Every line by the log's name is by one of the origin's log keys (two, across a key
      // rotation) and verifies.
      const Note one{note->text, {s}};
      const std::vector<PublicKey>& keys = directory.LogKeys(header->origin());
      if (std::none_of(keys.begin(), keys.end(),
                       [&](const PublicKey& k) { return VerifyNote(one, s.name, k).ok(); })) {
        return Bad("checkpoint.note",
                   absl::StrCat("a signature line by ", s.name,
                                " does not verify under a log key of ", header->origin()));
      }
      continue;
    }
    cosignature_lines.push_back(FormatSignatureLine(s));
  }
  absl::StatusOr<std::vector<CheckedCosignature>> cosigs =
      VerifyCosignatureLines(bundle->federation(), *note_text, cosignature_lines,
                             WitnessKeysOf(directory), WitnessKeyValidityOf(directory));
  if (!cosigs.ok()) {
    return Bad("checkpoint.note", cosigs.status().message());
  }
  out.cosigners =
      IndependentCosigners(*cosigs, header->origin(), MayWitness(directory, header->origin()));
  out.quorum = quorum.has_value() ? *quorum : directory.WitnessQuorum(header->origin());
  if (out.cosigners.size() < out.quorum) {
    const size_t n = out.cosigners.size();
    const std::string who = n == 0 ? "no witness"
                                   : absl::StrCat(n, n == 1 ? " witness (" : " witnesses (",
                                                  absl::StrJoin(out.cosigners, " "), ")");
    return Bad("checkpoint.note", absl::StrCat("cosigned by ", who,
                                               quorum.has_value() ? ", --quorum requires "
                                                                  : ", the trust bundle requires ",
                                               out.quorum));
  }
  return out;
}

}  // namespace ots
