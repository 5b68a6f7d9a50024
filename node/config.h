// Node configuration (proto/config.proto), read from protobuf text format and validated once.
#ifndef OTS_NODE_CONFIG_H_
#define OTS_NODE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/config.pb.h"

namespace ots {

// Parses `text` (read from `file_name`, named in every message) and validates it: origin a
// federation state, data_dir and log_key_file set. INVALID_ARGUMENT, naming the file and line,
// on an unknown field or a bad value.
absl::StatusOr<v1::NodeConfig> ParseNodeConfig(absl::string_view file_name, absl::string_view text);

}  // namespace ots

#endif  // OTS_NODE_CONFIG_H_
