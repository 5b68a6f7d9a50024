// ots-ctl import: a return validated, signed with the origin's log key and appended to its log in
// a data folder, offline (the node does the same for `submit`).
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "node/base/clock.h"
#include "node/base/text.h"
#include "node/cli/command.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/model/codes.h"
#include "node/model/return_csv.h"
#include "node/store/store.h"
#include "node/trust/config.h"
#include "node/trust/directory.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

// `ots-ctl import --help`; its first line is the summary in the list of commands.
constexpr char kImportHelp[] =
    "Validates, signs and stores a return in a data folder, offline.\n"
    "Validates a return (SDMX-CSV or plain CSV), signs it with the origin's log key and\n"
    "appends it as the next revision of its period. Give --config NODE.textproto, or\n"
    "--data-dir, --origin and --log-key (flags override the configuration); --dry-run only\n"
    "validates, and needs none of them. The first import into a new folder names its\n"
    "federation with --federation.\n";

struct ImportFlags {
  std::string config;
  std::string data_dir;
  std::string origin;
  std::string log_key;
  std::string federation;
  bool dry_run = false;
  std::string file;
};

// The node settings of an import: --config, then the flags over it. A data folder, a log key and
// an origin are needed unless it is a dry run.
absl::StatusOr<v1::NodeConfig> NodeSettings(const ImportFlags& flags) {
  v1::NodeConfig config;
  if (!flags.config.empty()) {
    absl::StatusOr<v1::NodeConfig> loaded = LoadNodeConfig(flags.config);
    if (!loaded.ok()) {
      return loaded.status();
    }
    config = *std::move(loaded);
  }
  if (!flags.data_dir.empty()) {
    config.set_data_dir(flags.data_dir);
  }
  if (!flags.origin.empty()) {
    config.set_origin(flags.origin);
  }
  if (!flags.log_key.empty()) {
    config.set_log_key_file(flags.log_key);
  }
  if (!flags.dry_run && config.data_dir().empty()) {
    return absl::InvalidArgumentError("no data folder: give --config or --data-dir");
  }
  if (!flags.dry_run && (config.log_key_file().empty() || config.origin().empty())) {
    return absl::InvalidArgumentError("give --config, or --origin and --log-key");
  }
  if (!config.origin().empty() && !IsFederationState(config.origin())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "origin ", Quoted(config.origin()), " is not a federation state (AZ KZ KG TR UZ HU TM)"));
  }
  return config;
}

// The bundle of `config`'s trust_bundle_file, or the newer one a node kept in `store`, each
// verified with the configuration's bundle key.
absl::StatusOr<std::unique_ptr<Directory>> NewestDirectory(const v1::NodeConfig& config,
                                                           Store& store) {
  absl::StatusOr<TrustAnchor> anchor =
      LoadTrustAnchor(config.trust_bundle_file(), config.bundle_public_key_file());
  if (!anchor.ok()) {
    return anchor.status();
  }
  auto directory = std::make_unique<Directory>(*std::move(anchor));
  absl::StatusOr<std::string> kept = store.GetMeta(kTrustBundleMeta);
  if (absl::IsNotFound(kept.status())) {
    return directory;
  }
  if (!kept.ok()) {
    return kept.status();
  }
  absl::StatusOr<bool> taken = directory->TakeIfNewer(
      *kept, absl::StrCat(config.data_dir(), " (the trust bundle kept there)"));
  if (!taken.ok()) {
    return taken.status();
  }
  return directory;
}

