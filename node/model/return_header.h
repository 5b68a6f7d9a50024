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

// First line of a header text: v1 for a return without sealed cells, v2 (which adds the line
// "sealed <n>" after "cells <n>") for one with sealed cells (docs/formats.md §2a, §3).
constexpr absl::string_view kReturnHeaderMagic = "ots-return-header/v1";
constexpr absl::string_view kReturnHeaderMagicV2 = "ots-return-header/v2";

// The canonical text of `h`: v2 if h.sealed_count > 0, else v1. `h.cells_root` must be 32 bytes
// and `h.supersedes` empty or 32.
std::string FormatReturnHeader(const v1::ReturnHeader& h);

// Parses a header text; INVALID_ARGUMENT naming the first line that deviates from the format
// (FormatReturnHeader(ParseReturnHeader(t)) == t for every accepted t: a v2 header says
// "sealed" with a number above 0 and at most "cells").
absl::StatusOr<v1::ReturnHeader> ParseReturnHeader(absl::string_view text);

}  // namespace ots

#endif  // OTS_NODE_MODEL_RETURN_HEADER_H_
