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
#include "node/trust/directory.h"

namespace ots {

// Checks everything in `store` against the trust bundle of `directory` (its federation name, each
// origin's log keys and each member's witness keys):
//   - table file checksums;
//   - every header: signed by a log key of its origin in the bundle, valid at the header's
//     created_at; revision chains; the cells each header signs;
//   - every stored checkpoint: signed by a log key of the origin, the root of a prefix of the log,
//     consistent with the one before, the latest covering the whole log; every cosignature line
//     stored with it a valid cosignature by a witness key the bundle lists for the member it names;
//   - the current view; that no stored cell or current entry belongs to no signed return;
//   - the largest checkpoint of each origin the node recorded as seen cosigned (SeenCheckpoint):
//     it must verify, and the folder must hold that much of the log.
//
// Returns OK if every check holds, filling `out_report` (if non-null) with one summary line per
// origin, naming who cosigned its latest checkpoint against the bundle's quorum. Otherwise
// DATA_LOSS (FAILED_PRECONDITION for an origin the bundle lists no log key of) whose message
// names the first origin, log index or checkpoint, and check that failed, e.g.
// "AZ log index 3 (2020 revision 2): cells root: header says 4f..., stored cells give 9a...".
// OUT_OF_RANGE naming the gap if the folder holds less of an origin than its witnesses were seen
// to cosign (entries withheld from it, or rolled back), with the report filled. If every stored
// check holds but the folder keeps verified evidence that an origin signed two inconsistent
// checkpoints (a split view), returns ABORTED naming it, with the report filled; evidence that
// does not verify is DATA_LOSS.
absl::Status AuditStore(Store& store, const Directory& directory,
                        std::vector<std::string>* out_report);

// An origin's latest checkpoint as another node holds it (Query.LatestCheckpoint).
struct PeerCheckpoint {
  std::string node;  // whose: an address or a name, for messages
  std::string origin;
  v1::StoredCheckpoint checkpoint;
};

// Compares the logs of `store` with what other nodes hold: each of `theirs` must verify under
// `directory` (origin signature, every cosignature line), and must not be larger than the log the
// folder holds (entries withheld from it, or rolled back) nor of the same size with another root
// (a split view). Returns one line per comparison in `out_report`; OUT_OF_RANGE naming the first
// gap, ABORTED for a split view, INVALID_ARGUMENT for a checkpoint that does not verify.
absl::Status CompareWithPeers(Store& store, const Directory& directory,
                              const std::vector<PeerCheckpoint>& theirs,
                              std::vector<std::string>* out_report);

}  // namespace ots

#endif  // OTS_NODE_QUERY_AUDIT_H_
