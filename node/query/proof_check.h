// Checks a cell proof (node/query/prove.h) the way verify.sh does, from the files alone and the
// one thing an auditor takes on trust: the key id of the federation's bundle key. ots-ctl checks
// every proof with it before writing one, whether it built the proof or a node sent it.
#ifndef OTS_NODE_QUERY_PROOF_CHECK_H_
#define OTS_NODE_QUERY_PROOF_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/query/prove.h"

namespace ots {

// What a proof that verified shows.
struct ProofSummary {
  std::string cell_line;    // the leaf: sealed for a confidential cell
  std::string opened_line;  // the cell line cell.opening opens it to, if there is one
  std::string origin;
  std::string period;
  uint64_t revision = 0;
  uint64_t cell_index = 0;
  uint64_t cell_count = 0;
  std::string log_name;
  uint64_t log_index = 0;  // the header's entry in the origin's log
  uint64_t log_size = 0;   // the checkpoint's size
  std::string header_key_id;
  std::string checkpoint_key_id;
  std::vector<std::string> cosigners;  // independent witnesses with a valid cosignature, sorted
  size_t quorum = 0;                   // how many were required
  std::string federation;
  uint64_t bundle_version = 0;
};

// Checks `files` against the bundle key whose key id (lower-case hex SHA-256 of its 32 raw
// bytes) is `bundle_key_id`:
//   - bundle.pub.pem is that key, and trust-bundle.json is a bundle it signed;
//   - the cell line and cell.proof lead to the header's cells root, and the cell is the header's
//     origin and period; cell.opening, if there is one, opens that (sealed) line;
//   - log.pub.pem is a log key of the origin in the bundle, valid at the header's created_at,
//     named by the header's key_id, whose signature in header.sig verifies; header.dsse.json is
//     exactly the envelope of header.txt and header.sig;
//   - header.proof leads to the root of checkpoint.note, whose size it names; the note names the
//     origin's log in the bundle's federation and is signed by a log key of the origin;
//   - every other signature line of the note is a valid cosignature by a witness key the bundle
//     lists for the member it names, valid at the cosignature's time, and at least `quorum`
//     (default: the bundle's witness quorum for the origin) independent witnesses cosigned.
// INVALID_ARGUMENT (PERMISSION_DENIED for a wrong bundle key) naming the file and the check that
// failed; the first failure only.
absl::StatusOr<ProofSummary> VerifyProofFiles(const ProofFiles& files,
                                              absl::string_view bundle_key_id,
                                              std::optional<size_t> quorum = std::nullopt);

}  // namespace ots

#endif  // OTS_NODE_QUERY_PROOF_CHECK_H_
