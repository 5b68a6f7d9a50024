// ots-ctl: the operator, Secretariat and auditor command line. This file only parses flags,
// reads and writes files, and wires the libraries together.
//
// Exit codes: 0 ok; 1 rejected input or a failed check; 2 usage; 3 unreachable or denied.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "google/protobuf/text_format.h"
#include "node/base/clock.h"
#include "node/cli/ots_ctl.h"
#include "node/log/checkpoint.h"
#include "node/log/evidence.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/model/codes.h"
#include "node/model/return_csv.h"
#include "node/model/return_header.h"
#include "node/query/audit.h"
#include "node/query/consolidate.h"
#include "node/query/prove.h"
#include "node/query/query.h"
#include "node/rpc/client.h"
#include "node/store/store.h"
#include "node/trust/config.h"
#include "node/trust/directory.h"
#include "node/trust/pki.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

constexpr char kUsage[] = R"(usage: ots-ctl <command> [flags]

Federation set-up:
  pki init --out DIR [--states AZ,KZ,KG,TR,UZ,HU,TM] [--secretariat] [--host H]
           [--base-port N] [--endpoint CC=HOST:PORT]... [--days N]
           Writes a federation CA; for each member its node, operator and auditor TLS
           certificates, log and witness keys and ready configurations (DIR/az/node.textproto,
           operator.textproto, auditor.textproto); and the signed trust bundle
           (DIR/federation/). Endpoints: the Secretariat at H:N, states at H:N+1, N+2, ... in
           the order given (default 127.0.0.1:7400). Private keys are mode 0600.

  bundle show --bundle FILE --key BUNDLE.pub.pem
           Verifies a signed trust bundle and prints it as protobuf text.
  bundle sign --in BUNDLE.textproto --key BUNDLE.key --out FILE
           Validates a trust bundle written as protobuf text and signs it (DSSE JSON).

Network commands (CLIENT: a client configuration written by `pki init`; --node HOST:PORT
overrides its node_address):
  submit   --config CLIENT [--node HOST:PORT] FILE
           Sends a return to the caller's own state node, which validates, signs and stores it.
           Prints the stored revision, its log entry and the signed checkpoint.
  validate --config CLIENT [--node HOST:PORT] FILE
           Dry run: the node checks the return and reports every problem; nothing is stored.
  query    --config CLIENT [--node HOST:PORT] [--filter ...] [--totals-by ...] [--format F]
           As the offline query, over the origins that share their data with the caller.
  query    --config CLIENT [--node HOST:PORT] --consolidated --period P [--stay-cat C]
           [--sex S] [--age A] [--at CC=N[,CC=N]...] [--format F]
           As the offline consolidated table, over the origins that share with the caller.
  status   --config CLIENT [--node HOST:PORT]
           The node's identity, how it sees the caller, and each visible origin's log size
           and latest checkpoint.
  prove    --config CLIENT [--node HOST:PORT] --origin CC --period P --cell COL=code...
           --out DIR
           Fetches the proof of one cell from the node and writes it with verify.sh.

Offline commands (work on a node's data folder):
  keygen  --out PREFIX
          Writes an Ed25519 key pair: PREFIX.key (private, mode 0600) and PREFIX.pub.
  import  (--config NODE.textproto | --data-dir DIR --origin CC --log-key FILE) [--dry-run] FILE
          Validates a return (SDMX-CSV or plain CSV), signs it with the log key and appends it
          as the next revision of its period. --dry-run only validates. Paths in a
          --config file are relative to its folder.
  query   --data-dir DIR [--filter COL=code[,code]]... [--totals-by COL[,COL]] [--format F]
          Cells of the current view matching every filter, or with --totals-by their sums.
          F: table (default), csv, json.
  query   --data-dir DIR --consolidated --period P [--stay-cat C] [--sex S] [--age A]
          [--at CC=N[,CC=N]...] [--format F]
          The consolidated table of one period and category (C, S, A default _T): reporting
          states x citizenships, each figure one reported cell, with row and column totals and
          the checkpoints it was computed at. --at takes origins at those log sizes instead of
          their latest checkpoint; the table prints the --at that recomputes it exactly.
  audit   --data-dir DIR (--trust-bundle FILE --bundle-pubkey FILE | --log-pubkey CC=FILE...)
          Re-verifies every header signature, cells root, checkpoint and the consistency of
          every origin's log against the given public keys (or every origin's key in the
          trust bundle, verified with the federation's key), and any evidence of a split
          view the node keeps; fails if one is proven.
  prove   --data-dir DIR --origin CC --period P --cell COL=code [--cell COL=code]...
          --log-pubkey FILE --out DIR
          Writes the proof of one cell and a verify.sh that checks it with openssl alone.

  log     --data-dir DIR [--origin CC]
          Lists every entry of the origin logs: index, period, revision, cells, value sum,
          cells root, created-at.

Exit codes: 0 ok, 1 rejected input or failed check, 2 usage, 3 unreachable or denied.
)";

