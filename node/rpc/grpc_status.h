// The RPC boundary: conversion between absl::Status and grpc::Status (STYLE §3; both use the
// canonical codes, so the code passes through unchanged), and call deadlines.
#ifndef OTS_NODE_RPC_GRPC_STATUS_H_
#define OTS_NODE_RPC_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpc/support/time.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/time.h"

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

// The deadline `timeout` from now, on gRPC's own monotonic clock (a deadline is gRPC's business:
// the wall clock, and the node's injected Clock, are not read for it).
inline gpr_timespec DeadlineIn(absl::Duration timeout) {
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                      gpr_time_from_millis(absl::ToInt64Milliseconds(timeout), GPR_TIMESPAN));
}

}  // namespace ots

#endif  // OTS_NODE_RPC_GRPC_STATUS_H_
