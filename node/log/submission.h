// A statistical return as an operator submits it (DESIGN §2–§3): validated as a whole
// (ReturnCsvParser), then signed and appended to this state's log, or on a dry run only
// validated.
#ifndef OTS_NODE_LOG_SUBMISSION_H_
#define OTS_NODE_LOG_SUBMISSION_H_

#include "absl/status/statusor.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "proto/services.pb.h"

namespace ots {

// The answer to a valid return of this node's state: its origin, period, cell count and value
// sum, and unless `publisher` is null (a dry run) the return published: the signed header, its
// log index and the checkpoint. Publisher errors pass through.
absl::StatusOr<v1::SubmitResponse> SubmitReturn(Publisher* publisher, ParsedReturn ret);

// The answer of Validate to a return with problems: every problem listed (at most
// kMaxProblems) and how many were found.
v1::SubmitResponse RejectedReturn(const ReturnCsvParser& parser);

}  // namespace ots

#endif  // OTS_NODE_LOG_SUBMISSION_H_