// Flags of one command: repeated flags keep every value; positionals in order.
struct Args {
  std::map<std::string, std::vector<std::string>> flags;
  std::vector<std::string> positional;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::string Get(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? "" : it->second.back();
  }
  std::vector<std::string> All(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::vector<std::string>() : it->second;
  }
};

absl::StatusOr<Args> ParseArgs(int argc, char** argv, const std::vector<std::string>& known,
                               const std::vector<std::string>& booleans) {
  Args args;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (!absl::StartsWith(a, "--")) {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    size_t eq = name.find('=');
    bool is_bool = std::find(booleans.begin(), booleans.end(), name) != booleans.end();
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (!is_bool) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    if (std::find(known.begin(), known.end(), name) == known.end() &&
        std::find(booleans.begin(), booleans.end(), name) == booleans.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    args.flags[name].push_back(value);
  }
  return args;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(path, ": read failed"));
  }
  return s.str();
}

absl::Status WriteFile(const std::string& path, absl::string_view contents, mode_t mode) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  bool ok = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || chmod(path.c_str(), mode) != 0) {
    return absl::DataLossError(absl::StrCat(path, ": write failed"));
  }
  return absl::OkStatus();
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  return path.empty() || path[0] == '/' ? path : base_dir + "/" + path;
}

int Fail(const absl::Status& s, int code = kExitRejected) {
  std::cerr << "ots-ctl: " << s.message() << "\n";
  return code;
}

int Usage(absl::string_view message) {
  std::cerr << "ots-ctl: " << message << "\n\n" << kUsage;
  return kExitUsage;
}

int Keygen(const Args& args) {
  if (!args.Has("out")) {
    return Usage("keygen needs --out PREFIX");
  }
  const std::string prefix = args.Get("out");
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  if (!key.ok()) {
    return Fail(key.status());
  }
  absl::Status s = key->SavePemFile(prefix + ".key");
  if (s.ok()) {
    s = WritePublicFile(prefix + ".pub", key->public_key().ToPem());
  }
  if (!s.ok()) {
    return Fail(s);
  }
  std::cout << "wrote " << prefix << ".key and " << prefix << ".pub (key id "
            << key->public_key().KeyId() << ")\n";
  return kExitOk;
}

// The node settings an offline command needs, from --config or from flags.
absl::StatusOr<v1::NodeConfig> NodeSettings(const Args& args, bool need_key) {
  v1::NodeConfig config;
  if (args.Has("config")) {
    const std::string path = args.Get("config");
    OTS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    OTS_ASSIGN_OR_RETURN(config, ParseNodeConfig(path, text));
    config.set_data_dir(Resolve(DirName(path), config.data_dir()));
    config.set_log_key_file(Resolve(DirName(path), config.log_key_file()));
  }
  if (args.Has("data-dir")) {
    config.set_data_dir(args.Get("data-dir"));
  }
  if (args.Has("origin")) {
    config.set_origin(args.Get("origin"));
  }
  if (args.Has("log-key")) {
    config.set_log_key_file(args.Get("log-key"));
  }
  if (config.data_dir().empty()) {
    return absl::InvalidArgumentError("no data folder: give --config or --data-dir");
  }
  if (need_key && (config.log_key_file().empty() || config.origin().empty())) {
    return absl::InvalidArgumentError("give --config, or --origin and --log-key");
  }
  if (!config.origin().empty() && !IsFederationState(config.origin())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "origin \"", config.origin(), "\" is not a federation state (AZ KZ KG TR UZ HU TM)"));
  }
  return config;
}

// The federation whose logs a data folder holds: --federation, or the trust bundle a --config
// node configuration names, or what the folder itself records.
absl::StatusOr<std::string> FederationOf(const Args& args, Store& store) {
  if (args.Has("federation")) {
    return args.Get("federation");
  }
  if (args.Has("config")) {
    OTS_ASSIGN_OR_RETURN(v1::NodeConfig config, LoadNodeConfig(args.Get("config")));
    if (!config.trust_bundle_file().empty() && !config.bundle_public_key_file().empty()) {
      OTS_ASSIGN_OR_RETURN(PublicKey anchor,
                           PublicKey::LoadPemFile(config.bundle_public_key_file()));
      OTS_ASSIGN_OR_RETURN(std::string text, ReadFile(config.trust_bundle_file()));
      OTS_ASSIGN_OR_RETURN(v1::TrustBundle bundle,
                           VerifyTrustBundle(config.trust_bundle_file(), text, anchor));
      return bundle.federation();
    }
  }
  absl::StatusOr<std::string> bound = store.GetMeta(kFederationMeta);
  if (absl::IsNotFound(bound.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat(store.where(),
                     " does not say which federation its logs belong to: give --federation NAME"));
  }
  return bound;
}

