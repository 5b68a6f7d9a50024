#include "node/base/text.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace ots {
namespace {

// Length of the valid UTF-8 sequence at the start of `s` and its code point, or 0 if the first
// byte does not start one (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8Sequence(absl::string_view s, uint32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  size_t n;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < n) {
    return 0;
  }
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  *code_point = cp;
  return n;
}

// Code points shown escaped though valid: C1 controls, the line and paragraph separators and
// the bidirectional formatting characters (which reorder what a terminal or editor shows).
bool HiddenCodePoint(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
         cp == 0x200F || cp == 0x061C || cp == 0xFEFF;
}

// Appends the character at the start of `s`, escaped as needed, to `out`; returns how many
// bytes of `s` it took.
size_t AppendEscaped(absl::string_view s, bool quote, std::string* out) {
  uint32_t cp = 0;
  const size_t n = Utf8Sequence(s, &cp);
  if (n == 0) {
    absl::StrAppendFormat(out, "\\x%02x", static_cast<uint8_t>(s[0]));
    return 1;
  }
  if (n == 1) {
    const char c = s[0];
    if (c == '\t') {
      out->append("\\t");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (cp < 0x20 || cp == 0x7F) {
      absl::StrAppendFormat(out, "\\x%02x", cp);
    } else if (quote && (c == '"' || c == '\\')) {
      out->push_back('\\');
      out->push_back(c);
    } else {
      out->push_back(c);
    }
    return 1;
  }
  if (HiddenCodePoint(cp)) {
    absl::StrAppendFormat(out, "\\u{%04X}", cp);
  } else {
    out->append(s.data(), n);
  }
  return n;
}

}  // namespace

std::string Printable(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    i += AppendEscaped(s.substr(i), /*quote=*/false, &out);
  }
  return out;
}

std::string Quoted(absl::string_view s, size_t max_bytes) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    i += AppendEscaped(s.substr(i), /*quote=*/true, &out);
  }
  out.push_back('"');
  if (i < s.size()) {
    out.insert(out.size() - 1, "...");
    absl::StrAppend(&out, " (", s.size(), " bytes)");
  }
  return out;
}

std::string BoundedLine(absl::string_view s, size_t max_bytes) {
  const size_t room = max_bytes >= 3 ? max_bytes - 3 : 0;  // for the "..." of a cut line
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    std::string next;
    const size_t n = AppendEscaped(s.substr(i), /*quote=*/false, &next);
    if (out.size() + next.size() > room) {
      break;
    }
    out.append(next);
    i += n;
  }
  if (i == s.size()) {
    return out;
  }
  // The rest may still fit without the "...".
  if (s.size() - i <= max_bytes) {
    std::string rest = Printable(s.substr(i));
    if (out.size() + rest.size() <= max_bytes) {
      return out + rest;
    }
  }
  out.append("...");
  return out;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", c < 0x10 ? "0" : "", absl::Hex(c));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(s);
  }
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\"\""}}), "\"");
}

}  // namespace ots
