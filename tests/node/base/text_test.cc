#include "node/base/text.h"

#include <string>

#include <catch2/catch.hpp>

namespace ots {
namespace {

TEST_CASE("Printable escapes controls, hidden characters and invalid UTF-8", "[text]") {
  CHECK(Printable("plain text, Türkiye, Қазақстан") == "plain text, Türkiye, Қазақстан");
  CHECK(Printable("a\x1b[31mred") == "a\\x1b[31mred");
  CHECK(Printable("FAKE\rLINE\nnext\tx") == "FAKE\\rLINE\\nnext\\tx");
  CHECK(Printable(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(Printable("del\x7f") == "del\\x7f");
  CHECK(Printable("bad \xff byte") == "bad \\xff byte");
  CHECK(Printable("cut \xe2\x80") == "cut \\xe2\\x80");            // truncated sequence
  CHECK(Printable("overlong \xc0\xaf") == "overlong \\xc0\\xaf");  // overlong '/'
  CHECK(Printable("surrogate \xed\xa0\x80") == "surrogate \\xed\\xa0\\x80");
  CHECK(Printable("\xe2\x80\xae"
                  "evil") == "\\u{202E}evil");        // right-to-left override
  CHECK(Printable("c1 \xc2\x9b") == "c1 \\u{009B}");  // CSI as a C1 control
  CHECK(Printable("line\xe2\x80\xa8sep") == "line\\u{2028}sep");
  // Already escaped text is not escaped twice.
  CHECK(Printable("a\\x1b") == "a\\x1b");
}

TEST_CASE("Quoted shows a short escaped prefix and the full length", "[text]") {
  CHECK(Quoted("AZ") == "\"AZ\"");
  CHECK(Quoted("say \"hi\" \\ bye") == "\"say \\\"hi\\\" \\\\ bye\"");
  CHECK(Quoted(std::string(1000000, 'A')) ==
        "\"" + std::string(kQuotedPrefixBytes, 'A') + "...\" (1000000 bytes)");
  CHECK(Quoted("\x1b\x1b\x1b", 2) == "\"\\x1b\\x1b...\" (3 bytes)");
  // Never cuts a character in two.
  CHECK(Quoted("ğğğ", 3) == "\"ğğ...\" (6 bytes)");
}

TEST_CASE("BoundedLine never exceeds its bound", "[text]") {
  CHECK(BoundedLine("short", 100) == "short");
  const std::string cut = BoundedLine(std::string(5000, '\x1b'), 1024);
  CHECK(cut.size() <= 1024);
  CHECK(cut.substr(cut.size() - 3) == "...");
  CHECK(cut.substr(0, 8) == "\\x1b\\x1b");
  CHECK(BoundedLine("exactly10!", 10) == "exactly10!");
  CHECK(BoundedLine("eleven char", 10) == "eleven ...");
}

}  // namespace
}  // namespace ots