int Import(const Args& args) {
  if (args.positional.size() != 1) {
    return Usage("import needs exactly one return file");
  }
  const bool dry_run = args.Has("dry-run");
  absl::StatusOr<v1::NodeConfig> config = NodeSettings(args, !dry_run);
  if (!config.ok()) {
    return Usage(config.status().message());
  }
  const std::string& file = args.positional[0];
  absl::StatusOr<std::string> contents = ReadFile(file);
  if (!contents.ok()) {
    return Fail(contents.status());
  }
  std::vector<std::string> problems;
  absl::StatusOr<ParsedReturn> ret = ParseReturnCsv(file, *contents, config->origin(), &problems);
  if (!ret.ok()) {
    for (const std::string& p : problems) {
      std::cerr << p << "\n";
    }
    std::cerr << "ots-ctl: " << file << " rejected: " << problems.size()
              << (problems.size() == 1 ? " problem" : " problems") << ", nothing stored\n";
    return kExitRejected;
  }
  if (dry_run) {
    std::cout << file << ": valid return of " << ret->origin << " for " << ret->period << ", "
              << ret->lines.size() << " cells, value sum " << ret->value_sum << "\n";
    return kExitOk;
  }
  absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(config->log_key_file());
  if (!key.ok()) {
    return Fail(key.status());
  }
  // A new data folder is created only once the federation of its log is known.
  Store::Options options;
  options.create_if_missing = args.Has("federation") || args.Has("config");
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(config->data_dir(), options);
  if (absl::IsNotFound(store.status()) && !options.create_if_missing) {
    return Usage(absl::StrCat(config->data_dir(),
                              " holds no log yet: the first import names its federation with "
                              "--federation NAME"));
  }
  if (!store.ok()) {
    return Fail(store.status());
  }
  absl::StatusOr<std::string> federation = FederationOf(args, **store);
  if (!federation.ok()) {
    return Fail(federation.status(), kExitUsage);
  }
  SystemClock clock;
  OriginLogs logs(store->get(), *federation);
  Publisher publisher(&logs, &*key, &clock);
  absl::StatusOr<PublishResult> result = publisher.Publish(*ret);
  if (!result.ok()) {
    return Fail(result.status());
  }
  const v1::ReturnHeader& h = result->header;
  std::cout << "imported " << h.origin() << " " << h.period() << " revision " << h.revision()
            << ": " << h.cell_count() << " cells, value sum " << h.value_sum() << ", cells root "
            << HexEncode(h.cells_root()) << "; log entry " << result->log_index
            << ", checkpoint size " << result->log_index + 1 << "\n";
  return kExitOk;
}

absl::StatusOr<std::unique_ptr<Store>> OpenExisting(const Args& args) {
  if (!args.Has("data-dir")) {
    return absl::InvalidArgumentError("--data-dir is required");
  }
  Store::Options options;
  options.read_only = true;
  return Store::Open(args.Get("data-dir"), options);
}

int RemoteQuery(const Args& args, TableFormat format);
int RemoteProve(const Args& args);
int WriteProofFiles(const ProofFiles& files, const std::string& out);

int Consolidated(const Args& args);

