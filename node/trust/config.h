// Configuration files (proto/config.proto), read from protobuf text format and validated once.
#ifndef OTS_NODE_TRUST_CONFIG_H_
#define OTS_NODE_TRUST_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/config.pb.h"

namespace ots {

// Parses `text` (read from `file_name`, named in every message) and validates it: origin a
// federation state or "OTS" (the Secretariat), data_dir set, log_key_file set for a state.
// INVALID_ARGUMENT, naming the file and line, on an unknown field or a bad value.
absl::StatusOr<v1::NodeConfig> ParseNodeConfig(absl::string_view file_name, absl::string_view text);

// Reads and parses the node configuration at `path`, then makes every relative path in it
// relative to the folder of `path`. Errors name the file.
absl::StatusOr<v1::NodeConfig> LoadNodeConfig(const std::string& path);

// Parses and validates a client configuration: node_address "host:port" and the three TLS
// files set. INVALID_ARGUMENT naming the file otherwise.
absl::StatusOr<v1::ClientConfig> ParseClientConfig(absl::string_view file_name,
                                                   absl::string_view text);
// Reads, parses and resolves relative paths as LoadNodeConfig does.
absl::StatusOr<v1::ClientConfig> LoadClientConfig(const std::string& path);

// `path` if it is absolute or empty, else `base_dir`/`path`.
std::string ResolvePath(absl::string_view base_dir, absl::string_view path);

}  // namespace ots

#endif  // OTS_NODE_TRUST_CONFIG_H_
