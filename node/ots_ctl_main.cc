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
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/status_macros.h"
#include "node/audit.h"
#include "node/clock.h"
#include "node/codes.h"
#include "node/config.h"
#include "node/prove.h"
#include "node/publisher.h"
#include "node/query.h"
#include "node/return_csv.h"
#include "node/store.h"

namespace ots {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(usage: ots-ctl <command> [flags]

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
  audit   --data-dir DIR --log-pubkey CC=FILE [--log-pubkey CC=FILE]...
          Re-verifies every header signature, cells root, checkpoint and the consistency of
          every origin's log against the given public keys.
  prove   --data-dir DIR --origin CC --period P --cell COL=code [--cell COL=code]...
          --log-pubkey FILE --out DIR
          Writes the proof of one cell and a verify.sh that checks it with openssl alone.

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
  Store::Options options;
  options.create_if_missing = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(config->data_dir(), options);
  if (!store.ok()) {
    return Fail(store.status());
  }
  SystemClock clock;
  Publisher publisher(store->get(), &*key, &clock);
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

int Query(const Args& args) {
  absl::StatusOr<CellFilter> filter = ParseCellFilter(args.All("filter"));
  if (!filter.ok()) {
    return Usage(filter.status().message());
  }
  absl::StatusOr<TableFormat> format =
      ParseTableFormat(args.Has("format") ? args.Get("format") : "table");
  if (!format.ok()) {
    return Usage(format.status().message());
  }
  if (!args.Has("data-dir")) {
    return Usage("query needs --data-dir");
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
absl::StatusOr<std::map<std::string, PublicKey>> TrustedKeys(const Args& args) {
  std::map<std::string, PublicKey> keys;
  for (const std::string& spec : args.All("log-pubkey")) {
    std::vector<std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || !IsFederationState(parts[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("--log-pubkey \"", spec, "\": expected CC=FILE, CC a federation state"));
    }
    OTS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::LoadPemFile(parts[1]));
    keys.emplace(parts[0], std::move(key));
  }
  return keys;
}

int Audit(const Args& args) {
  if (!args.Has("data-dir") || !args.Has("log-pubkey")) {
    return Usage("audit needs --data-dir and at least one --log-pubkey CC=FILE");
  }
  absl::StatusOr<std::map<std::string, PublicKey>> keys = TrustedKeys(args);
  if (!keys.ok()) {
    return Fail(keys.status(), kExitUsage);
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenExisting(args);
  if (!store.ok()) {
    std::cerr << "AUDIT FAILED: " << store.status().message() << "\n";
    return kExitRejected;
  }
  std::vector<std::string> report;
  absl::Status s = AuditStore(**store, *keys, &report);
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
  absl::StatusOr<ProofFiles> files =
      BuildCellProof(**store, args.Get("origin"), args.Get("period"), *selection, *key);
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
      {"import", {{"config", "data-dir", "origin", "log-key"}, {"dry-run"}, Import}},
      {"query", {{"data-dir", "filter", "totals-by", "format"}, {}, Query}},
      {"audit", {{"data-dir", "log-pubkey"}, {}, Audit}},
      {"prove", {{"data-dir", "origin", "period", "cell", "log-pubkey", "out"}, {}, Prove}},
  };
  auto it = commands.find(command);
  if (it == commands.end()) {
    return Usage(absl::StrCat("unknown command \"", command, "\""));
  }
  absl::StatusOr<Args> args = ParseArgs(argc, argv, it->second.flags, it->second.booleans);
  if (!args.ok()) {
    return Usage(args.status().message());
  }
  if (command != "import" && !args->positional.empty()) {
    return Usage(absl::StrCat("unexpected argument \"", args->positional[0], "\""));
  }
  return it->second.run(*args);
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
