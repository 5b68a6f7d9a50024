#include "node/config.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "node/codes.h"

namespace ots {
namespace {

// Collects the parser's complaints as "file:line:column: message".
class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(absl::string_view file) : file_(file) {}
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message);
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string file_;
  std::string first_;
};

}  // namespace

absl::StatusOr<v1::NodeConfig> ParseNodeConfig(absl::string_view file_name,
                                               absl::string_view text) {
  v1::NodeConfig config;
  google::protobuf::TextFormat::Parser parser;
  Collector errors(file_name);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &config)) {
    return absl::InvalidArgumentError(
        errors.first().empty() ? absl::StrCat(file_name, ": not a NodeConfig") : errors.first());
  }
  if (!IsFederationState(config.origin())) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": origin \"", config.origin(),
                     "\" is not a federation state (AZ KZ KG TR UZ HU TM)"));
  }
  if (config.data_dir().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": data_dir is not set"));
  }
  if (config.log_key_file().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": log_key_file is not set"));
  }
  return config;
}

}  // namespace ots
