// Text of unknown origin (a field of an uploaded file, a file name a client sent, a line from a
// peer) made safe to put into a message, a log line, a gRPC status or a terminal: nothing in it
// can move the cursor, colour the screen, forge a log line or break a UTF-8 decoder, and a long
// field is shown by a short prefix and its length.
#ifndef OTS_NODE_BASE_TEXT_H_
#define OTS_NODE_BASE_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace ots {

// Bytes of a field quoted in a message: enough to recognise it, never a screenful.
constexpr size_t kQuotedPrefixBytes = 40;

// `s` with every character that is not printable shown escaped: C0 controls and DEL as \t, \n,
// \r or \xNN (ESC is \x1b), C1 controls (U+0080..U+009F), the line and paragraph separators and
// the bidirectional formatting characters as \u{XXXX}, and every byte that is not part of valid
// UTF-8 as \xNN. Printable UTF-8, backslashes included, is kept as it is, so text that is
// already escaped is not escaped twice.
std::string Printable(absl::string_view s);

// `s` in double quotes for a message: escaped as Printable does, with `"` and `\` escaped too,
// and cut after `max_bytes` bytes of `s` (at a character boundary) with the full length given:
// "OTS:DF_MIGR_STOCK(1.0)", "AAAAAAAAAA..." (1048576 bytes).
std::string Quoted(absl::string_view s, size_t max_bytes = kQuotedPrefixBytes);

// `s` made Printable and cut to at most `max_bytes` bytes (at a character boundary, "..."
// appended when cut): for a message that must fit a bound, e.g. a gRPC status line.
std::string BoundedLine(absl::string_view s, size_t max_bytes);

// `s` as a JSON string literal, quotes included; '"', '\' and control characters escaped (the
// latter as \u00XX). `s` must be UTF-8 (Printable text is).
std::string JsonString(absl::string_view s);

// `s` as one RFC 4180 CSV field: quoted, its quotes doubled, if it holds a comma, quote or line
// break; as it is otherwise.
std::string CsvField(absl::string_view s);

}  // namespace ots

#endif  // OTS_NODE_BASE_TEXT_H_
