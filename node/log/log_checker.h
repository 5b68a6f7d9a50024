// The checks every receiver of an origin's log makes, entry by entry: the offline audit and
// replication from a peer (DESIGN §3). A header must carry the origin's signature, name the
// origin and its key, continue its period's revision chain, and sign exactly the cells that come
// with it (count, cells root, value sum; each a line of this return).
#ifndef OTS_NODE_LOG_LOG_CHECKER_H_
#define OTS_NODE_LOG_LOG_CHECKER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "proto/data.pb.h"

namespace ots {

// Walks one origin's log in order. Not thread-safe.
class LogChecker {
 public:
  // `key` must outlive the checker. Failures carry `failure_code` (DATA_LOSS for a stored log,
  // INVALID_ARGUMENT for what a peer sent).
  LogChecker(std::string origin, const PublicKey* key, absl::StatusCode failure_code)
      : origin_(std::move(origin)), key_(key), code_(failure_code) {}

  // Checks the header of the next entry (index = entries checked so far) and records it.
  // Returns the parsed header; `out_where` (if non-null) gets "AZ log index 3 (2020 revision
  // 2)" for the messages of the cells check.
  absl::StatusOr<v1::ReturnHeader> CheckHeader(const v1::Envelope& header, std::string* out_where);

  // Leaf hashes of every entry checked so far.
  const std::vector<Hash>& leaves() const { return leaves_; }

  struct Latest {
    uint64_t revision = 0;
    uint64_t log_index = 0;
    Hash header_hash{};
  };
  // The latest revision of each period seen so far.
  const std::map<std::string, Latest>& latest() const { return latest_; }

 private:
  absl::Status Fail(absl::string_view message) const { return absl::Status(code_, message); }

  const std::string origin_;
  const PublicKey* const key_;
  const absl::StatusCode code_;
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
  // cells root and value sum. `where` prefixes the message.
  absl::Status Finish(absl::string_view where) const;
  size_t count() const { return leaves_.size(); }

 private:
  const v1::ReturnHeader& header_;
  const absl::StatusCode code_;
  const std::string prefix_;
  std::vector<Hash> leaves_;
  uint64_t sum_ = 0;
  std::string bad_line_;
  std::string previous_;
  bool unsorted_ = false;
};

}  // namespace ots

#endif  // OTS_NODE_LOG_LOG_CHECKER_H_
