#include "node/cli/command.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "node/base/text.h"
#include "node/log/origin_log.h"
#include "node/trust/config.h"
#include "node/trust/trust_bundle.h"

namespace ots {

int Console::Fail(const absl::Status& s, int code) const {
  // A message may come from a node or a file: shown line by line, with any control character
  // or invalid UTF-8 in it escaped.
  err_ << "ots-ctl: "
       << absl::StrJoin(
              absl::StrSplit(s.message(), '\n'), "\n",
              [](std::string* out, absl::string_view line) { out->append(Printable(line)); })
       << "\n";
  return code;
}

int Console::FailCall(const absl::Status& s) const {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return Fail(s, kExitUnreachable);
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return Fail(s, kExitNodeFault);
    default:
      return Fail(s, kExitRejected);
  }
}

int PrintRejectedReturn(const Console& console, absl::string_view file,
                        const std::vector<ReturnProblem>& problems, size_t count) {
  const std::string shown = Printable(file);
  for (const ReturnProblem& p : problems) {
    console.err() << FormatProblem(shown, ReturnProblem{p.line, Printable(p.message)}) << "\n";
  }
  console.err() << "ots-ctl: " << shown << " rejected: " << ProblemCountWords(count)
                << ", nothing stored\n";
  return kExitRejected;
}

int Console::Usage(absl::string_view message) const {
  err_ << command_ << ": " << Printable(absl::StrReplaceAll(message, {{"\r\n", " "}, {"\n", " "}}))
       << " (run '" << command_ << " --help')\n";
  return kExitUsage;
}

std::string CommandPath(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* app = &command; app != nullptr; app = app->get_parent()) {
    names.insert(names.begin(), app->get_name());
  }
  return absl::StrJoin(names, " ");
}

CLI::Option* AddFlag(CLI::App* command, const std::string& name, std::string* value,
                     const std::string& value_name, const std::string& description) {
  return command->add_option(name, *value, description)->type_name(value_name);
}

CLI::Option* AddRepeatedFlag(CLI::App* command, const std::string& name,
                             std::vector<std::string>* values, const std::string& value_name,
                             const std::string& description) {
  return command->add_option(name, *values, description)
      ->type_name(value_name)
      ->allow_extra_args(false);
}

CLI::Option* AddClientFlags(CLI::App* command, ClientFlags* flags, bool required) {
  CLI::Option* config = AddFlag(command, "--config", &flags->config, "CLIENT",
                                "client configuration written by pki init")
                            ->required(required);
  AddFlag(command, "--node", &flags->node, "HOST:PORT",
          "the node to call instead of the configuration's")
      ->needs(config);
  return config;
}

std::unique_ptr<NodeClient> Connect(const Console& console, const ClientFlags& flags,
                                    int* out_exit) {
  absl::StatusOr<v1::ClientConfig> config = LoadClientConfig(flags.config);
  if (!config.ok()) {
    *out_exit = console.Usage(config.status().message());
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<NodeClient>> client =
      NodeClient::Connect(*config, flags.node, absl::Seconds(10));
  if (!client.ok()) {
    if (absl::IsUnavailable(client.status())) {
      *out_exit = console.Fail(client.status(), kExitUnreachable);
    } else if (absl::IsFailedPrecondition(client.status())) {
      // Our certificate cannot work (expired, another CA's, ...): no use of --help.
      *out_exit = console.Fail(client.status(), kExitUsage);
    } else {
      *out_exit = console.Usage(client.status().message());
    }
    return nullptr;
  }
  return std::move(*client);
}

void AddWireFilters(const std::vector<std::string>& specs,
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

absl::StatusOr<std::unique_ptr<Store>> OpenDataFolder(const std::string& dir) {
  Store::Options options;
  options.read_only = true;
  return Store::Open(dir, options);
}

int DataSource::Fail(const Console& console, const absl::Status& s) const {
  return node != nullptr ? console.FailCall(s) : console.Fail(s);
}

int OpenDataSource(const Console& console, const ClientFlags& client, const std::string& data_dir,
                   DataSource* out) {
  if (!client.config.empty()) {
    int exit_code = kExitOk;
    out->node = Connect(console, client, &exit_code);
    return exit_code;
  }
  if (data_dir.empty()) {
    return console.Usage("give --config CLIENT or --data-dir DIR");
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenDataFolder(data_dir);
  if (!store.ok()) {
    return console.Fail(store.status());
  }
  out->store = *std::move(store);
  return kExitOk;
}

absl::StatusOr<std::string> FederationOf(Store& store, absl::string_view federation,
                                         const v1::NodeConfig* config) {
  if (!federation.empty()) {
    return std::string(federation);
  }
  if (config != nullptr && !config->trust_bundle_file().empty() &&
      !config->bundle_public_key_file().empty()) {
    OTS_ASSIGN_OR_RETURN(PublicKey anchor,
                         PublicKey::LoadPemFile(config->bundle_public_key_file()));
    OTS_ASSIGN_OR_RETURN(std::string text, ReadFile(config->trust_bundle_file()));
    OTS_ASSIGN_OR_RETURN(v1::TrustBundle bundle,
                         VerifyTrustBundle(config->trust_bundle_file(), text, anchor));
    return bundle.federation();
  }
  absl::StatusOr<std::string> stored = StoredFederation(store);
  if (absl::IsNotFound(stored.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat(store.where(),
                     " holds no log yet: the first import names its federation with "
                     "--federation NAME"));
  }
  return stored;
}

absl::StatusOr<std::string> FolderFederation(Store& store) {
  absl::StatusOr<std::string> stored = StoredFederation(store);
  return absl::IsNotFound(stored.status()) ? std::string() : stored;
}

}  // namespace ots
