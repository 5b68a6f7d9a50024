// Status propagation macros. Our Abseil (20220623) has none of its own.
#ifndef OTS_CRYPTO_STATUS_MACROS_H_
#define OTS_CRYPTO_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function if `expr` yields a non-OK absl::Status.
#define OTS_RETURN_IF_ERROR(expr)        \
  do {                                   \
    ::absl::Status ots_status_ = (expr); \
    if (!ots_status_.ok()) {             \
      return ots_status_;                \
    }                                    \
  } while (false)

#define OTS_STATUS_CONCAT_INNER_(a, b) a##b
#define OTS_STATUS_CONCAT_(a, b) OTS_STATUS_CONCAT_INNER_(a, b)

// `lhs` is assigned the value of `rexpr` (an absl::StatusOr<T>), or the enclosing function
// returns its status. `lhs` may be a declaration: OTS_ASSIGN_OR_RETURN(auto x, F());
#define OTS_ASSIGN_OR_RETURN(lhs, rexpr) \
  OTS_ASSIGN_OR_RETURN_IMPL_(OTS_STATUS_CONCAT_(ots_statusor_, __LINE__), lhs, rexpr)

#define OTS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) {                                  \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = std::move(statusor).value()

#endif  // OTS_CRYPTO_STATUS_MACROS_H_
