// Bootstrap of a federation's keys and certificates (`ots-ctl pki init`): a federation CA, for
// each member its node, operator and auditor TLS certificates, its log and witness keys and
// ready configurations, and the signed trust bundle listing all of it (DESIGN §3).
//
// This is the quick start for a test or pilot federation on one machine or a few. A state that
// keeps its own CA and keys follows docs/operations.md instead; the bundle only needs the
// fingerprints and public keys.
#ifndef OTS_NODE_TRUST_PKI_H_
#define OTS_NODE_TRUST_PKI_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "node/base/clock.h"

namespace ots {

struct PkiOptions {
  // Folder to write into; created if missing. Must not already hold a federation.
  std::string out_dir;
  // Member states to create, ISO 3166-1 alpha-2 (AZ KZ KG TR UZ HU TM); HU and TM are observers.
  std::vector<std::string> states;
  // Also create the Secretariat ("OTS"). Default: false.
  bool secretariat = false;
  // Host of every endpoint unless overridden. Default: loopback.
  std::string host = "127.0.0.1";
  // The Secretariat listens on base_port, the states on base_port+1, +2, ... in the order given.
  int base_port = 7400;
  // Each node's admin listener (metrics, health) on loopback: the Secretariat's at
  // admin_base_port, the states' at +1, +2, ... in the order given. 0: none.
  int admin_base_port = 0;
  // The folder under which each node keeps its data, in <data_root>/<cc> (lower case); "" keeps
  // it in "data" beside the node's configuration. A packaged node's is /var/lib/ots.
  std::string data_root;
  // Per-member endpoint overrides, code -> host:port.
  std::map<std::string, std::string> endpoints;
  // The federation's name: in its CA's and certificates' names and in every log and witness key
  // name (node/log/names.h). Required.
  std::string federation;
  // The bundle's witness_quorum (proto/bundle.proto). Default (-1): a majority of the other
  // members' witnesses, i.e. (members - 1) / 2 + 1.
  int witness_quorum = -1;
  // Lifetime of certificates and keys from now. Default: 365 days.
  absl::Duration validity = absl::Hours(24 * 365);
  // Lifetime of the CA from now, at least a day more than `validity`: certificates are renewed
  // from it (RenewCertificates) while it lasts. Default: ten years.
  absl::Duration ca_validity = absl::Hours(24 * 3650);
};

// Writes the federation into options.out_dir. Private keys get mode 0600. INVALID_ARGUMENT on a
// bad state code or endpoint; ALREADY_EXISTS if out_dir already holds a CA. On success
// `out_summary` (if non-null) gets one line per file group written.
absl::Status InitPki(const PkiOptions& options, const Clock& clock,
                     std::vector<std::string>* out_summary);

struct RenewOptions {
  // The CA's folder: ca.pem and ca.key (pki init's <out>/ca, or a state's own CA).
  std::string ca_dir;
  // A member's folder as pki init writes it: <name>.pem and <name>.key for each identity.
  std::string member_dir;
  // The identities to renew; those of them without a certificate in member_dir are skipped.
  std::vector<std::string> names = {"node", "operator", "auditor"};
  // Lifetime of the new certificates from now. Default: 365 days.
  absl::Duration validity = absl::Hours(24 * 365);
  // A new key for each (its fingerprint must be in the next trust bundle version before the node
  // can use it); default: the key is kept, so the trust bundle needs no change.
  bool new_keys = false;
};

// Issues each identity of options.member_dir a new certificate from the CA of options.ca_dir:
// the same subject and extensions (RenewCertificate), valid from now (backdated as pki init
// does) for options.validity, replacing <name>.pem (and <name>.key with new_keys) only once it
// is complete. A running node takes its new certificate within seconds (it watches its files).
// `out_summary` gets one line per certificate: its file, subject, end, and whether its key (and
// so the bundle) changed. NOT_FOUND if no identity was there; errors name the file.
absl::Status RenewCertificates(const RenewOptions& options, const Clock& clock,
                               std::vector<std::string>* out_summary);

// The name a member's node certificate carries and clients check: "az.node.ots-mx".
std::string NodeServerName(absl::string_view code, absl::string_view federation);

}  // namespace ots

#endif  // OTS_NODE_TRUST_PKI_H_
