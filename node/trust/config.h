// Configuration files (proto/config.proto), read from protobuf text format and validated once.
#ifndef OTS_NODE_TRUST_CONFIG_H_
#define OTS_NODE_TRUST_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/config.pb.h"

namespace ots {

// The largest return a node accepts unless its configuration says otherwise (max_return_bytes).
constexpr uint64_t kDefaultMaxReturnBytes = uint64_t{1} << 30;
// max_return_bytes of `config`, or the default.
uint64_t MaxReturnBytes(const v1::NodeConfig& config);
// accepted_dataflows of `config`, or the federation's dataflow.
std::vector<std::string> AcceptedDataflows(const v1::NodeConfig& config);
// True for an SDMX dataflow reference AGENCY:ID(VERSION), e.g. "OTS:DF_MIGR_STOCK(1.0)".
bool IsDataflowReference(absl::string_view s);

// Parses `text` (read from `file_name`, named in every message) and validates it: origin a
// federation state or "OTS" (the Secretariat), data_dir set, log_key_file set for a state,
// listen_address host:port if set, accepted_dataflows dataflow references.
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
