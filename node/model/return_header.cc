#include "node/model/return_header.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "crypto/bytes.h"

namespace ots {
namespace {

// The fields of each version, in order.
constexpr const char* kFieldsV1[] = {"origin",    "period",     "revision",   "cells", "cells_root",
                                     "value_sum", "created_at", "supersedes", "key_id"};
constexpr const char* kFieldsV2[] = {"origin",     "period",     "revision",  "cells",
                                     "sealed",     "cells_root", "value_sum", "created_at",
                                     "supersedes", "key_id"};

bool ParseDecimal(absl::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return absl::SimpleAtoi(s, out);
}

bool ParseHash(absl::string_view s, std::string* out) {
  if (s.size() != 64) {
    return false;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  auto bytes = HexDecode(s);
  if (!bytes.ok()) {
    return false;
  }
  *out = *std::move(bytes);
  return true;
}

bool IsToken(absl::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c <= ' ' || c > '~') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string FormatReturnHeader(const v1::ReturnHeader& h) {
  const bool v2 = h.sealed_count() > 0;
  return absl::StrCat(v2 ? kReturnHeaderMagicV2 : kReturnHeaderMagic, "\n",  //
                      "origin ", h.origin(), "\n",                           //
                      "period ", h.period(), "\n",                           //
                      "revision ", h.revision(), "\n",                       //
                      "cells ", h.cell_count(), "\n",                        //
                      v2 ? absl::StrCat("sealed ", h.sealed_count(), "\n") : "", "cells_root ",
                      HexEncode(h.cells_root()), "\n",      //
                      "value_sum ", h.value_sum(), "\n",    //
                      "created_at ", h.created_at(), "\n",  //
                      "supersedes ", h.supersedes().empty() ? "-" : HexEncode(h.supersedes()),
                      "\n",  //
                      "key_id ", h.key_id(), "\n");
}

absl::StatusOr<v1::ReturnHeader> ParseReturnHeader(absl::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("return header: does not end with a newline");
  }
  text.remove_suffix(1);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  const bool v2 = lines[0] == kReturnHeaderMagicV2;
  if (!v2 && lines[0] != kReturnHeaderMagic) {
    return absl::InvalidArgumentError(absl::StrCat("return header line 1: expected \"",
                                                   kReturnHeaderMagic, "\" or \"",
                                                   kReturnHeaderMagicV2, "\""));
  }
  const absl::Span<const char* const> fields =
      v2 ? absl::MakeConstSpan(kFieldsV2) : absl::MakeConstSpan(kFieldsV1);
  if (lines.size() != 1 + fields.size()) {
    return absl::InvalidArgumentError(absl::StrCat("return header: expected ", 1 + fields.size(),
                                                   " lines, found ", lines.size()));
  }
  v1::ReturnHeader h;
  for (size_t i = 0; i < fields.size(); ++i) {
    absl::string_view line = lines[i + 1];
    absl::string_view name = fields[i];
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("return header line ", i + 2, " (", name, "): ", why));
    };
    if (!absl::ConsumePrefix(&line, name) || !absl::ConsumePrefix(&line, " ")) {
      return bad(absl::StrCat("expected \"", name, " <value>\""));
    }
    if (!IsToken(line)) {
      return bad("value is empty or contains spaces or control characters");
    }
    uint64_t n = 0;
    std::string hash;
    if (name == "origin") {
      h.set_origin(std::string(line));
    } else if (name == "period") {
      h.set_period(std::string(line));
    } else if (name == "revision" || name == "cells" || name == "sealed" || name == "value_sum") {
      if (!ParseDecimal(line, &n)) {
        return bad("not a canonical decimal number");
      }
      if (name == "revision") {
        h.set_revision(n);
      } else if (name == "cells") {
        h.set_cell_count(n);
      } else if (name == "sealed") {
        if (n == 0 || n > h.cell_count()) {
          return bad("a v2 header seals at least one cell and at most its cells");
        }
        h.set_sealed_count(n);
      } else {
        h.set_value_sum(n);
      }
    } else if (name == "cells_root" || name == "key_id") {
      if (!ParseHash(line, &hash)) {
        return bad("not 64 lower-case hex digits");
      }
      if (name == "cells_root") {
        h.set_cells_root(hash);
      } else {
        h.set_key_id(std::string(line));
      }
    } else if (name == "created_at") {
      h.set_created_at(std::string(line));
    } else if (name == "supersedes") {
      if (line != "-") {
        if (!ParseHash(line, &hash)) {
          return bad("not \"-\" or 64 lower-case hex digits");
        }
        h.set_supersedes(hash);
      }
    }
  }
  return h;
}

}  // namespace ots