int Query(const Args& args) {
  if (args.Has("consolidated")) {
    return Consolidated(args);
  }
  for (const char* flag : {"period", "stay-cat", "sex", "age", "at"}) {
    if (args.Has(flag)) {
      return Usage(absl::StrCat("--", flag, " belongs to query --consolidated"));
    }
  }
  absl::StatusOr<CellFilter> filter = ParseCellFilter(args.All("filter"));
  if (!filter.ok()) {
    return Usage(filter.status().message());
  }
  absl::StatusOr<TableFormat> format =
      ParseTableFormat(args.Has("format") ? args.Get("format") : "table");
  if (!format.ok()) {
    return Usage(format.status().message());
  }
  if (args.Has("config")) {
    return RemoteQuery(args, *format);
  }
  if (!args.Has("data-dir")) {
    return Usage("query needs --config CLIENT or --data-dir DIR");
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenExisting(args);
  if (!store.ok()) {
    return Fail(store.status());
  }
  absl::StatusOr<Table> table;
  if (args.Has("totals-by")) {
    absl::StatusOr<std::vector<int>> columns = ParseColumnList(args.Get("totals-by"));
    if (!columns.ok()) {
      return Usage(columns.status().message());
    }
    table = QueryTotals(**store, *filter, *columns);
  } else {
    table = QueryCells(**store, *filter);
  }
  if (!table.ok()) {
    return Fail(table.status());
  }
  std::cout << RenderTable(*table, *format);
  for (const std::string& note : table->notes) {
    std::cerr << "note: " << note << "\n";
  }
  return kExitOk;
}

// --log-pubkey CC=FILE flags as trusted keys.
absl::StatusOr<TrustedLogs> TrustedKeys(const Args& args, Store& store) {
  TrustedLogs trusted;
  std::map<std::string, std::vector<PublicKey>>& keys = trusted.keys;
  if (args.Has("trust-bundle") || args.Has("bundle-pubkey")) {
    // Every origin's log key from a trust bundle verified against the federation's key.
    if (!args.Has("trust-bundle") || !args.Has("bundle-pubkey")) {
      return absl::InvalidArgumentError("--trust-bundle and --bundle-pubkey go together");
    }
    OTS_ASSIGN_OR_RETURN(PublicKey anchor, PublicKey::LoadPemFile(args.Get("bundle-pubkey")));
    OTS_ASSIGN_OR_RETURN(std::string text, ReadFile(args.Get("trust-bundle")));
    OTS_ASSIGN_OR_RETURN(v1::TrustBundle bundle,
                         VerifyTrustBundle(args.Get("trust-bundle"), text, anchor));
    Directory directory(bundle);
    trusted.federation = directory.federation();
    for (const v1::Member& m : bundle.members()) {
      if (!directory.LogKeys(m.code()).empty()) {
        keys[m.code()] = directory.LogKeys(m.code());
      }
    }
  }
  for (const std::string& spec : args.All("log-pubkey")) {
    std::vector<std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || !IsFederationState(parts[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("--log-pubkey \"", spec, "\": expected CC=FILE, CC a federation state"));
    }
    OTS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::LoadPemFile(parts[1]));
    keys[parts[0]].push_back(std::move(key));
  }
  if (trusted.federation.empty()) {
    OTS_ASSIGN_OR_RETURN(trusted.federation, FederationOf(args, store));
  }
  return trusted;
}

