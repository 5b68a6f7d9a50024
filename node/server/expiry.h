// Warnings ahead of expiry (docs/operations.md, "Expiry warnings"): certificates last a year (pki
// init), and a node whose certificate or keys run out stops talking to its peers or signing. A
// node warns in its log at start, and in every Query.Status answer (StatusResponse
// expiry_warnings, which `ots-ctl status` prints), from 30 days before.
#ifndef OTS_NODE_SERVER_EXPIRY_H_
#define OTS_NODE_SERVER_EXPIRY_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "node/server/node_server.h"

namespace ots {

// How long before expiry the warnings start.
constexpr absl::Duration kExpiryWarningTime = absl::Hours(24 * 30);

// A certificate or key of the node and its end.
struct Expiry {
  enum Kind { kTlsCertificate, kCaCertificate, kLogKey, kWitnessKey };
  Kind kind;
  std::string name;  // the file (TLS certificate), the subject (CA), the key id (keys)
  std::string file;  // the file it comes from, as the configuration names it
  absl::Time end;
  // A key that another key of the same use, listed in the bundle, outlasts (a rotation).
  bool replaced = false;
};
// The node's TLS certificate, each CA certificate of its CA file, and its log and witness keys
// that the trust bundle bounds (valid_until), in that order.
std::vector<Expiry> Expiries(const NodeSetup& setup);

// One line for each of the node's certificates and keys that expires within `warn_before` of
// `now`, or has expired: its TLS certificate, each CA certificate of its CA file, and its log and
// witness keys as the trust bundle bounds them (valid_until). E.g.
//   "TLS certificate /etc/ots/az/node.pem expires on 2027-01-05 (in 12 days)"
//   "log key 3f2a...c1 (/etc/ots/az/log.key) expired on 2027-01-05 (3 days ago) per the trust
//    bundle"
// In that order; empty if nothing is near its end.
std::vector<std::string> ExpiryWarnings(const NodeSetup& setup, absl::Time now,
                                        absl::Duration warn_before = kExpiryWarningTime);

}  // namespace ots

#endif  // OTS_NODE_SERVER_EXPIRY_H_
