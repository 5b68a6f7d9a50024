// ots-ctl prove: the proof of one cell and a verify.sh that checks it with openssl alone, built
// offline from a data folder or fetched from a node.
#include "node/cli/prove_command.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "node/cli/command.h"
#include "node/log/origin_log.h"
#include "node/model/cell_line.h"
#include "node/query/proof_check.h"
#include "node/query/query.h"
#include "node/trust/directory.h"
#include "node/trust/trust_bundle.h"

namespace ots {

absl::Status WriteProofFiles(const ProofFiles& files, const std::string& out_dir) {
  for (const auto& [name, contents] : files) {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
      return absl::InvalidArgumentError(absl::StrCat(
          "proof file name \"", name, "\" is not a plain file name; refusing to write it"));
    }
  }
  OTS_RETURN_IF_ERROR(MakeDirectory(out_dir, 0755));
  for (const auto& [name, contents] : files) {
    OTS_RETURN_IF_ERROR(WriteFileReplacing(absl::StrCat(out_dir, "/", name), contents,
                                           name == "verify.sh" ? 0755 : 0644));
  }
  return absl::OkStatus();
}

namespace {

// `ots-ctl prove --help`; its first line is the summary in the list of commands.
constexpr char kProveHelp[] =
    "Writes the proof of one cell, with a verify.sh to check it.\n"
    "The cell's line and inclusion proof, the signed header and its inclusion proof in a\n"
    "checkpoint cosigned by the witnesses, the signed trust bundle and its key, and verify.sh,\n"
    "which needs only openssl and coreutils: bash DIR/verify.sh BUNDLE-KEY-ID.\n"
    "Offline from a data folder (--data-dir, with --trust-bundle and --bundle-pubkey), or fetched\n"
    "from a node (--config, whose trust bundle it is checked against). Either way the proof is\n"
    "verified before it is written, and nothing is written if it does not verify.\n";

struct ProveFlags {
  ClientFlags client;
  std::string data_dir;
  std::string origin;
  std::string period;
  std::vector<std::string> cells;
  std::string trust_bundle;
  std::string bundle_pubkey;
  std::string quorum;
  std::string out;
};

// The proof, built from the data folder against the trust bundle of --trust-bundle.
absl::StatusOr<ProofFiles> FolderProof(Store& store, const ProveFlags& flags,
                                       const CellFilter& selection, const TrustAnchor& anchor,
                                       std::optional<size_t> quorum) {
  OTS_ASSIGN_OR_RETURN(std::string federation, FolderFederation(store));
  if (federation != anchor.bundle.federation()) {
    return absl::FailedPreconditionError(
        absl::StrCat(flags.data_dir, " holds the logs of federation \"", federation,
                     "\", not of \"", anchor.bundle.federation(), "\" (", flags.trust_bundle, ")"));
  }
  OriginLogs logs(&store, federation);
  Directory directory(anchor);
  return BuildCellProof(logs, directory, flags.origin, flags.period, selection, quorum);
}

// The proof, as the node builds it, but with this program's own verify.sh and the client's
// bundle key, and the newer of the client's trust bundle and the node's, each checked with that
// key: a node cannot slip in an older bundle (a lower quorum, a retired key), and a client whose
// file predates a pushed bundle proves with the one the federation has signed since.
absl::StatusOr<ProofFiles> NodeProof(NodeClient& node, const ProveFlags& flags,
                                     const TrustAnchor& anchor) {
  v1::ProveRequest request;
  request.set_origin(flags.origin);
  request.set_period(flags.period);
  AddWireFilters(flags.cells, request.mutable_cell());
  OTS_ASSIGN_OR_RETURN(v1::ProveResponse response, node.Prove(request));
  ProofFiles files;
  for (const v1::ProofFile& f : response.files()) {
    if (!files.emplace(f.name(), f.contents()).second) {
      return absl::DataLossError(
          absl::StrCat("the node sent the proof file \"", f.name(), "\" twice"));
    }
  }
  files["verify.sh"] = std::string(VerifyScript());
  Directory newest(anchor);
  auto sent = files.find("trust-bundle.json");
  if (sent != files.end()) {
    // One that does not verify, or is not newer, is replaced by the client's own.
    newest.TakeIfNewer(sent->second, "the node's trust-bundle.json").IgnoreError();
  }
  files["trust-bundle.json"] = newest.signed_bundle();
  files["bundle.pub.pem"] = anchor.bundle_key_pem;
  return files;
}

int RunProve(const Console& console, const ProveFlags& flags) {
  std::optional<size_t> quorum;
  if (!flags.quorum.empty()) {
    size_t q = 0;
    if (!absl::SimpleAtoi(flags.quorum, &q)) {
      return console.Usage("--quorum must be a number of witnesses, 0 or more");
    }
    quorum = q;
  }
  DataSource source;
  if (int exit_code = OpenDataSource(console, flags.client, flags.data_dir, &source);
      exit_code != kExitOk) {
    return exit_code;
  }
  absl::StatusOr<TrustAnchor> anchor =
      source.node != nullptr ? source.node->trust()
                             : LoadTrustAnchor(flags.trust_bundle, flags.bundle_pubkey);
  if (!anchor.ok()) {
    return console.Fail(anchor.status(), kExitUsage);
  }
  absl::StatusOr<CellFilter> selection = ParseCellFilter(flags.cells);
  if (!selection.ok()) {
    return console.Usage(selection.status().message());
  }
  absl::StatusOr<ProofFiles> files =
      source.node != nullptr ? NodeProof(*source.node, flags, *anchor)
                             : FolderProof(*source.store, flags, *selection, *anchor, quorum);
  if (!files.ok()) {
    return source.Fail(console, files.status());
  }
  // Nothing is written that does not verify against this side's trust anchor.
  absl::StatusOr<ProofSummary> summary = VerifyProofFiles(*files, anchor->bundle_key_id, quorum);
  if (!summary.ok()) {
    return console.Fail(absl::Status(
        summary.status().code(),
        absl::StrCat(source.node != nullptr ? "the node's proof" : "the proof",
                     " does not verify; nothing written: ", summary.status().message())));
  }
  // A valid proof of another cell is no answer: it must be of the cell asked for.
  CellFilter asked = *selection;
  for (int dim : {kCitizen, kStayCat, kSex, kAge}) {
    if (asked.allowed[dim].empty()) {
      asked.allowed[dim] = {"_T"};
    }
  }
  CellLineView cell;
  if (summary->origin != flags.origin || summary->period != flags.period ||
      !CellLineView::Parse(summary->cell_line, &cell) || !asked.Matches(cell)) {
    return console.Fail(absl::DataLossError(
        absl::StrCat("the node's proof is of another cell (", summary->cell_line, ") than ",
                     flags.origin, " ", flags.period, " asked for; nothing written")));
  }
  absl::Status written = WriteProofFiles(*files, flags.out);
  if (!written.ok()) {
    return console.Fail(written);
  }
  console.out() << "wrote the proof of "
                << (summary->opened_line.empty()
                        ? summary->cell_line
                        : absl::StrCat(summary->opened_line, " (sealed; cell.opening opens it)"))
                << " to " << flags.out << "/ (" << summary->origin << " log size "
                << summary->log_size << ", cosigned by "
                << (summary->cosigners.empty() ? "no witness"
                                               : absl::StrJoin(summary->cosigners, " "))
                << "); check it with: bash " << flags.out << "/verify.sh " << anchor->bundle_key_id
                << "\n";
  return kExitOk;
}

void AddProveFlags(CLI::App* prove, ProveFlags* flags) {
  CLI::Option* config = AddClientFlags(prove, &flags->client, /*required=*/false);
  CLI::Option* data_dir = AddFlag(prove, "--data-dir", &flags->data_dir, "DIR",
                                  "build it offline from a data folder (no --config)")
                              ->excludes(config);
  AddFlag(prove, "--origin", &flags->origin, "CC", "the state that reported the cell")->required();
  AddFlag(prove, "--period", &flags->period, "P", "its TIME_PERIOD")->required();
  AddRepeatedFlag(prove, "--cell", &flags->cells, "COL=code",
                  "the cell (repeatable); CITIZEN, STAY_CAT, SEX\nand AGE not named are _T");
  CLI::Option* bundle = AddFlag(prove, "--trust-bundle", &flags->trust_bundle, "FILE",
                                "with --data-dir: the signed trust bundle");
  CLI::Option* key = AddFlag(prove, "--bundle-pubkey", &flags->bundle_pubkey, "FILE",
                             "with --data-dir: the key that signs it");
  data_dir->needs(bundle)->needs(key);
  bundle->needs(data_dir);
  key->needs(data_dir);
  AddFlag(prove, "--quorum", &flags->quorum, "N",
          "cosignatures the checkpoint needs (default: the\nbundle's witness quorum)");
  AddFlag(prove, "--out", &flags->out, "DIR", "folder to write the proof into")->required();
}

}  // namespace

void AddProveCommand(CLI::App* app, Commands* commands) {
  AddCommand<ProveFlags>(app, commands, "prove", kProveHelp, AddProveFlags, RunProve);
}

}  // namespace ots