int Audit(const Args& args) {
  if (!args.Has("data-dir") || (!args.Has("log-pubkey") && !args.Has("trust-bundle"))) {
    return Usage(
        "audit needs --data-dir and --trust-bundle FILE --bundle-pubkey FILE or at least one "
        "--log-pubkey CC=FILE");
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenExisting(args);
  if (!store.ok()) {
    std::cerr << "AUDIT FAILED: " << store.status().message() << "\n";
    return kExitRejected;
  }
  absl::StatusOr<TrustedLogs> keys = TrustedKeys(args, **store);
  if (!keys.ok()) {
    return Fail(keys.status(), kExitUsage);
  }
  std::vector<std::string> report;
  absl::Status s = AuditStore(**store, *keys, &report);
  if (s.code() == absl::StatusCode::kAborted) {
    // The folder is intact, but it proves that an origin misbehaved.
    for (const std::string& line : report) {
      std::cout << line << "\n";
    }
    std::cerr << "AUDIT FAILED: " << s.message() << "\n";
    return kExitRejected;
  }
  if (!s.ok()) {
    std::cerr << "AUDIT FAILED: " << s.message() << "\n";
    return kExitRejected;
  }
  for (const std::string& line : report) {
    std::cout << line << "\n";
  }
  std::cout << "audit passed: every header signature, cells root, checkpoint signature and "
               "log consistency check holds\n";
  return kExitOk;
}

int Prove(const Args& args) {
  if (args.Has("config")) {
    return RemoteProve(args);
  }
  for (const char* flag : {"data-dir", "origin", "period", "log-pubkey", "out"}) {
    if (!args.Has(flag)) {
      return Usage(absl::StrCat("prove needs --", flag));
    }
  }
  absl::StatusOr<CellFilter> selection = ParseCellFilter(args.All("cell"));
  if (!selection.ok()) {
    return Usage(selection.status().message());
  }
  absl::StatusOr<PublicKey> key = PublicKey::LoadPemFile(args.Get("log-pubkey"));
  if (!key.ok()) {
    return Fail(key.status());
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenExisting(args);
  if (!store.ok()) {
    return Fail(store.status());
  }
  absl::StatusOr<std::string> federation = FederationOf(args, **store);
  if (!federation.ok()) {
    return Fail(federation.status());
  }
  OriginLogs logs(store->get(), *federation);
  absl::StatusOr<ProofFiles> files = BuildCellProof(logs, args.Get("origin"), args.Get("period"),
                                                    *selection, absl::MakeConstSpan(&*key, 1));
  if (!files.ok()) {
    return Fail(files.status());
  }
  const std::string out = args.Get("out");
  if (mkdir(out.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(absl::PermissionDeniedError(absl::StrCat(out, ": ", std::strerror(errno))));
  }
  for (const auto& [name, contents] : *files) {
    absl::Status s = WriteFile(out + "/" + name, contents, name == "verify.sh" ? 0755 : 0644);
    if (!s.ok()) {
      return Fail(s);
    }
  }
  std::cout << "wrote the proof of " << (*files)["cell.line"] << " to " << out
            << "/; check it with: bash " << out << "/verify.sh\n";
  return kExitOk;
}

// Exit code for a failed network call: the node's verdict on our input is 1; not reaching it,
// or being refused by it, is 3.
int FailCall(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return Fail(s, kExitUnreachable);
    default:
      return Fail(s, kExitRejected);
  }
}

// Connects as the client configuration of --config says. On failure returns the exit code
// in `out_exit`.
std::unique_ptr<NodeClient> ConnectFromArgs(const Args& args, int* out_exit) {
  absl::StatusOr<v1::ClientConfig> config = LoadClientConfig(args.Get("config"));
  if (!config.ok()) {
    *out_exit = Fail(config.status(), kExitUsage);
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<NodeClient>> client =
      NodeClient::Connect(*config, args.Get("node"), absl::Seconds(10));
  if (!client.ok()) {
    *out_exit = absl::IsUnavailable(client.status()) ? Fail(client.status(), kExitUnreachable)
                                                     : Fail(client.status(), kExitUsage);
    return nullptr;
  }
  return std::move(*client);
}

// Shows the bytes sent so far on a terminal; silent when stderr is a file or pipe.
class ProgressLine {
 public:
  ProgressLine() : tty_(isatty(STDERR_FILENO) == 1) {}
  void Update(uint64_t sent, uint64_t total) {
    if (!tty_) {
      return;
    }
    const int percent = total == 0 ? 100 : static_cast<int>(sent * 100 / total);
    if (percent == last_percent_) {
      return;
    }
    last_percent_ = percent;
    std::fprintf(stderr, "\rsending %.1f of %.1f MiB (%d%%)%s", sent / 1048576.0, total / 1048576.0,
                 percent, sent == total ? "; the node is validating and storing...\n" : "");
    std::fflush(stderr);
  }

 private:
  const bool tty_;
  int last_percent_ = -1;
};

int SubmitOrValidate(const Args& args, bool dry_run) {
  if (!args.Has("config") || args.positional.size() != 1) {
    return Usage(absl::StrCat(dry_run ? "validate" : "submit",
                              " needs --config CLIENT and exactly one return file"));
  }
  const std::string& file = args.positional[0];
  absl::StatusOr<std::string> contents = ReadFile(file);
  if (!contents.ok()) {
    return Fail(contents.status());
  }
  int exit_code = 0;
  std::unique_ptr<NodeClient> client = ConnectFromArgs(args, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  ProgressLine progress;
  std::string name = file.substr(file.rfind('/') + 1);
  absl::StatusOr<v1::SubmitResponse> r =
      client->Submit(name, *contents, dry_run,
                     [&](uint64_t sent, uint64_t total) { progress.Update(sent, total); });
  if (!r.ok()) {
    return FailCall(r.status());
  }
  if (dry_run) {
    std::cout << file << ": valid return of " << r->origin() << " for " << r->period() << ", "
              << r->cell_count() << " cells, value sum " << r->value_sum() << " (nothing stored)\n";
    return kExitOk;
  }
  const v1::ReturnHeader& h = r->header();
  std::cout << "submitted " << h.origin() << " " << h.period() << " revision " << h.revision()
            << ": " << h.cell_count() << " cells, value sum " << h.value_sum() << ", cells root "
            << HexEncode(h.cells_root()) << "; log entry " << r->log_index() << ", checkpoint size "
            << r->log_index() + 1 << "\n"
            << r->checkpoint_note();
  return kExitOk;
}

int Submit(const Args& args) { return SubmitOrValidate(args, /*dry_run=*/false); }
int Validate(const Args& args) { return SubmitOrValidate(args, /*dry_run=*/true); }

// --filter and --cell flags in their wire form.
void AddFilters(const std::vector<std::string>& specs,
                google::protobuf::RepeatedPtrField<v1::ColumnFilter>* out) {
  for (const std::string& spec : specs) {
    size_t eq = spec.find('=');
    v1::ColumnFilter* f = out->Add();
    f->set_column(spec.substr(0, eq));
    if (eq != std::string::npos) {
      for (absl::string_view code : absl::StrSplit(spec.substr(eq + 1), ',')) {
        f->add_codes(std::string(code));
      }
    }
  }
}

int RemoteQuery(const Args& args, TableFormat format) {
  int exit_code = 0;
  std::unique_ptr<NodeClient> client = ConnectFromArgs(args, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  v1::CellsRequest request;
  AddFilters(args.All("filter"), request.mutable_filters());
  if (args.Has("totals-by")) {
    for (absl::string_view c : absl::StrSplit(args.Get("totals-by"), ',', absl::SkipEmpty())) {
      request.add_totals_by(std::string(c));
    }
  }
  absl::StatusOr<Table> table = client->Cells(request);
  if (!table.ok()) {
    return FailCall(table.status());
  }
  std::cout << RenderTable(*table, format);
  for (const std::string& note : table->notes) {
    std::cerr << "note: " << note << "\n";
  }
  return kExitOk;
}

// query --consolidated, offline (--data-dir: every origin in the folder) or from a node
// (--config: the origins that share with the caller).
int Consolidated(const Args& args) {
  if (args.Has("filter") || args.Has("totals-by")) {
    return Usage("query --consolidated takes no --filter or --totals-by");
  }
  if (!args.Has("period")) {
    return Usage("query --consolidated needs --period P");
  }
  absl::StatusOr<TableFormat> format =
      ParseTableFormat(args.Has("format") ? args.Get("format") : "table");
  if (!format.ok()) {
    return Usage(format.status().message());
  }
  v1::ConsolidatedRequest request;
  request.set_period(args.Get("period"));
  request.set_stay_cat(args.Has("stay-cat") ? args.Get("stay-cat") : "_T");
  request.set_sex(args.Has("sex") ? args.Get("sex") : "_T");
  request.set_age(args.Has("age") ? args.Get("age") : "_T");
  for (const std::string& spec : args.All("at")) {
    absl::StatusOr<std::map<std::string, uint64_t>> sizes = ParseAtSizes(spec);
    if (!sizes.ok()) {
      return Usage(sizes.status().message());
    }
    for (const auto& [origin, size] : *sizes) {
      if (!request.mutable_at_sizes()->insert({origin, size}).second) {
        return Usage(absl::StrCat("--at names ", origin, " twice"));
      }
    }
  }
  absl::Status valid = ValidateConsolidatedRequest(request);
  if (!valid.ok()) {
    return Usage(valid.message());
  }
  absl::StatusOr<v1::ConsolidatedResponse> table;
  if (args.Has("config")) {
    int exit_code = 0;
    std::unique_ptr<NodeClient> client = ConnectFromArgs(args, &exit_code);
    if (client == nullptr) {
      return exit_code;
    }
    table = client->Consolidated(request);
    if (!table.ok()) {
      return FailCall(table.status());
    }
  } else if (args.Has("data-dir")) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenExisting(args);
    if (!store.ok()) {
      return Fail(store.status());
    }
    absl::StatusOr<std::string> federation = FederationOf(args, **store);
    if (!federation.ok()) {
      return Fail(federation.status());
    }
    OriginLogs logs(store->get(), *federation);
    table = Consolidate(logs, request, [](absl::string_view) { return true; });
    if (!table.ok()) {
      return Fail(table.status());
    }
  } else {
    return Usage("query --consolidated needs --config CLIENT or --data-dir DIR");
  }
  std::cout << RenderConsolidated(*table, *format);
  if (*format == TableFormat::kCsv) {
    // The CSV holds figures only; what a reader must know goes to stderr, as for query.
    for (const std::string& note : table->notes()) {
      std::cerr << "note: " << note << "\n";
    }
    if (table->checkpoints_size() > 0) {
      std::cerr << "note: recompute exactly with --at " << FormatAtSizes(*table) << "\n";
    }
  }
  return kExitOk;
}

int Status(const Args& args) {
  if (!args.Has("config")) {
    return Usage("status needs --config CLIENT");
  }
  int exit_code = 0;
  std::unique_ptr<NodeClient> client = ConnectFromArgs(args, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  absl::StatusOr<v1::StatusResponse> r = client->Status();
  if (!r.ok()) {
    return FailCall(r.status());
  }
  std::cout << "node        " << r->member() << " (" << r->role() << ") at " << client->address()
            << ", up since " << r->started_at() << "\n"
            << "federation  " << r->federation() << ", trust bundle version " << r->bundle_version()
            << "\n"
            << "you are     " << r->caller_member() << " " << r->caller_kind() << "\n";
  if (r->origins().empty()) {
    std::cout << "origins     none visible to you yet\n";
  }
  for (const v1::OriginStatus& o : r->origins()) {
    std::cout << "origin " << o.origin() << "   log size " << o.log_size() << ", checkpoint root "
              << CheckpointRootText(o.checkpoint_note()) << ", cosigned by "
              << (o.cosigned_by().empty() ? "none yet" : absl::StrJoin(o.cosigned_by(), " "))
              << "\n";
  }
  for (const v1::PeerStatus& p : r->peers()) {
    std::cout << absl::StrFormat("peer %-7s", p.member()) << p.endpoint() << " " << p.state();
    if (!p.last_success_at().empty()) {
      std::cout << ", last exchange " << p.last_success_at();
    }
    if (p.failures() > 0) {
      std::cout << ", " << p.failures() << " failures";
    }
    if (!p.last_error().empty()) {
      std::cout << ": " << p.last_error();
    }
    std::cout << "\n";
  }
  // A split view is the one thing an operator must not miss: say it last, loudly, and exit 1.
  for (const v1::Evidence& e : r->alarms()) {
    std::cout << "ALARM split view: " << DescribeEvidence(e) << "; " << e.origin()
              << " is frozen on this node\n";
  }
  return r->alarms().empty() ? kExitOk : kExitRejected;
}

int WriteProofFiles(const ProofFiles& files, const std::string& out) {
  if (mkdir(out.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(absl::PermissionDeniedError(absl::StrCat(out, ": ", std::strerror(errno))));
  }
  for (const auto& [name, contents] : files) {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("the node sent a proof file named \"", name, "\"; refusing to write it")));
    }
    absl::Status s = WriteFile(out + "/" + name, contents, name == "verify.sh" ? 0755 : 0644);
    if (!s.ok()) {
      return Fail(s);
    }
  }
  auto line = files.find("cell.line");
  std::cout << "wrote the proof of " << (line == files.end() ? "?" : line->second) << " to " << out
            << "/; check it with: bash " << out << "/verify.sh\n";
  return kExitOk;
}

int RemoteProve(const Args& args) {
  for (const char* flag : {"origin", "period", "out"}) {
    if (!args.Has(flag)) {
      return Usage(absl::StrCat("prove needs --", flag));
    }
  }
  int exit_code = 0;
  std::unique_ptr<NodeClient> client = ConnectFromArgs(args, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  v1::ProveRequest request;
  request.set_origin(args.Get("origin"));
  request.set_period(args.Get("period"));
  AddFilters(args.All("cell"), request.mutable_cell());
  absl::StatusOr<v1::ProveResponse> r = client->Prove(request);
  if (!r.ok()) {
    return FailCall(r.status());
  }
  ProofFiles files;
  for (const v1::ProofFile& f : r->files()) {
    files[f.name()] = f.contents();
  }
  return WriteProofFiles(files, args.Get("out"));
}

// Lists the origin logs of a data folder, one entry per line.
int Log(const Args& args) {
  if (!args.Has("data-dir")) {
    return Usage("log needs --data-dir");
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenExisting(args);
  if (!store.ok()) {
    return Fail(store.status());
  }
  std::vector<std::string> origins;
  if (args.Has("origin")) {
    origins.push_back(args.Get("origin"));
  } else {
    absl::StatusOr<std::vector<std::string>> all = (*store)->Origins();
    if (!all.ok()) {
      return Fail(all.status());
    }
    origins = *all;
  }
  std::cout << "origin,index,period,revision,cells,value_sum,cells_root,created_at\n";
  for (const std::string& origin : origins) {
    absl::StatusOr<std::vector<v1::LogEntry>> log = (*store)->ReadLog(origin);
    if (!log.ok()) {
      return Fail(log.status());
    }
    for (size_t i = 0; i < log->size(); ++i) {
      absl::StatusOr<v1::ReturnHeader> h = ParseReturnHeader((*log)[i].header().payload());
      if (!h.ok()) {
        return Fail(absl::DataLossError(
            absl::StrCat(origin, " log entry ", i, ": ", h.status().message())));
      }
      std::cout << origin << "," << i << "," << h->period() << "," << h->revision() << ","
                << h->cell_count() << "," << h->value_sum() << "," << HexEncode(h->cells_root())
                << "," << h->created_at() << "\n";
    }
  }
  return kExitOk;
}

int Pki(const Args& args) {
  if (args.positional.size() != 1 || args.positional[0] != "init") {
    return Usage("pki: the only subcommand is \"pki init\"");
  }
  if (!args.Has("out")) {
    return Usage("pki init needs --out DIR");
  }
  PkiOptions options;
  options.out_dir = args.Get("out");
  if (args.Has("states")) {
    options.states = absl::StrSplit(args.Get("states"), ',', absl::SkipEmpty());
  }
  options.secretariat = args.Has("secretariat");
  if (args.Has("host")) {
    options.host = args.Get("host");
  }
  if (args.Has("base-port") && (!absl::SimpleAtoi(args.Get("base-port"), &options.base_port) ||
                                options.base_port < 1 || options.base_port > 65000)) {
    return Usage("--base-port must be a port number below 65000");
  }
  int days = 365;
  if (args.Has("days") && (!absl::SimpleAtoi(args.Get("days"), &days) || days < 1)) {
    return Usage("--days must be a positive number");
  }
  options.validity = absl::Hours(24) * days;
  for (const std::string& spec : args.All("endpoint")) {
    std::vector<std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (parts.size() != 2) {
      return Usage(absl::StrCat("--endpoint \"", spec, "\": expected CC=HOST:PORT"));
    }
    options.endpoints[parts[0]] = parts[1];
  }
  SystemClock clock;
  std::vector<std::string> summary;
  absl::Status s = InitPki(options, clock, &summary);
  if (!s.ok()) {
    return Fail(s, absl::IsInvalidArgument(s) ? kExitUsage : kExitRejected);
  }
  for (const std::string& line : summary) {
    std::cout << "wrote " << line << "\n";
  }
  std::cout << "start a node with: ots-node --config " << options.out_dir
            << "/<cc>/node.textproto\n";
  return kExitOk;
}

int Bundle(const Args& args) {
  const std::string verb = args.positional.size() == 1 ? args.positional[0] : "";
  if (verb == "show") {
    if (!args.Has("bundle") || !args.Has("key")) {
      return Usage("bundle show needs --bundle FILE and --key BUNDLE.pub.pem");
    }
    absl::StatusOr<PublicKey> key = PublicKey::LoadPemFile(args.Get("key"));
    if (!key.ok()) {
      return Fail(key.status());
    }
    absl::StatusOr<std::string> text = ReadFile(args.Get("bundle"));
    if (!text.ok()) {
      return Fail(text.status());
    }
    absl::StatusOr<v1::TrustBundle> bundle = VerifyTrustBundle(args.Get("bundle"), *text, *key);
    if (!bundle.ok()) {
      return Fail(bundle.status());
    }
    std::string out;
    google::protobuf::TextFormat::PrintToString(*bundle, &out);
    std::cout << out;
    return kExitOk;
  }
  if (verb == "sign") {
    if (!args.Has("in") || !args.Has("key") || !args.Has("out")) {
      return Usage("bundle sign needs --in BUNDLE.textproto, --key BUNDLE.key and --out FILE");
    }
    absl::StatusOr<std::string> text = ReadFile(args.Get("in"));
    if (!text.ok()) {
      return Fail(text.status());
    }
    v1::TrustBundle bundle;
    if (!google::protobuf::TextFormat::ParseFromString(*text, &bundle)) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(args.Get("in"), ": not a TrustBundle in protobuf text format")));
    }
    absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(args.Get("key"));
    if (!key.ok()) {
      return Fail(key.status());
    }
    absl::StatusOr<std::string> signed_bundle = SignTrustBundle(bundle, *key);
    if (!signed_bundle.ok()) {
      return Fail(
          absl::Status(signed_bundle.status().code(),
                       absl::StrCat(args.Get("in"), ": ", signed_bundle.status().message())));
    }
    absl::Status s = WriteFile(args.Get("out"), *signed_bundle, 0644);
    if (!s.ok()) {
      return Fail(s);
    }
    std::cout << "signed trust bundle " << bundle.federation() << " version " << bundle.version()
              << " (" << bundle.members_size() << " members) with key " << key->public_key().KeyId()
              << " to " << args.Get("out") << "\n";
    return kExitOk;
  }
  return Usage("bundle: the subcommands are \"bundle show\" and \"bundle sign\"");
}

int Main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return argc < 2 ? kExitUsage : kExitOk;
  }
  const std::string command = argv[1];
  struct Command {
    std::vector<std::string> flags;
    std::vector<std::string> booleans;
    int (*run)(const Args&);
  };
  const std::map<std::string, Command> commands = {
      {"keygen", {{"out"}, {}, Keygen}},
      {"import", {{"config", "data-dir", "origin", "log-key", "federation"}, {"dry-run"}, Import}},
      {"query",
       {{"config", "node", "data-dir", "filter", "totals-by", "format", "period", "stay-cat", "sex",
         "age", "at"},
        {"consolidated"},
        Query}},
      {"audit", {{"data-dir", "log-pubkey", "trust-bundle", "bundle-pubkey"}, {}, Audit}},
      {"prove",
       {{"config", "node", "data-dir", "origin", "period", "cell", "log-pubkey", "out"},
        {},
        Prove}},
      {"submit", {{"config", "node"}, {}, Submit}},
      {"validate", {{"config", "node"}, {}, Validate}},
      {"status", {{"config", "node"}, {}, Status}},
      {"log", {{"data-dir", "origin"}, {}, Log}},
      {"bundle", {{"bundle", "key", "in", "out"}, {}, Bundle}},
      {"pki", {{"out", "states", "host", "base-port", "endpoint", "days"}, {"secretariat"}, Pki}},
  };
  auto it = commands.find(command);
  if (it == commands.end()) {
    return Usage(absl::StrCat("unknown command \"", command, "\""));
  }
  absl::StatusOr<Args> args = ParseArgs(argc, argv, it->second.flags, it->second.booleans);
  if (!args.ok()) {
    return Usage(args.status().message());
  }
  if (command != "import" && command != "submit" && command != "validate" && command != "pki" &&
      command != "bundle" && !args->positional.empty()) {
    return Usage(absl::StrCat("unexpected argument \"", args->positional[0], "\""));
  }
  return it->second.run(*args);
}

}  // namespace

int RunOtsCtl(int argc, char** argv) { return Main(argc, argv); }

}  // namespace ots
