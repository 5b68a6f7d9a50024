// The signed return header (docs/formats.md §3): a short text, one "name value" line per field
// in fixed order, signed by the origin's log key inside a DSSE envelope and appended as one
// leaf of the origin's log.
#ifndef OTS_NODE_MODEL_RETURN_HEADER_H_
#define OTS_NODE_MODEL_RETURN_HEADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/data.pb.h"

namespace ots {

// First line of every header text.
constexpr absl::string_view kReturnHeaderMagic = "ots-return-header/v1";

// The canonical text of `h`. `h.cells_root` must be 32 bytes and `h.supersedes` empty or 32.
std::string FormatReturnHeader(const v1::ReturnHeader& h);

// Parses a header text; INVALID_ARGUMENT naming the first line that deviates from the format
// (FormatReturnHeader(ParseReturnHeader(t)) == t for every accepted t).
absl::StatusOr<v1::ReturnHeader> ParseReturnHeader(absl::string_view text);

}  // namespace ots

#endif  // OTS_NODE_MODEL_RETURN_HEADER_H_
