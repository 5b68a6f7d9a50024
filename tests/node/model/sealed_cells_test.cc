#include "node/model/sealed_cells.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/bytes.h"
#include "crypto/sha256.h"
#include "node/model/return_header.h"

namespace ots {
namespace {

const std::string kSalt(kSaltBytes, '\x5a');
constexpr absl::string_view kCell = "AZ,2020,UZ,STUDY,F,_T,12,A,C,STK";

TEST_CASE("a sealed line keeps the dimensions and hides the value behind a salted commitment",
          "[sealed]") {
  const std::string sealed = SealLine(kCell, kSalt);
  // The commitment, computed here from its definition (docs/formats.md §2a).
  const std::string commitment =
      HexEncode(HashBytes(Sha256(absl::StrCat("ots-cell-commitment/v1\n", kSalt, kCell))));
  CHECK(sealed == absl::StrCat("AZ,2020,UZ,STUDY,F,_T,sealed:", commitment, ",,C,STK"));
  CHECK(IsSealedLine(sealed));
  CHECK_FALSE(IsSealedLine(kCell));
  CHECK(sealed.find(",12,") == std::string::npos);
  // Guessing the count by hashing candidates fails without the salt: an unsalted commitment to
  // the true line is not the one in the leaf.
  CHECK(sealed.find(HexEncode(HashBytes(
            Sha256(absl::StrCat("ots-cell-commitment/v1\n", kCell))))) == std::string::npos);
  // Another salt, another leaf: equal counts do not show as equal leaves.
  CHECK(SealLine(kCell, std::string(kSaltBytes, '\x01')) != sealed);
}

TEST_CASE("a return is sealed: confidential cells become sealed leaves, the sum is of the rest",
          "[sealed]") {
  CellLines cells;
  cells.Add("AZ,2020,UZ,STUDY,F,_T,12,A,C,STK");
  cells.Add("AZ,2020,UZ,STUDY,M,_T,3,P,D,STK");
  cells.Add("AZ,2020,UZ,STUDY,_T,_T,40,A,F,STK");
  cells.Sort();
  CHECK(AnyToSeal(cells));
  int salts = 0;
  absl::StatusOr<SealedReturn> sealed =
      SealReturn(cells, [&](absl::string_view) -> absl::StatusOr<std::string> {
        return std::string(kSaltBytes, static_cast<char>(++salts));
      });
  REQUIRE(sealed.ok());
  CHECK(salts == 2);
  CHECK(sealed->open_sum == 40);
  CHECK(sealed->openings.size() == 2);
  REQUIRE(sealed->leaves.size() == 3);
  int sealed_leaves = 0;
  for (size_t i = 0; i < sealed->leaves.size(); ++i) {
    if (i > 0) {
      CHECK(sealed->leaves[i - 1] < sealed->leaves[i]);
    }
    if (IsSealedLine(sealed->leaves[i])) {
      ++sealed_leaves;
      const Openings::Opening* o = sealed->openings.Find(sealed->leaves[i]);
      REQUIRE(o != nullptr);
      CHECK(SealLine(o->line, o->salt) == sealed->leaves[i]);
    }
  }
  CHECK(sealed_leaves == 2);
  CHECK(CheckOpenings(sealed->openings, sealed->leaves, "here").ok());

  // The text form round-trips; an altered salt or value opens nothing of the return.
  const std::string text = sealed->openings.Serialize();
  absl::StatusOr<Openings> parsed = Openings::Parse(text, "openings");
  REQUIRE(parsed.ok());
  CHECK(parsed->Serialize() == text);
  CHECK(CheckOpenings(*parsed, sealed->leaves, "here").ok());
  std::string altered = text;
  altered[0] = altered[0] == 'a' ? 'b' : 'a';
  absl::StatusOr<Openings> wrong_salt = Openings::Parse(altered, "openings");
  REQUIRE(wrong_salt.ok());
  CHECK(CheckOpenings(*wrong_salt, sealed->leaves, "here").code() ==
        absl::StatusCode::kInvalidArgument);
  std::string other_value = text;
  other_value.replace(other_value.find(",12,"), 4, ",13,");
  absl::StatusOr<Openings> wrong_value = Openings::Parse(other_value, "openings");
  REQUIRE(wrong_value.ok());
  CHECK_FALSE(CheckOpenings(*wrong_value, sealed->leaves, "here").ok());

  CellLines open;
  open.Add("AZ,2020,UZ,STUDY,_T,_T,40,A,F,STK");
  CHECK_FALSE(AnyToSeal(open));
}

TEST_CASE("openings that are not a salt and a confidential cell line are refused", "[sealed]") {
  const std::string salt_hex = HexEncode(kSalt);
  for (const std::string& bad :
       {absl::StrCat(salt_hex, ",AZ,2020,UZ,STUDY,F,_T,12,A,F,STK\n"),  // not confidential
        absl::StrCat(salt_hex.substr(1), ",AZ,2020,UZ,STUDY,F,_T,12,A,C,STK\n"),
        absl::StrCat(salt_hex, ",AZ,2020,UZ,STUDY,F,_T,x,A,C,STK\n"),
        absl::StrCat(salt_hex, ",AZ,2020,UZ,STUDY,F,_T,12,A,C,STK"),  // no newline
        absl::StrCat(salt_hex, ",AZ,2020,UZ,STUDY,F,_T,12,A,C,STK\n", salt_hex,
                     ",AZ,2020,UZ,STUDY,F,_T,12,A,C,STK\n")}) {
    absl::StatusOr<Openings> parsed = Openings::Parse(bad, "openings/AZ/2020/1");
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(parsed.status().message(), "openings/AZ/2020/1: opening"));
  }
}

TEST_CASE("a header with sealed cells is format v2, and without them v1 as before",
          "[sealed][header]") {
  v1::ReturnHeader h;
  h.set_origin("AZ");
  h.set_period("2020");
  h.set_revision(1);
  h.set_cell_count(3);
  h.set_cells_root(std::string(32, '\x01'));
  h.set_value_sum(40);
  h.set_created_at("2026-01-15T09:00:00Z");
  h.set_key_id(std::string(64, 'a'));
  const std::string v1_text = FormatReturnHeader(h);
  CHECK(absl::StartsWith(v1_text, "ots-return-header/v1\n"));
  CHECK(v1_text.find("sealed") == std::string::npos);

  h.set_sealed_count(2);
  const std::string v2_text = FormatReturnHeader(h);
  CHECK(absl::StartsWith(v2_text, "ots-return-header/v2\n"));
  CHECK(absl::StrContains(v2_text, "\ncells 3\nsealed 2\ncells_root "));
  absl::StatusOr<v1::ReturnHeader> parsed = ParseReturnHeader(v2_text);
  REQUIRE(parsed.ok());
  CHECK(parsed->sealed_count() == 2);
  CHECK(FormatReturnHeader(*parsed) == v2_text);

  // A v2 header must seal at least one cell and at most all; a v1 header has no such line.
  std::string none = v2_text;
  none.replace(none.find("sealed 2"), 8, "sealed 0");
  CHECK_FALSE(ParseReturnHeader(none).ok());
  std::string too_many = v2_text;
  too_many.replace(too_many.find("sealed 2"), 8, "sealed 4");
  CHECK_FALSE(ParseReturnHeader(too_many).ok());
  std::string v1_with_sealed = v2_text;
  v1_with_sealed.replace(0, 20, "ots-return-header/v1");
  CHECK_FALSE(ParseReturnHeader(v1_with_sealed).ok());
}

}  // namespace
}  // namespace ots
