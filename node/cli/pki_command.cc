// ots-ctl pki init: a whole federation's CA, certificates, keys, configurations and signed trust
// bundle; ots-ctl pki renew: new certificates for a member from the same CA (node/trust/pki.h).
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "node/base/clock.h"
#include "node/cli/command.h"
#include "node/trust/pki.h"

namespace ots {
namespace {

// `ots-ctl pki init --help`; its first line is the summary in the list of commands.
constexpr char kPkiInitHelp[] =
    "Writes a new federation: CA, certificates, keys and trust bundle.\n"
    "A federation CA; for each member its node, operator and auditor TLS certificates, log and\n"
    "witness keys and ready configurations (DIR/az/node.textproto, operator.textproto,\n"
    "auditor.textproto); and the signed trust bundle (DIR/federation/). Endpoints: the\n"
    "Secretariat at HOST:BASE-PORT, the states at HOST:BASE-PORT+1, +2, ... in the order given.\n"
    "Private keys are mode 0600; a federation already in DIR is never overwritten.\n";

// The name pki init gives a new federation unless --federation names another: this one's.
constexpr char kDefaultFederation[] = "ots-mx";

struct PkiInitFlags {
  std::string out;
  std::string federation = kDefaultFederation;
  std::string states;
  bool secretariat = false;
  std::string host;
  std::string base_port;
  std::string admin_base_port;
  std::string data_root;
  std::vector<std::string> endpoints;
  std::string days;
  std::string ca_days;
  std::string witness_quorum;
};

int RunPkiInit(const Console& console, const PkiInitFlags& flags) {
  PkiOptions options;
  options.out_dir = flags.out;
  options.federation = flags.federation;
  options.states = absl::StrSplit(flags.states, ',', absl::SkipEmpty());
  options.secretariat = flags.secretariat;
  if (!flags.host.empty()) {
    options.host = flags.host;
  }
  if (!flags.base_port.empty() && (!absl::SimpleAtoi(flags.base_port, &options.base_port) ||
                                   options.base_port < 1 || options.base_port > 65000)) {
    return console.Usage("--base-port must be a port number below 65000");
  }
  if (!flags.admin_base_port.empty() &&
      (!absl::SimpleAtoi(flags.admin_base_port, &options.admin_base_port) ||
       options.admin_base_port < 1 || options.admin_base_port > 65000)) {
    return console.Usage("--admin-base-port must be a port number below 65000");
  }
  if (!flags.data_root.empty() && flags.data_root[0] != '/') {
    return console.Usage("--data-root must be an absolute path, e.g. /var/lib/ots");
  }
  options.data_root = flags.data_root;
  int days = 365;
  if (!flags.days.empty() && (!absl::SimpleAtoi(flags.days, &days) || days < 1)) {
    return console.Usage("--days must be a positive number");
  }
  options.validity = absl::Hours(24) * days;
  if (!flags.ca_days.empty()) {
    int ca_days = 0;
    if (!absl::SimpleAtoi(flags.ca_days, &ca_days) || ca_days <= days) {
      return console.Usage("--ca-days must be a number of days larger than --days");
    }
    options.ca_validity = absl::Hours(24) * ca_days;
  }
  if (!flags.witness_quorum.empty() &&
      (!absl::SimpleAtoi(flags.witness_quorum, &options.witness_quorum) ||
       options.witness_quorum < 0)) {
    return console.Usage("--witness-quorum must be a number of witnesses, 0 or more");
  }
  for (const std::string& spec : flags.endpoints) {
    std::vector<std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (parts.size() != 2) {
      return console.Usage(absl::StrCat("--endpoint \"", spec, "\": expected CC=HOST:PORT"));
    }
    options.endpoints[parts[0]] = parts[1];
  }
  SystemClock clock;
  std::vector<std::string> summary;
  absl::Status s = InitPki(options, clock, &summary);
  if (absl::IsInvalidArgument(s)) {  // a bad flag value; the usage line names the command
    return console.Usage(absl::StripPrefix(s.message(), "pki init: "));
  }
  if (!s.ok()) {
    return console.Fail(s);
  }
  for (const std::string& line : summary) {
    console.out() << "wrote " << line << "\n";
  }
  console.out() << "start a node with: ots-node --config " << options.out_dir
                << "/<cc>/node.textproto\n";
  return kExitOk;
}

void AddInitFlags(CLI::App* init, PkiInitFlags* flags) {
  AddFlag(init, "--out", &flags->out, "DIR", "folder to write the federation into")->required();
  AddFlag(init, "--federation", &flags->federation, "NAME",
          absl::StrCat("the federation's name (default ", kDefaultFederation, ")"));
  AddFlag(init, "--states", &flags->states, "CC[,CC...]",
          "member states, e.g. AZ,KZ,KG,TR,UZ,HU,TM");
  init->add_flag("--secretariat", flags->secretariat, "also the Secretariat (OTS)");
  AddFlag(init, "--host", &flags->host, "HOST", "host of every endpoint (default 127.0.0.1)");
  AddFlag(init, "--base-port", &flags->base_port, "N", "the Secretariat's port (default 7400)");
  AddFlag(init, "--admin-base-port", &flags->admin_base_port, "N",
          "each node's metrics and health on 127.0.0.1: the\nSecretariat's at N, the states' at "
          "N+1, ... (default: none)");
  AddFlag(init, "--data-root", &flags->data_root, "DIR",
          "keep each node's data in DIR/<cc> (e.g. /var/lib/ots);\ndefault: data/ beside its "
          "configuration");
  AddRepeatedFlag(init, "--endpoint", &flags->endpoints, "CC=HOST:PORT",
                  "one member's endpoint (repeatable)");
  AddFlag(init, "--days", &flags->days, "N", "validity of certificates and keys (default 365)");
  AddFlag(init, "--ca-days", &flags->ca_days, "N", "validity of the CA (default 3650)");
  AddFlag(init, "--witness-quorum", &flags->witness_quorum, "N",
          "cosignatures a proof needs (default: a majority of\nthe other members)");
}

// `ots-ctl pki renew --help`; its first line is the summary in the list of commands.
constexpr char kPkiRenewHelp[] =
    "Renews a member's TLS certificates from the same CA, before they expire.\n"
    "Each of node.pem, operator.pem and auditor.pem found in --member-dir (or those --only names)\n"
    "gets a new certificate from the CA of --ca-dir (ca.pem, ca.key): the same subject, names and\n"
    "key usages, valid from now for --days. The key is kept, so the trust bundle needs no\n"
    "change; --new-keys makes new keys, whose fingerprints must be in the next bundle version.\n"
    "Files are replaced only once complete. A running node takes its new certificate by itself\n"
    "within seconds (or on SIGHUP), without dropping its peers.\n";

struct PkiRenewFlags {
  std::string ca_dir;
  std::string member_dir;
  std::string only;
  std::string days;
  bool new_keys = false;
};

int RunPkiRenew(const Console& console, const PkiRenewFlags& flags) {
  RenewOptions options;
  options.ca_dir = flags.ca_dir;
  options.member_dir = flags.member_dir;
  if (!flags.only.empty()) {
    options.names = absl::StrSplit(flags.only, ',', absl::SkipEmpty());
    for (const std::string& name : options.names) {
      if (name != "node" && name != "operator" && name != "auditor") {
        return console.Usage(
            absl::StrCat("--only \"", name, "\": expected node, operator or auditor"));
      }
    }
  }
  int days = 365;
  if (!flags.days.empty() && (!absl::SimpleAtoi(flags.days, &days) || days < 1)) {
    return console.Usage("--days must be a positive number");
  }
  options.validity = absl::Hours(24) * days;
  options.new_keys = flags.new_keys;
  if (flags.new_keys && flags.only.empty()) {
    // Re-keying the operator with the node would leave nobody who can push the bundle that
    // lists the new keys.
    return console.Usage("--new-keys needs --only: name the identities to give new keys");
  }
  SystemClock clock;
  std::vector<std::string> summary;
  absl::Status s = RenewCertificates(options, clock, &summary);
  if (!s.ok()) {
    return console.Fail(s);
  }
  for (const std::string& line : summary) {
    console.out() << "renewed " << line << "\n";
  }
  return kExitOk;
}

void AddRenewFlags(CLI::App* renew, PkiRenewFlags* flags) {
  AddFlag(renew, "--ca-dir", &flags->ca_dir, "DIR", "the CA's folder: ca.pem and ca.key")
      ->required();
  AddFlag(renew, "--member-dir", &flags->member_dir, "DIR",
          "the member's folder: node.pem, node.key, ...")
      ->required();
  AddFlag(renew, "--only", &flags->only, "NAME[,NAME...]",
          "renew only these of node, operator, auditor");
  AddFlag(renew, "--days", &flags->days, "N", "validity of the new certificates (default 365)");
  renew->add_flag("--new-keys", flags->new_keys, "new keys as well (the bundle must list them)");
}

}  // namespace

void AddPkiCommand(CLI::App* app, Commands* commands) {
  CLI::App* pki = app->add_subcommand(
      "pki",
      "Sets up a federation (CA, certificates, keys, trust bundle) and renews certificates.\n");
  pki->require_subcommand(1);
  AddCommand<PkiInitFlags>(pki, commands, "init", kPkiInitHelp, AddInitFlags, RunPkiInit);
  AddCommand<PkiRenewFlags>(pki, commands, "renew", kPkiRenewHelp, AddRenewFlags, RunPkiRenew);
}

}  // namespace ots