int RunImport(const Console& console, const ImportFlags& flags) {
  absl::StatusOr<v1::NodeConfig> config = NodeSettings(flags);
  if (!config.ok()) {
    return console.Usage(config.status().message());
  }
  // The file is read from disk in pieces and checked as it comes, with a node's size limit: a
  // file too large is refused by its size before a byte is read, garbage after its first line.
  const std::string shown = Printable(flags.file);
  const uint64_t max_bytes = MaxReturnBytes(*config);
  std::unique_ptr<ReturnCsvParser> parser;
  bool grew = false;
  absl::Status read = ReadFileInPieces(
      flags.file, size_t{1} << 20,
      [&](uint64_t size) {
        if (size > max_bytes) {
          return absl::OutOfRangeError(absl::StrCat(
              shown, ": ", size, " bytes; a return is at most ", max_bytes,
              " bytes (max_return_bytes of the node configuration); nothing was read"));
        }
        ReturnCsvOptions options;
        options.expected_origin = config->origin();
        options.accepted_dataflows = AcceptedDataflows(*config);
        options.size_hint = size;
        parser = std::make_unique<ReturnCsvParser>(shown, std::move(options));
        return absl::OkStatus();
      },
      [&](absl::string_view piece) {
        if (parser->bytes() + piece.size() > max_bytes) {
          grew = true;  // the file grew while it was read
          return false;
        }
        return parser->Add(piece);
      });
  if (read.ok() && grew) {
    read = absl::OutOfRangeError(
        absl::StrCat(shown, ": grew past ", max_bytes, " bytes while it was read; nothing stored"));
  }
  if (!read.ok()) {
    return console.Fail(read);
  }
  absl::StatusOr<ParsedReturn> ret = parser->Finish();
  if (!ret.ok()) {
    return PrintRejectedReturn(console, flags.file, parser->problems(), parser->problem_count());
  }
  parser.reset();  // what it kept to check the cells is not needed to sign them
  if (flags.dry_run) {
    console.out() << Printable(flags.file) << ": valid return of " << ret->origin << " for "
                  << ret->period << ", " << ret->lines.size() << " cells, value sum "
                  << ret->value_sum << "\n";
    return kExitOk;
  }
  absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(config->log_key_file());
  if (!key.ok()) {
    return console.Fail(key.status());
  }
  // The folder and every file RocksDB writes in it are for this user only, as a node's are.
  umask(077);
  // A new data folder is created only once the federation of its log is known.
  Store::Options options;
  options.create_if_missing = !flags.federation.empty() || !flags.config.empty();
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(config->data_dir(), options);
  if (absl::IsNotFound(store.status()) && !options.create_if_missing) {
    return console.Usage(absl::StrCat(config->data_dir(),
                                      " holds no log yet: the first import names its federation "
                                      "with --federation NAME"));
  }
  if (!store.ok()) {
    return console.Fail(store.status());
  }
  // A restored folder may hold less of its log than this state signed: only the node, which
  // takes the rest back from its peers first, signs in it until then.
  absl::StatusOr<std::string> restored = (*store)->GetMeta(kRestoredMeta);
  if (!restored.ok() && !absl::IsNotFound(restored.status())) {
    return console.Fail(restored.status());
  }
  if (restored.ok() && !restored->empty()) {
    return console.Fail(absl::FailedPreconditionError(absl::StrCat(
        config->data_dir(), " was restored (", *restored,
        ") and may hold less of its log than this state signed: start its node, which takes "
        "the rest back from its peers, and submit through it (docs/operations.md, \"Backups and "
        "restores\")")));
  }
  absl::StatusOr<std::string> federation =
      FederationOf(**store, flags.federation, flags.config.empty() ? nullptr : &*config);
  if (!federation.ok()) {
    return console.Usage(federation.status().message());
  }
  SystemClock clock;
  OriginLogs logs(store->get(), *federation);
  Publisher publisher(&logs, &*key, &clock);
  // With the node's configuration, the key is chosen as the node chooses it: the one the newest
  // bundle (the file's, or a newer one the node kept in the folder) makes valid now.
  std::unique_ptr<Directory> directory;
  std::vector<PrivateKey> more_keys;
  std::vector<const PrivateKey*> keys = {&*key};
  if (!config->trust_bundle_file().empty() && !config->bundle_public_key_file().empty()) {
    absl::StatusOr<std::unique_ptr<Directory>> loaded = NewestDirectory(*config, **store);
    if (!loaded.ok()) {
      return console.Fail(loaded.status());
    }
    directory = *std::move(loaded);
    for (const std::string& file : config->log_key_files()) {
      absl::StatusOr<PrivateKey> more = PrivateKey::LoadPemFile(file);
      if (!more.ok()) {
        return console.Fail(more.status());
      }
      more_keys.push_back(*std::move(more));
    }
    for (const PrivateKey& k : more_keys) {
      keys.push_back(&k);
    }
    publisher.set_key_choice([&](absl::Time now) {
      return ChooseKey(*directory, config->origin(), KeyUse::kLog, keys, now);
    });
  }
  absl::StatusOr<PublishResult> result = publisher.Publish(*std::move(ret));
  if (!result.ok()) {
    return console.Fail(result.status());
  }
  const v1::ReturnHeader& h = result->header;
  console.out() << "imported " << h.origin() << " " << h.period() << " revision " << h.revision()
                << ": " << h.cell_count() << " cells, value sum " << h.value_sum()
                << ", cells root " << HexEncode(h.cells_root()) << "; log entry "
                << result->log_index << ", checkpoint size " << result->log_index + 1 << "\n";
  return kExitOk;
}

void AddImportFlags(CLI::App* import, ImportFlags* flags) {
  AddFlag(import, "--config", &flags->config, "NODE.textproto",
          "node configuration (paths relative to its folder)");
  AddFlag(import, "--data-dir", &flags->data_dir, "DIR", "the node's data folder");
  AddFlag(import, "--origin", &flags->origin, "CC", "the state whose return it is");
  AddFlag(import, "--log-key", &flags->log_key, "FILE", "the origin's log private key");
  AddFlag(import, "--federation", &flags->federation, "NAME",
          "the federation of the folder's logs (to start a folder)");
  import->add_flag("--dry-run", flags->dry_run, "only validate; store nothing");
  AddFlag(import, "FILE", &flags->file, "", "the return")->required();
}

}  // namespace

void AddImportCommand(CLI::App* app, Commands* commands) {
  AddCommand<ImportFlags>(app, commands, "import", kImportHelp, AddImportFlags, RunImport);
}

}  // namespace ots
