// ots-ctl bundle show and bundle sign: a federation's trust bundle (node/trust/trust_bundle.h)
// checked and printed, or written as protobuf text and signed.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "google/protobuf/text_format.h"
#include "node/cli/command.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

// `ots-ctl bundle show --help`; its first line is the summary in the list of commands.
constexpr char kBundleShowHelp[] =
    "Verifies a signed trust bundle and prints it as protobuf text.\n";

// `ots-ctl bundle sign --help`; its first line is the summary in the list of commands.
constexpr char kBundleSignHelp[] =
    "Signs a trust bundle written as protobuf text (DSSE JSON).\n"
    "The bundle is validated first. A file at --out is replaced only once the signed bundle is\n"
    "complete.\n";

struct ShowFlags {
  std::string bundle;
  std::string key;
};

int RunShow(const Console& console, const ShowFlags& flags) {
  absl::StatusOr<PublicKey> key = PublicKey::LoadPemFile(flags.key);
  if (!key.ok()) {
    return console.Fail(key.status());
  }
  absl::StatusOr<std::string> text = ReadFile(flags.bundle);
  if (!text.ok()) {
    return console.Fail(text.status());
  }
  absl::StatusOr<v1::TrustBundle> bundle = VerifyTrustBundle(flags.bundle, *text, *key);
  if (!bundle.ok()) {
    return console.Fail(bundle.status());
  }
  std::string out;
  google::protobuf::TextFormat::PrintToString(*bundle, &out);
  console.out() << out;
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

void AddShowFlags(CLI::App* show, ShowFlags* flags) {
  AddFlag(show, "--bundle", &flags->bundle, "FILE", "the signed trust bundle (DSSE JSON)")
      ->required();
  AddFlag(show, "--key", &flags->key, "BUNDLE.pub.pem", "the federation's bundle public key")
      ->required();
}

void AddSignFlags(CLI::App* sign, SignFlags* flags) {
  AddFlag(sign, "--in", &flags->in, "BUNDLE.textproto", "the bundle as protobuf text")->required();
  AddFlag(sign, "--key", &flags->key, "BUNDLE.key", "the federation's bundle private key")
      ->required();
  AddFlag(sign, "--out", &flags->out, "FILE", "the signed bundle to write")->required();
}

}  // namespace

void AddBundleCommands(CLI::App* app, Commands* commands) {
  CLI::App* bundle = app->add_subcommand("bundle", "Shows or signs a federation's trust bundle.\n");
  bundle->require_subcommand(1);
  AddCommand<ShowFlags>(bundle, commands, "show", kBundleShowHelp, AddShowFlags, RunShow);
  AddCommand<SignFlags>(bundle, commands, "sign", kBundleSignHelp, AddSignFlags, RunSign);
}

}  // namespace ots
