// The checks every receiver of an origin's log makes, entry by entry: the offline audit and
// replication from a peer (DESIGN §3). A header must carry a signature by one of the origin's log
// keys (valid at the header's time, when the checker is told the keys' validity), name the origin
// and that key, continue its period's revision chain, and sign exactly the cells that come with it
// (count, cells root, value sum; each a line of this return).
#ifndef OTS_NODE_LOG_LOG_CHECKER_H_
#define OTS_NODE_LOG_LOG_CHECKER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "proto/data.pb.h"

namespace ots {

// Walks one origin's log in order. Not thread-safe.
class LogChecker {
 public:
  // The latest revision of one period.
  struct Latest {
    uint64_t revision = 0;
    uint64_t log_index = 0;
    Hash header_hash{};  // SHA-256 of its header text: what the next revision supersedes
  };
  // For a walk that starts past entry 0: the latest revision of `period` among the entries before
  // the start (nullopt if none), as the store's current view records it.
  using PriorLookup =
      std::function<absl::StatusOr<std::optional<Latest>>(absl::string_view period)>;

  // Walks from entry `start`; `prior` must be given if `start` > 0. `keys` (the origin's log
  // keys) must outlive the checker. Failures carry `failure_code` (DATA_LOSS for a stored log,
  // INVALID_ARGUMENT for what a peer sent).
  LogChecker(std::string origin, absl::Span<const PublicKey> keys, absl::StatusCode failure_code,
             uint64_t start = 0, PriorLookup prior = nullptr)
      : origin_(std::move(origin)),
        keys_(keys),
        code_(failure_code),
        next_index_(start),
        prior_(std::move(prior)) {}

  // Whether `key` may sign at `time` (a header's created_at): OK, or why not. Set by a checker
  // that knows the keys' validity (Directory::LogKeyValidity); unset, any listed key may sign at
  // any time.
  using KeyValidity = std::function<absl::Status(const PublicKey& key, absl::string_view time)>;
  void set_key_validity(KeyValidity validity) { validity_ = std::move(validity); }

  // Checks the header of the next entry and records it. Returns the parsed header;
  // `out_where` (if non-null) gets "AZ log index 3 (2020 revision 2)" for the messages of the
  // cells check.
  absl::StatusOr<v1::ReturnHeader> CheckHeader(const v1::Envelope& header, std::string* out_where);

  // Leaf hashes of the entries checked so far (from the start of the walk).
  const std::vector<Hash>& leaves() const { return leaves_; }
  // The latest revision of each period seen in this walk.
  const std::map<std::string, Latest>& latest() const { return latest_; }

 private:
  absl::Status Fail(absl::string_view message) const { return absl::Status(code_, message); }
  // The key of `keys_` whose signature on `header` verifies; the failure message otherwise.
  absl::StatusOr<const PublicKey*> Signer(const v1::Envelope& header) const;
  // The latest revision of `period` before the entry being checked.
  absl::StatusOr<std::optional<Latest>> Previous(const std::string& period) const;

  const std::string origin_;
  const absl::Span<const PublicKey> keys_;
  const absl::StatusCode code_;
  uint64_t next_index_;
  const PriorLookup prior_;
  KeyValidity validity_;
  std::vector<Hash> leaves_;
  std::map<std::string, Latest> latest_;
};

// Checks the cells that come with one header: add them in stored (sorted) order, then Finish.
class CellsChecker {
 public:
  CellsChecker(const v1::ReturnHeader& header, absl::StatusCode failure_code);
  // Takes the next cell line.
  void Add(absl::string_view line);
  // OK if the lines were lines of this return, strictly ascending, and match the header's count,
  // cells root, value sum (over the open cells) and number of sealed cells; in a v2 header (some
  // cells sealed) no confidential cell is open. `where` prefixes the message.
  absl::Status Finish(absl::string_view where) const;
  size_t count() const { return root_.size(); }

 private:
  const v1::ReturnHeader& header_;
  const absl::StatusCode code_;
  Sha256Hasher hasher_;
  MerkleRootBuilder root_;  // O(log n): a million cells cost no 32 MB of leaf hashes
  uint64_t sum_ = 0;
  uint64_t sealed_ = 0;
  std::string bad_line_;
  std::string previous_;
  bool unsorted_ = false;
};

}  // namespace ots

#endif  // OTS_NODE_LOG_LOG_CHECKER_H_
