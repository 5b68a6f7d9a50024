#include "node/model/return_header.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crypto/bytes.h"

namespace ots {
namespace {

constexpr const char* kFieldNames[] = {"origin",     "period",     "revision",
                                       "cells",      "cells_root", "value_sum",
                                       "created_at", "supersedes", "key_id"};

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
  return absl::StrCat(kReturnHeaderMagic, "\n",                        //
                      "origin ", h.origin(), "\n",                     //
                      "period ", h.period(), "\n",                     //
                      "revision ", h.revision(), "\n",                 //
                      "cells ", h.cell_count(), "\n",                  //
                      "cells_root ", HexEncode(h.cells_root()), "\n",  //
                      "value_sum ", h.value_sum(), "\n",               //
                      "created_at ", h.created_at(), "\n",             //
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
  constexpr size_t kFields = sizeof(kFieldNames) / sizeof(kFieldNames[0]);
  if (lines.size() != 1 + kFields) {
    return absl::InvalidArgumentError(
        absl::StrCat("return header: expected ", 1 + kFields, " lines, found ", lines.size()));
  }
  if (lines[0] != kReturnHeaderMagic) {
    return absl::InvalidArgumentError(
        absl::StrCat("return header line 1: expected \"", kReturnHeaderMagic, "\""));
  }
  v1::ReturnHeader h;
  for (size_t i = 0; i < kFields; ++i) {
    absl::string_view line = lines[i + 1];
    absl::string_view name = kFieldNames[i];
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
    switch (i) {
      case 0:
        h.set_origin(std::string(line));
        break;
      case 1:
        h.set_period(std::string(line));
        break;
      case 2:
      case 3:
      case 5:
        if (!ParseDecimal(line, &n)) {
          return bad("not a canonical decimal number");
        }
        if (i == 2) {
          h.set_revision(n);
        } else if (i == 3) {
          h.set_cell_count(n);
        } else {
          h.set_value_sum(n);
        }
        break;
      case 4:
        if (!ParseHash(line, &hash)) {
          return bad("not 64 lower-case hex digits");
        }
        h.set_cells_root(hash);
        break;
      case 6:
        h.set_created_at(std::string(line));
        break;
      case 7:
        if (line != "-") {
          if (!ParseHash(line, &hash)) {
            return bad("not \"-\" or 64 lower-case hex digits");
          }
          h.set_supersedes(hash);
        }
        break;
      case 8:
        if (!ParseHash(line, &hash)) {
          return bad("not 64 lower-case hex digits");
        }
        h.set_key_id(std::string(line));
        break;
    }
  }
  return h;
}

}  // namespace ots
