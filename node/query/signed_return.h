// The signed data one row of a consolidated table is computed from (Query.SignedReturn in
// proto/services.proto): what a node serves, and how a client checks it against the trust bundle
// alone and takes the row from it. The gRPC handler and the unit tests' in-process sources both
// use ServeSignedReturn, so both speak the same protocol.
#ifndef OTS_NODE_QUERY_SIGNED_RETURN_H_
#define OTS_NODE_QUERY_SIGNED_RETURN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/log/checkpoint.h"
#include "node/log/log_checker.h"
#include "node/log/origin_log.h"
#include "node/model/sealed_cells.h"
#include "node/query/consolidate.h"
#include "node/trust/directory.h"
#include "proto/services.pb.h"

namespace ots {

// Bytes of cell lines per SignedReturnChunk.
constexpr size_t kSignedReturnBlockBytes = size_t{1} << 20;

// Serves `request` from `logs`, whoever asks (the caller's right to see the origin is checked by
// the handler): the stored checkpoint of request.size with its cosignatures, log entries
// [0, size) verbatim, then the cells of the return of request.period in force at that size.
// `write` sends one chunk and returns false if the caller has gone (CANCELLED then). Reads the
// entries and cells as it sends them. INVALID_ARGUMENT for a period that is not a TIME_PERIOD or a
// size at which no checkpoint is stored; NOT_FOUND if the store holds no log of the origin;
// DATA_LOSS if the stored log does not hash to the checkpoint's root.
// With `open` (a caller the origin entitles to its confidential cells), the openings of the
// return's sealed cells that the store holds follow its cells.
absl::Status ServeSignedReturn(OriginLogs& logs, const v1::SignedReturnRequest& request,
                               const std::function<bool(const v1::SignedReturnChunk&)>& write,
                               bool open = false);

// What a SignedReturn answer was checked to show.
struct CheckedReturn {
  TableOrigin row;                     // the origin as the table takes it
  std::vector<std::string> cosigners;  // independent witnesses whose cosignature verified
  uint64_t cell_count = 0;             // cells of the return in force (0 if none)
  uint64_t withheld = 0;               // sealed cells of the table's category no opening came for
  std::vector<std::string> periods;    // every period of the log's entries, sorted, each once
  std::vector<std::string> cosignature_lines;  // the served lines that verified and count
};

// Checks one SignedReturn answer for `origin` at log size `size`, chunk by chunk, against the
// trust bundle of `directory`, and collects the origin's row of a table in `category`:
//   - the checkpoint names the origin's log in the bundle's federation, has that size and is
//     signed by a log key of the origin (VerifyOriginCheckpoint); every cosignature line verifies
//     under a witness key of the member it names (VerifyCosignatureLines);
//   - exactly `size` entries come, each header signed by a log key of the origin and continuing
//     its period's revision chain (LogChecker), and their leaf hashes give the checkpoint's root;
//   - the return in force is the highest revision of the period among them (ReturnInForce), and
//     the cells that come are exactly its cells (CellsChecker: count, cells root, value sum);
//   - openings, if any come, each open a sealed cell of that return (docs/formats.md §2a); a
//     sealed cell that none opens is a withheld figure of the row.
// Every failure is INVALID_ARGUMENT and starts "AZ at log size 3: ", then names the check.
// Not thread-safe; `directory` must outlive it.
class SignedReturnChecker {
 public:
  SignedReturnChecker(const Directory& directory, const TableCategory& category, std::string origin,
                      uint64_t size);
  ~SignedReturnChecker();

  // Takes the next chunk of the answer; the first failure only.
  absl::Status Add(const v1::SignedReturnChunk& chunk);
  // After the last chunk: what the answer shows, or why it does not verify.
  absl::StatusOr<CheckedReturn> Finish();

 private:
  absl::Status Fail(absl::string_view what) const;
  absl::Status AddStart(const v1::SignedReturnStart& start);
  absl::Status AddEntry(const v1::LogEntry& entry);
  absl::Status AddCells(absl::string_view block);
  absl::Status AddOpenings(absl::string_view text);
  // Once every entry has come: their root against the checkpoint's, and the return in force.
  absl::Status CloseEntries();

  const Directory& directory_;
  const TableCategory category_;
  const std::string origin_;
  const uint64_t size_;
  LogChecker log_checker_;
  std::optional<Checkpoint> checkpoint_;
  std::vector<std::string> cosigners_;
  std::vector<std::string> counted_lines_;
  std::vector<v1::LogEntry> entries_;
  std::vector<std::string> periods_;
  bool entries_closed_ = false;
  std::optional<v1::ReturnHeader> in_force_;
  std::string in_force_where_;
  std::unique_ptr<CellsChecker> cells_;  // over *in_force_
  std::vector<std::string> sealed_;      // the sealed cells of the return in force, as they came
  std::optional<Openings> openings_;
  TableOrigin row_;
  absl::Status row_status_;  // the first cell the row could not take
};

}  // namespace ots

#endif  // OTS_NODE_QUERY_SIGNED_RETURN_H_
