// ots-ctl bundle show, sign and push: a federation's trust bundle (node/trust/trust_bundle.h)
// checked and printed, written as protobuf text and signed, or handed to a running node.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "google/protobuf/text_format.h"
#include "node/cli/command.h"
#include "node/trust/config.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

// `ots-ctl bundle show --help`; its first line is the summary in the list of commands.
constexpr char kBundleShowHelp[] =
    "Verifies a signed trust bundle and prints it as protobuf text.\n"
    "First, as comment lines, the key id of the bundle key and of every log and witness key:\n"
    "the lower-case hex SHA-256 of the 32 raw key bytes, as verify.sh, status and audit print\n"
    "them. The output can be edited and signed again with bundle sign. --key-id prints only\n"
    "the bundle key's id: the one thing an auditor must get out of band.\n";

// `ots-ctl bundle sign --help`; its first line is the summary in the list of commands.
constexpr char kBundleSignHelp[] =
    "Signs a trust bundle written as protobuf text (DSSE JSON).\n"
    "The bundle is validated first. A file at --out is replaced only once the signed bundle is\n"
    "complete.\n";

// `ots-ctl bundle push --help`; its first line is the summary in the list of commands.
constexpr char kBundlePushHelp[] =
    "Hands a new trust bundle version to a running node, which passes it on to the federation.\n"
    "The bundle is checked here first against the bundle key of --config. The node checks it\n"
    "again (signature, a newer version: never a downgrade), keeps it in its data folder and\n"
    "applies it without a restart: members, endpoints, identities, keys, policies. Every other\n"
    "node fetches it from a peer that holds it within seconds; `ots-ctl status` shows the\n"
    "version each peer holds. Only the node's own operator may push.\n";

struct PushFlags {
  ClientFlags client;
  std::string bundle;
};

struct ShowFlags {
  std::string bundle;
  std::string key;
  bool key_id_only = false;
};

// "# AZ log key 3fa2... valid 2026-11-27T14:00:00Z to 2027-11-27T15:00:00Z" per key.
void PrintKeyIds(std::ostream& out, const v1::Member& m, absl::string_view kind,
                 const google::protobuf::RepeatedPtrField<v1::PublicKeyEntry>& keys) {
  for (const v1::PublicKeyEntry& k : keys) {
    absl::StatusOr<PublicKey> key = PublicKey::FromRaw(k.ed25519());
    out << "# " << m.code() << " " << kind << " key " << (key.ok() ? key->KeyId() : "?");
    if (!k.valid_from().empty() || !k.valid_until().empty()) {
      out << " valid " << (k.valid_from().empty() ? "-" : k.valid_from()) << " to "
          << (k.valid_until().empty() ? "-" : k.valid_until());
    }
    out << "\n";
  }
}

int RunShow(const Console& console, const ShowFlags& flags) {
  absl::StatusOr<TrustAnchor> anchor = LoadTrustAnchor(flags.bundle, flags.key);
  if (!anchor.ok()) {
    return console.Fail(anchor.status());
  }
  const v1::TrustBundle* bundle = &anchor->bundle;
  const std::string& key_id = anchor->bundle_key_id;
  if (flags.key_id_only) {
    console.out() << key_id << "\n";
    return kExitOk;
  }
  std::ostream& out = console.out();
  out << "# trust bundle " << bundle->federation() << " version " << bundle->version()
      << ", signed by bundle key " << key_id << "\n";
  for (const v1::Member& m : bundle->members()) {
    PrintKeyIds(out, m, "log", m.log_keys());
    PrintKeyIds(out, m, "witness", m.witness_keys());
  }
  std::string printed;
  google::protobuf::TextFormat::PrintToString(*bundle, &printed);
  out << printed;
  return kExitOk;
}

struct SignFlags {
  std::string in;
  std::string key;
  std::string out;
};

