#include "node/log/submission.h"

#include <utility>

#include "crypto/status_macros.h"

namespace ots {

absl::StatusOr<v1::SubmitResponse> SubmitReturn(Publisher* publisher, ParsedReturn ret) {
  v1::SubmitResponse response;
  response.set_origin(ret.origin);
  response.set_period(ret.period);
  response.set_cell_count(ret.lines.size());
  response.set_value_sum(ret.value_sum);
  if (publisher == nullptr) {
    return response;
  }
  OTS_ASSIGN_OR_RETURN(PublishResult published, publisher->Publish(std::move(ret)));
  *response.mutable_header() = std::move(published.header);
  response.set_log_index(published.log_index);
  response.set_checkpoint_note(std::move(published.checkpoint_note));
  response.set_unchanged(published.unchanged);
  return response;
}

v1::SubmitResponse RejectedReturn(const ReturnCsvParser& parser) {
  v1::SubmitResponse response;
  for (const ReturnProblem& p : parser.problems()) {
    v1::Problem* problem = response.add_problems();
    problem->set_line(p.line);
    problem->set_message(p.message);
  }
  response.set_problem_count(parser.problem_count());
  return response;
}

}  // namespace ots
