// A statistical return as an operator submits it (DESIGN §2–§3): validated as a whole, then
// signed and appended to this state's log, or on a dry run only validated.
#ifndef OTS_NODE_LOG_SUBMISSION_H_
#define OTS_NODE_LOG_SUBMISSION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/log/publisher.h"
#include "proto/services.pb.h"

namespace ots {

// Parses and validates `contents` (read from `file_name`) as a return of `member`, then, unless
// `publisher` is null (a dry run), publishes it. On success the response names the origin,
// period, cell count and value sum, and after publication the signed header, its log index and
// the checkpoint. A rejected return is INVALID_ARGUMENT whose message is a summary line
// ("r.csv rejected: 3 problems, nothing stored") followed by every problem, one per line; the
// problems also go to `out_problems` if it is non-null. Publisher errors pass through.
absl::StatusOr<v1::SubmitResponse> SubmitReturn(Publisher* publisher, absl::string_view member,
                                                absl::string_view file_name,
                                                absl::string_view contents,
                                                std::vector<std::string>* out_problems);

}  // namespace ots

#endif  // OTS_NODE_LOG_SUBMISSION_H_
