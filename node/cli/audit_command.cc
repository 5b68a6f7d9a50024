// ots-ctl audit: every header signature, cells root, checkpoint and the consistency of every
// origin's log in a data folder, re-verified against trusted keys (node/query/audit.h).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/ed25519.h"
#include "crypto/files.h"
#include "crypto/status_macros.h"
#include "node/cli/command.h"
#include "node/model/codes.h"
#include "node/query/audit.h"
#include "node/trust/directory.h"
#include "node/trust/trust_bundle.h"

namespace ots {
namespace {

// `ots-ctl audit --help`; its first line is the summary in the list of commands.
constexpr char kAuditHelp[] =
    "Re-verifies every signature, root and checkpoint of a data folder.\n"
    "Every header signature, cells root, checkpoint and the consistency of every origin's log\n"
    "against the given public keys (or every origin's key in the trust bundle, verified with\n"
    "the federation's key), and any evidence of a split view the folder keeps; fails if one\n"
    "is proven.\n";

struct AuditFlags {
  std::string data_dir;
  std::vector<std::string> log_pubkeys;  // CC=FILE
  std::string trust_bundle;
  std::string bundle_pubkey;
};

// The keys the flags name: every origin's log keys in the trust bundle (verified with the
// federation's key), and each --log-pubkey.
absl::StatusOr<TrustedLogs> TrustedKeys(const AuditFlags& flags, Store& store) {
  TrustedLogs trusted;
  if (!flags.trust_bundle.empty()) {
    OTS_ASSIGN_OR_RETURN(PublicKey anchor, PublicKey::LoadPemFile(flags.bundle_pubkey));
    OTS_ASSIGN_OR_RETURN(std::string text, ReadFile(flags.trust_bundle));
    OTS_ASSIGN_OR_RETURN(v1::TrustBundle bundle,
                         VerifyTrustBundle(flags.trust_bundle, text, anchor));
    Directory directory(bundle);
    trusted.federation = directory.federation();
    for (const v1::Member& m : bundle.members()) {
      if (!directory.LogKeys(m.code()).empty()) {
        trusted.keys[m.code()] = directory.LogKeys(m.code());
      }
    }
  }
  for (const std::string& spec : flags.log_pubkeys) {
    std::vector<std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || !IsFederationState(parts[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("--log-pubkey \"", spec, "\": expected CC=FILE, CC a federation state"));
    }
    OTS_ASSIGN_OR_RETURN(PublicKey key, PublicKey::LoadPemFile(parts[1]));
    trusted.keys[parts[0]].push_back(std::move(key));
  }
  if (trusted.federation.empty()) {
    OTS_ASSIGN_OR_RETURN(trusted.federation, FolderFederation(store));
  }
  return trusted;
}

int RunAudit(const Console& console, const AuditFlags& flags) {
  if (flags.log_pubkeys.empty() && flags.trust_bundle.empty()) {
    return console.Usage(
        "give --trust-bundle FILE --bundle-pubkey FILE, or at least one --log-pubkey CC=FILE");
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenDataFolder(flags.data_dir);
  if (!store.ok()) {
    console.err() << "AUDIT FAILED: " << store.status().message() << "\n";
    return kExitRejected;
  }
  absl::StatusOr<TrustedLogs> keys = TrustedKeys(flags, **store);
  if (!keys.ok()) {
    return console.Usage(keys.status().message());
  }
  std::vector<std::string> report;
  absl::Status s = AuditStore(**store, *keys, &report);
  // ABORTED: the folder is intact, but it proves that an origin misbehaved.
  if (s.ok() || absl::IsAborted(s)) {
    for (const std::string& line : report) {
      console.out() << line << "\n";
    }
  }
  if (!s.ok()) {
    console.err() << "AUDIT FAILED: " << s.message() << "\n";
    return kExitRejected;
  }
  console.out() << "audit passed: every header signature, cells root, checkpoint signature and "
                   "log consistency check holds\n";
  return kExitOk;
}

void AddAuditFlags(CLI::App* audit, AuditFlags* flags) {
  AddFlag(audit, "--data-dir", &flags->data_dir, "DIR", "the data folder, read only")->required();
  CLI::Option* bundle = AddFlag(audit, "--trust-bundle", &flags->trust_bundle, "FILE",
                                "the signed trust bundle (with --bundle-pubkey)");
  bundle->needs(AddFlag(audit, "--bundle-pubkey", &flags->bundle_pubkey, "FILE",
                        "its public key (with --trust-bundle)")
                    ->needs(bundle));
  AddRepeatedFlag(audit, "--log-pubkey", &flags->log_pubkeys, "CC=FILE",
                  "a log public key of origin CC (repeatable)");
}

}  // namespace

void AddAuditCommand(CLI::App* app, Commands* commands) {
  AddCommand<AuditFlags>(app, commands, "audit", kAuditHelp, AddAuditFlags, RunAudit);
}

}  // namespace ots
