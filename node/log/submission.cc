#include "node/log/submission.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/status_macros.h"
#include "node/model/return_csv.h"

namespace ots {

absl::StatusOr<v1::SubmitResponse> SubmitReturn(Publisher* publisher, absl::string_view member,
                                                absl::string_view file_name,
                                                absl::string_view contents,
                                                std::vector<std::string>* out_problems) {
  std::vector<std::string> problems;
  absl::StatusOr<ParsedReturn> ret = ParseReturnCsv(file_name, contents, member, &problems);
  if (!ret.ok()) {
    if (problems.empty()) {
      problems.emplace_back(ret.status().message());
    }
    std::string message = absl::StrCat(file_name, " rejected: ", problems.size(),
                                       problems.size() == 1 ? " problem" : " problems",
                                       ", nothing stored\n", absl::StrJoin(problems, "\n"));
    if (out_problems != nullptr) {
      *out_problems = std::move(problems);
    }
    return absl::InvalidArgumentError(message);
  }
  v1::SubmitResponse response;
  response.set_origin(ret->origin);
  response.set_period(ret->period);
  response.set_cell_count(ret->lines.size());
  response.set_value_sum(ret->value_sum);
  if (publisher == nullptr) {
    return response;
  }
  OTS_ASSIGN_OR_RETURN(PublishResult published, publisher->Publish(*ret));
  *response.mutable_header() = std::move(published.header);
  response.set_log_index(published.log_index);
  response.set_checkpoint_note(std::move(published.checkpoint_note));
  response.set_unchanged(published.unchanged);
  return response;
}

}  // namespace ots
