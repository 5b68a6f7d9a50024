// ots-ctl prove: the proof of one cell and a verify.sh that checks it with openssl alone, built
// offline from a data folder or fetched from a node.
#include "node/cli/prove_command.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "node/cli/command.h"
#include "node/log/origin_log.h"
#include "node/query/query.h"

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
    "The cell's line and inclusion proof, the signed header and its inclusion proof in a signed\n"
    "checkpoint, the origin's key, and verify.sh, which needs only openssl and coreutils.\n"
    "Offline from a data folder (--data-dir, with the origin's --log-pubkey), or fetched from a\n"
    "node (--config).\n";

struct ProveFlags {
  ClientFlags client;
  std::string data_dir;
  std::string origin;
  std::string period;
  std::vector<std::string> cells;
  std::string log_pubkey;
  std::string out;
};

// The proof, built from the data folder with the origin's key from --log-pubkey.
absl::StatusOr<ProofFiles> FolderProof(Store& store, const ProveFlags& flags,
                                       const CellFilter& selection) {
  OTS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::LoadPemFile(flags.log_pubkey));
  OTS_ASSIGN_OR_RETURN(std::string federation, FolderFederation(store));
  OriginLogs logs(&store, federation);
  return BuildCellProof(logs, flags.origin, flags.period, selection, absl::MakeConstSpan(&key, 1));
}

// The proof, as the node builds it.
absl::StatusOr<ProofFiles> NodeProof(NodeClient& node, const ProveFlags& flags) {
  v1::ProveRequest request;
  request.set_origin(flags.origin);
  request.set_period(flags.period);
  AddWireFilters(flags.cells, request.mutable_cell());
  OTS_ASSIGN_OR_RETURN(v1::ProveResponse response, node.Prove(request));
  ProofFiles files;
  for (const v1::ProofFile& f : response.files()) {
    files[f.name()] = f.contents();
  }
  return files;
}

int RunProve(const Console& console, const ProveFlags& flags) {
  DataSource source;
  if (int exit_code = OpenDataSource(console, flags.client, flags.data_dir, &source);
      exit_code != kExitOk) {
    return exit_code;
  }
  absl::StatusOr<ProofFiles> files;
  if (source.node != nullptr) {
    files = NodeProof(*source.node, flags);
  } else {  // checked here; a node checks the selection itself
    absl::StatusOr<CellFilter> selection = ParseCellFilter(flags.cells);
    if (!selection.ok()) {
      return console.Usage(selection.status().message());
    }
    files = FolderProof(*source.store, flags, *selection);
  }
  if (!files.ok()) {
    return source.Fail(console, files.status());
  }
  absl::Status written = WriteProofFiles(*files, flags.out);
  if (!written.ok()) {
    return console.Fail(written);
  }
  auto line = files->find("cell.line");
  console.out() << "wrote the proof of " << (line == files->end() ? "?" : line->second) << " to "
                << flags.out << "/; check it with: bash " << flags.out << "/verify.sh\n";
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
  data_dir->needs(AddFlag(prove, "--log-pubkey", &flags->log_pubkey, "FILE",
                          "with --data-dir: the origin's log public key")
                      ->needs(data_dir));
  AddFlag(prove, "--out", &flags->out, "DIR", "folder to write the proof into")->required();
}

}  // namespace

void AddProveCommand(CLI::App* app, Commands* commands) {
  AddCommand<ProveFlags>(app, commands, "prove", kProveHelp, AddProveFlags, RunProve);
}

}  // namespace ots
