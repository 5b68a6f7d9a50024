// Signs and appends returns to this node's own origin log (DESIGN §3): builds the header over
// the cells root, signs it in a DSSE envelope, appends it as the next log leaf, signs the new
// checkpoint, and stores all of it in one atomic write.
#ifndef OTS_NODE_LOG_PUBLISHER_H_
#define OTS_NODE_LOG_PUBLISHER_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "crypto/ed25519.h"
#include "node/base/clock.h"
#include "node/base/clock_check.h"
#include "node/log/origin_log.h"
#include "node/log/own_log_guard.h"
#include "node/model/return_csv.h"
#include "node/model/sealed_cells.h"
#include "proto/data.pb.h"

namespace ots {

struct PublishResult {
  v1::ReturnHeader header;
  uint64_t log_index = 0;
  std::string checkpoint_note;
  // The return equals the revision in force of its period (same cells root, count and sum):
  // nothing was signed or stored, and the fields above are that revision's, with the latest
  // checkpoint (which covers it).
  bool unchanged = false;
};

// Thread-safe; publications are serialized.
class Publisher {
 public:
  // `logs`, `log_key`, `clock` and `clock_check` (if not null) must outlive the publisher.
  Publisher(OriginLogs* logs, const PrivateKey* log_key, const Clock* clock,
            const ClockCheck* clock_check = nullptr)
      : logs_(logs), log_key_(log_key), clock_(clock), clock_check_(clock_check) {}

  // Before the first Publish: signs nothing while `guard` says the own log must first be taken
  // back from the peers (it must outlive the publisher). The first publication it allows clears
  // the folder's restored mark (kRestoredMeta).
  void set_own_log_guard(const OwnLogGuard* guard) { own_log_ = guard; }

  // Before the first Publish: which key signs at a time. A node with several log keys signs with
  // the one the trust bundle makes valid then (a rotation, docs/operations.md "Rotating a log
  // key"), and the folder's log follows it. Without it, the key given at construction signs, and
  // the folder's log stays bound to that key.
  using KeyChoice = std::function<absl::StatusOr<const PrivateKey*>(absl::Time now)>;
  void set_key_choice(KeyChoice choice) { choose_key_ = std::move(choice); }

  // Publishes `ret` (taken: its cells go to the store and are freed once batched) as the next
  // revision of its period (revision 1 if the period is new). A
  // return identical to the revision in force is not published again: that revision is
  // returned, marked unchanged (a retried submit stores nothing twice). INTERNAL, signing
  // nothing, while `clock_check` says this node's clock is off.
  // FAILED_PRECONDITION, storing nothing, if the data folder is another state's node, holds this
  // state's log under another key or another federation's logs. DATA_LOSS, signing nothing, if
  // the stored log no longer matches the last checkpoint this origin signed (an origin never
  // signs two inconsistent checkpoints). UNAVAILABLE, signing nothing, while the own-log guard
  // refuses (after waiting up to kAwaitPeers for the peers, see OwnLogGuard). Store errors pass
  // through; nothing is stored then.
  absl::StatusOr<PublishResult> Publish(ParsedReturn ret);

  // How long a publication waits for the peers after a restore or an empty start.
  static constexpr absl::Duration kAwaitPeers = absl::Seconds(20);

 private:
  // The metadata the first publication binds: this node to `origin`, `origin`'s log to this
  // key, the folder to the federation. FAILED_PRECONDITION if any is bound to something else.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Bindings(
      absl::string_view origin) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `origin`'s log bound to `key` (added to `meta` if not yet, or if a key choice moved it on);
  // FAILED_PRECONDITION if bound to another key without a key choice.
  absl::Status BindKey(absl::string_view origin, const PrivateKey& key,
                       std::vector<std::pair<std::string, std::string>>* meta)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The size of `origin`'s log, checked against the last checkpoint it signed: DATA_LOSS, saying
  // "refusing to sign", if they differ.
  absl::StatusOr<uint64_t> SignedSize(absl::string_view origin) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The revision in force of `ret`'s period, as the current view records it, and its log entry.
  struct InForce {
    v1::CurrentEntry current;
    v1::LogEntry entry;
  };
  // Seals the confidential cells of `ret` (docs/formats.md §2a): its lines become the leaves,
  // its value_sum the sum over the open cells. Each cell is salted as in `reuse` (the openings of
  // the revision in force) if it is there, else with fresh random salt. Returns the openings.
  static absl::StatusOr<Openings> Seal(ParsedReturn* ret, const Openings* reuse);
  // Read once per publication: nullopt if the period is new; DATA_LOSS if the current view
  // names an entry the log does not hold.
  absl::StatusOr<std::optional<InForce>> ReadInForce(const ParsedReturn& ret)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The header of `ret` (its lines the leaves, sealed_count of them sealed, its value_sum over
  // the open cells) as revision n+1 of its period, n the revision `in_force` (if any);
  // `cells_root` is the root of its cells' leaf hashes. Created at `now`, signed by `key`.
  v1::ReturnHeader MakeHeader(const ParsedReturn& ret, uint64_t sealed_count,
                              absl::string_view cells_root, const std::optional<InForce>& in_force,
                              absl::Time now, const PrivateKey& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The revision `in_force` if it holds exactly `ret`'s cells, else nullopt.
  absl::StatusOr<std::optional<PublishResult>> SameAsInForce(const ParsedReturn& ret,
                                                             uint64_t sealed_count,
                                                             absl::string_view cells_root,
                                                             const std::optional<InForce>& in_force)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  OriginLogs* const logs_;
  const PrivateKey* const log_key_;
  const Clock* const clock_;
  const ClockCheck* const clock_check_;
  const OwnLogGuard* own_log_ = nullptr;
  KeyChoice choose_key_;
  absl::Mutex mu_;
};

}  // namespace ots

#endif  // OTS_NODE_LOG_PUBLISHER_H_