int RunSign(const Console& console, const SignFlags& flags) {
  absl::StatusOr<std::string> text = ReadFile(flags.in);
  if (!text.ok()) {
    return console.Fail(text.status());
  }
  v1::TrustBundle bundle;
  if (!google::protobuf::TextFormat::ParseFromString(*text, &bundle)) {
    return console.Fail(absl::InvalidArgumentError(
        absl::StrCat(flags.in, ": not a TrustBundle in protobuf text format")));
  }
  absl::StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(flags.key);
  if (!key.ok()) {
    return console.Fail(key.status());
  }
  absl::StatusOr<std::string> signed_bundle = SignTrustBundle(bundle, *key);
  if (!signed_bundle.ok()) {
    return console.Fail(
        absl::Status(signed_bundle.status().code(),
                     absl::StrCat(flags.in, ": ", signed_bundle.status().message())));
  }
  absl::Status s = WriteFileReplacing(flags.out, *signed_bundle, 0644);
  if (!s.ok()) {
    return console.Fail(s);
  }
  console.out() << "signed trust bundle " << bundle.federation() << " version " << bundle.version()
                << " (" << bundle.members_size() << " members) with key "
                << key->public_key().KeyId() << " to " << flags.out << "\n";
  return kExitOk;
}

int RunPush(const Console& console, const PushFlags& flags) {
  absl::StatusOr<v1::ClientConfig> config = LoadClientConfig(flags.client.config);
  if (!config.ok()) {
    return console.Fail(config.status());
  }
  // Checked here first against the client's own bundle key (and its pin): a bundle that does
  // not verify never leaves this machine.
  absl::StatusOr<TrustAnchor> anchor =
      LoadTrustAnchor(flags.bundle, config->bundle_public_key_file(), config->bundle_key_id());
  if (!anchor.ok()) {
    return console.Fail(anchor.status());
  }
  const v1::TrustBundle* bundle = &anchor->bundle;
  int exit_code = kExitOk;
  std::unique_ptr<NodeClient> client = Connect(console, flags.client, &exit_code);
  if (client == nullptr) {
    return exit_code;
  }
  absl::StatusOr<v1::PushBundleResponse> r = client->PushBundle(anchor->signed_bundle);
  if (!r.ok()) {
    return console.FailCall(r.status());
  }
  if (r->unchanged()) {
    console.out() << "the node at " << client->address() << " already holds trust bundle "
                  << bundle->federation() << " version " << r->version() << "\n";
  } else {
    console.out() << "the node at " << client->address() << " applied trust bundle "
                  << bundle->federation() << " version " << r->version() << " (was "
                  << r->previous_version() << "); its peers fetch it from there\n";
  }
  return kExitOk;
}

void AddPushFlags(CLI::App* push, PushFlags* flags) {
  AddClientFlags(push, &flags->client, /*required=*/true);
  AddFlag(push, "--bundle", &flags->bundle, "FILE", "the signed trust bundle (DSSE JSON)")
      ->required();
}

void AddShowFlags(CLI::App* show, ShowFlags* flags) {
  AddFlag(show, "--bundle", &flags->bundle, "FILE", "the signed trust bundle (DSSE JSON)")
      ->required();
  AddFlag(show, "--key", &flags->key, "BUNDLE.pub.pem", "the federation's bundle public key")
      ->required();
  show->add_flag("--key-id", flags->key_id_only, "print only the bundle key's id");
}

void AddSignFlags(CLI::App* sign, SignFlags* flags) {
  AddFlag(sign, "--in", &flags->in, "BUNDLE.textproto", "the bundle as protobuf text")->required();
  AddFlag(sign, "--key", &flags->key, "BUNDLE.key", "the federation's bundle private key")
      ->required();
  AddFlag(sign, "--out", &flags->out, "FILE", "the signed bundle to write")->required();
}

}  // namespace

void AddBundleCommands(CLI::App* app, Commands* commands) {
  CLI::App* bundle =
      app->add_subcommand("bundle", "Shows, signs or pushes a federation's trust bundle.\n");
  bundle->require_subcommand(1);
  AddCommand<ShowFlags>(bundle, commands, "show", kBundleShowHelp, AddShowFlags, RunShow);
  AddCommand<SignFlags>(bundle, commands, "sign", kBundleSignHelp, AddSignFlags, RunSign);
  AddCommand<PushFlags>(bundle, commands, "push", kBundlePushHelp, AddPushFlags, RunPush);
}

}  // namespace ots
