// ots-ctl audit: every header signature, cells root, checkpoint, cosignature and the consistency
// of every origin's log in a data folder, re-verified against the trust bundle, and compared with
// other nodes (node/query/audit.h).
#include <algorithm>
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
    "Re-verifies a data folder against the federation's trust bundle.\n"
    "Every header signature (by a log key of its origin valid when it signed), cells root,\n"
    "checkpoint, cosignature and the consistency of every origin's log, against the signed\n"
    "trust bundle, whose key is the one thing an auditor takes on trust; any evidence of a\n"
    "split view the folder keeps; and whether the folder holds less than its witnesses were\n"
    "seen to cosign. With --compare, also against what other nodes hold: an entry withheld\n"
    "from the folder, or rolled back, fails.\n";

struct AuditFlags {
  std::string data_dir;
  std::string trust_bundle;
  std::string bundle_pubkey;
  std::string bundle_key_id;
  std::vector<std::string> compare;  // client configurations of other nodes
};

// Every origin the folder holds or has seen, at each node of --compare that will tell.
absl::StatusOr<std::vector<PeerCheckpoint>> PeerCheckpoints(const Console& console,
                                                            const AuditFlags& flags, Store& store,
                                                            int* out_exit) {
  OTS_ASSIGN_OR_RETURN(std::vector<std::string> origins, store.Origins());
  OTS_ASSIGN_OR_RETURN(auto seen, store.SeenCheckpoints());
  for (const auto& [origin, unused] : seen) {
    if (std::find(origins.begin(), origins.end(), origin) == origins.end()) {
      origins.push_back(origin);
    }
  }
  std::vector<PeerCheckpoint> out;
  for (const std::string& config : flags.compare) {
    std::unique_ptr<NodeClient> node = Connect(console, ClientFlags{config, ""}, out_exit);
    if (node == nullptr) {
      return absl::UnavailableError(absl::StrCat("--compare ", config, ": not reached"));
    }
    for (const std::string& origin : origins) {
      absl::StatusOr<v1::CheckpointResponse> r = node->LatestCheckpoint(origin);
      if (absl::IsNotFound(r.status()) || absl::IsPermissionDenied(r.status())) {
        console.err() << "ots-ctl audit: " << node->address() << " does not serve " << origin
                      << " to this identity: " << r.status().message() << "\n";
        continue;
      }
      if (!r.ok()) {
        *out_exit = kExitUnreachable;
        return absl::Status(r.status().code(),
                            absl::StrCat(node->address(), ": ", r.status().message()));
      }
      out.push_back(PeerCheckpoint{node->address(), origin, r->checkpoint()});
    }
  }
  return out;
}

int RunAudit(const Console& console, const AuditFlags& flags) {
  absl::StatusOr<TrustAnchor> anchor =
      LoadTrustAnchor(flags.trust_bundle, flags.bundle_pubkey, flags.bundle_key_id);
  if (!anchor.ok()) {
    return console.Fail(anchor.status(), kExitUsage);
  }
  absl::StatusOr<std::unique_ptr<Store>> store = OpenDataFolder(flags.data_dir);
  if (!store.ok()) {
    console.err() << "AUDIT FAILED: " << store.status().message() << "\n";
    return kExitRejected;
  }
  const Directory directory(*anchor);
  console.out() << "trust bundle " << directory.federation() << " version "
                << directory.bundle().version() << ", bundle key " << anchor->bundle_key_id << "\n";
  std::vector<std::string> report;
  absl::Status s = AuditStore(**store, directory, &report);
  // ABORTED: the folder is intact, but it proves that an origin misbehaved. OUT_OF_RANGE: intact,
  // but it holds less than its witnesses cosigned.
  const bool intact = s.ok() || absl::IsAborted(s) || absl::IsOutOfRange(s);
  if (intact) {
    for (const std::string& line : report) {
      console.out() << line << "\n";
    }
  }
  if (intact && !flags.compare.empty()) {
    int exit_code = kExitOk;
    absl::StatusOr<std::vector<PeerCheckpoint>> theirs =
        PeerCheckpoints(console, flags, **store, &exit_code);
    if (!theirs.ok()) {
      return exit_code != kExitOk ? console.FailCall(theirs.status())
                                  : console.Fail(theirs.status());
    }
    std::vector<std::string> compared;
    absl::Status c = CompareWithPeers(**store, directory, *theirs, &compared);
    for (const std::string& line : compared) {
      console.out() << "compared: " << line << "\n";
    }
    s.Update(c);
  }
  if (!s.ok()) {
    console.err() << "AUDIT FAILED: " << s.message() << "\n";
    return kExitRejected;
  }
  console.out() << "audit passed: every header signature, cells root, checkpoint signature, "
                   "cosignature and log consistency check holds\n";
  return kExitOk;
}

void AddAuditFlags(CLI::App* audit, AuditFlags* flags) {
  AddFlag(audit, "--data-dir", &flags->data_dir, "DIR", "the data folder, read only")->required();
  AddFlag(audit, "--trust-bundle", &flags->trust_bundle, "FILE", "the signed trust bundle")
      ->required();
  AddFlag(audit, "--bundle-pubkey", &flags->bundle_pubkey, "FILE", "the key that signs it")
      ->required();
  AddFlag(audit, "--bundle-key-id", &flags->bundle_key_id, "HEX",
          "the bundle key id as published out of band;\nthe key must have it");
  AddRepeatedFlag(audit, "--compare", &flags->compare, "CLIENT.textproto",
                  "also compare with this node's logs\n(repeatable)");
}

}  // namespace

void AddAuditCommand(CLI::App* app, Commands* commands) {
  AddCommand<AuditFlags>(app, commands, "audit", kAuditHelp, AddAuditFlags, RunAudit);
}

}  // namespace ots
