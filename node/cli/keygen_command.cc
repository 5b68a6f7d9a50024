// ots-ctl keygen: an Ed25519 key pair in PEM files.
#include <string>

#include "crypto/ed25519.h"
#include "node/cli/command.h"

namespace ots {
namespace {

// `ots-ctl keygen --help`; its first line is the summary in the list of commands.
constexpr char kKeygenHelp[] =
    "Writes an Ed25519 key pair (PREFIX.key and PREFIX.pub).\n"
    "PREFIX.key is the private key, mode 0600; PREFIX.pub the public key. Neither may exist.\n";

int RunKeygen(const Console& console, const std::string& prefix) {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  if (!key.ok()) {
    return console.Fail(key.status());
  }
  absl::Status s = key->SavePemFile(prefix + ".key");
  if (s.ok()) {
    s = WritePublicFile(prefix + ".pub", key->public_key().ToPem());
  }
  if (!s.ok()) {
    return console.Fail(s);
  }
  console.out() << "wrote " << prefix << ".key and " << prefix << ".pub (key id "
                << key->public_key().KeyId() << ")\n";
  return kExitOk;
}

void AddKeygenFlags(CLI::App* keygen, std::string* prefix) {
  AddFlag(keygen, "--out", prefix, "PREFIX", "where to write the two files")->required();
}

}  // namespace

void AddKeygenCommand(CLI::App* app, Commands* commands) {
  AddCommand<std::string>(app, commands, "keygen", kKeygenHelp, AddKeygenFlags, RunKeygen);
}

}  // namespace ots
