// Conversion between absl::Status and grpc::Status at the RPC boundary (STYLE §3). Both use
// the canonical codes, so the code passes through unchanged.
#ifndef OTS_NODE_RPC_GRPC_STATUS_H_
#define OTS_NODE_RPC_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace ots {

inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) {
    return grpc::Status::OK;
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) {
    return absl::OkStatus();
  }
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace ots

#endif  // OTS_NODE_RPC_GRPC_STATUS_H_
