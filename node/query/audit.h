// Offline audit of a node's data folder (DESIGN §3): every header signature, every cells root,
// every checkpoint signature and the consistency of each origin's log, against trusted keys.
#ifndef OTS_NODE_QUERY_AUDIT_H_
#define OTS_NODE_QUERY_AUDIT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "crypto/ed25519.h"
#include "node/store/store.h"

namespace ots {

// What an audit trusts: the federation's name (in every log name) and each origin's log keys,
// all of them valid (a log may be signed with several keys over its life).
struct TrustedLogs {
  std::string federation;
  std::map<std::string, std::vector<PublicKey>> keys;  // origin -> its log keys
};

// Checks everything in `store` against `trusted`.
//
// Returns OK if every check holds, filling `out_report` (if non-null) with one summary line per
// origin. Otherwise returns DATA_LOSS (or FAILED_PRECONDITION for a missing key) whose message
// names the first origin, log index or checkpoint, and check that failed, e.g.
// "AZ log index 3 (2020 revision 2): cells root: header says 4f..., stored cells give 9a...".
// If every stored check holds but the folder keeps verified evidence that an origin signed two
// inconsistent checkpoints (a split view), returns ABORTED naming it, with the report filled;
// evidence that does not verify is DATA_LOSS.
absl::Status AuditStore(Store& store, const TrustedLogs& trusted,
                        std::vector<std::string>* out_report);

}  // namespace ots

#endif  // OTS_NODE_QUERY_AUDIT_H_
