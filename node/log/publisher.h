// Signs and appends returns to this node's own origin log (DESIGN §3): builds the header over
// the cells root, signs it in a DSSE envelope, appends it as the next log leaf, signs the new
// checkpoint, and stores all of it in one atomic write.
#ifndef OTS_NODE_LOG_PUBLISHER_H_
#define OTS_NODE_LOG_PUBLISHER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "node/base/clock.h"
#include "node/model/return_csv.h"
#include "node/store/store.h"
#include "proto/data.pb.h"

namespace ots {

// The name of `origin`'s log: the first line of its checkpoints and the key name of their
// signatures, e.g. "ots-mx/log/AZ".
std::string LogName(absl::string_view origin);

// Leaf hashes of a return's cell lines (which must be sorted) and of a log's header payloads.
std::vector<Hash> CellLeafHashes(const CellLines& sorted_lines);
std::vector<Hash> LogLeafHashes(const std::vector<v1::LogEntry>& log);

// Meta entry naming the one state whose returns this node signs; bound on the first publication.
constexpr absl::string_view kNodeOriginMeta = "node_origin";
// Meta entry (followed by the origin) holding the PEM public key an origin's log is signed
// with; bound on the first publication.
constexpr absl::string_view kLogPublicKeyMeta = "log_public_key/";

struct PublishResult {
  v1::ReturnHeader header;
  uint64_t log_index = 0;
  std::string checkpoint_note;
};

// Thread-safe; publications are serialized.
class Publisher {
 public:
  // `store`, `log_key` and `clock` must outlive the publisher.
  Publisher(Store* store, const PrivateKey* log_key, const Clock* clock)
      : store_(store), log_key_(log_key), clock_(clock) {}

  // Publishes `ret` as the next revision of its period (revision 1 if the period is new).
  // DATA_LOSS, signing nothing, if the stored log no longer matches the last checkpoint this
  // origin signed (an origin never signs two inconsistent checkpoints).
  absl::StatusOr<PublishResult> Publish(const ParsedReturn& ret);

 private:
  // Binds the node to `origin` and `origin`'s log to this key on first use; FAILED_PRECONDITION
  // if the node signs for another state or the log is bound to another key.
  absl::Status BindKey(absl::string_view origin) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  const PrivateKey* const log_key_;
  const Clock* const clock_;
  absl::Mutex mu_;
};

}  // namespace ots

#endif  // OTS_NODE_LOG_PUBLISHER_H_
