// The one text form of instants in the project: RFC 3339 in UTC to the second,
// "2026-11-27T10:42:00Z" (headers' created_at, certificates' validity in the bundle, status).
#ifndef OTS_NODE_BASE_RFC3339_H_
#define OTS_NODE_BASE_RFC3339_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ots {

inline std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Any RFC 3339 instant (with an offset or Z, with or without fractions of a second).
inline absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not an RFC 3339 time: ", err));
  }
  return t;
}

}  // namespace ots

#endif  // OTS_NODE_BASE_RFC3339_H_
