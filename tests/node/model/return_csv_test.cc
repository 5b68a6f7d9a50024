#include "node/model/return_csv.h"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/base/text.h"

namespace ots {
namespace {

constexpr char kHeader[] =
    "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
    "STOCK_FLOW\n";

std::string Csv(const std::vector<std::string>& rows) {
  std::string out = kHeader;
  for (const std::string& r : rows) {
    absl::StrAppend(&out, r, "\n");
  }
  return out;
}

// Parses expecting rejection and returns the problems.
std::vector<std::string> Problems(const std::string& csv, const std::string& origin = "AZ") {
  std::vector<std::string> problems;
  absl::StatusOr<ParsedReturn> r = ParseReturnCsv("r.csv", csv, origin, &problems);
  CHECK_FALSE(r.ok());
  return problems;
}

bool HasProblem(const std::vector<std::string>& problems, const std::string& needle) {
  for (const std::string& p : problems) {
    if (absl::StrContains(p, needle)) {
      return true;
    }
  }
  return false;
}

TEST_CASE("plain CSV return is parsed, canonicalised and sorted", "[import]") {
  std::vector<std::string> problems;
  auto r =
      ParseReturnCsv("r.csv",
                     Csv({"AZ,2020,UZ,_T,_T,_T,16254,A,F,STK", "AZ,2020,UZ,_T,F,_T,8398,A,F,STK",
                          "AZ,2020,UZ,_T,M,_T,7856,A,F,STK"}),
                     "AZ", &problems);
  REQUIRE(r.ok());
  CHECK(problems.empty());
  CHECK(r->origin == "AZ");
  CHECK(r->period == "2020");
  CHECK(r->value_sum == 16254 + 8398 + 7856);
  REQUIRE(r->lines.size() == 3);
  CHECK(r->lines[0] == "AZ,2020,UZ,_T,F,_T,8398,A,F,STK");
  CHECK(r->lines[1] == "AZ,2020,UZ,_T,M,_T,7856,A,F,STK");
  CHECK(r->lines[2] == "AZ,2020,UZ,_T,_T,_T,16254,A,F,STK");
}

TEST_CASE("SDMX-CSV with DATAFLOW, reordered columns, quotes, CRLF and BOM", "[import]") {
  std::string csv =
      "\xEF\xBB\xBF"
      "DATAFLOW,TIME_PERIOD,REF_AREA,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,"
      "CONF_STATUS,STOCK_FLOW\r\n"
      "OTS:DF_MIGR_STOCK(1.0),2020-Q2,KZ,\"UZ\",WORK_PERM,F,Y15T64,12,P,F,FLW\r\n";
  auto r = ParseReturnCsv("r.csv", csv, "KZ", nullptr);
  REQUIRE(r.ok());
  REQUIRE(r->lines.size() == 1);
  CHECK(r->lines[0] == "KZ,2020-Q2,UZ,WORK_PERM,F,Y15T64,12,P,F,FLW");
}

TEST_CASE("SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION and columns of its own", "[import]") {
  const std::string head =
      "STRUCTURE[;],STRUCTURE_ID,ACTION,REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,"
      "OBS_STATUS,CONF_STATUS,STOCK_FLOW,UPDATED\n";
  const std::string row = "dataflow,OTS:DF_MIGR_STOCK(1.0),I,KZ,2020,UZ,_T,F,_T,12,A,F,STK,x\n";
  auto r = ParseReturnCsv("r.csv", head + row, "KZ", nullptr);
  REQUIRE(r.ok());
  REQUIRE(r->lines.size() == 1);
  CHECK(r->lines[0] == "KZ,2020,UZ,_T,F,_T,12,A,F,STK");
  // In cell-line order, with and without ACTION: each row is its own line after the prefix.
  const std::pair<const char*, const char*> prefixes[] = {
      {"STRUCTURE,STRUCTURE_ID,", "dataflow,OTS:DF_MIGR_STOCK(1.0),"},
      {"STRUCTURE,STRUCTURE_ID,ACTION,", "dataflow,OTS:DF_MIGR_STOCK(1.0),R,"}};
  for (const auto& [columns, fields] : prefixes) {
    r = ParseReturnCsv("r.csv",
                       absl::StrCat(columns,
                                    "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,"
                                    "OBS_STATUS,CONF_STATUS,STOCK_FLOW\n",
                                    fields, "KZ,2020,UZ,_T,M,_T,7,A,F,STK\n"),
                       "KZ", nullptr);
    REQUIRE(r.ok());
    CHECK(r->lines[0] == "KZ,2020,UZ,_T,M,_T,7,A,F,STK");
  }

  // Appends and deletions are not returns; nor is a row of another kind of structure.
  auto problems =
      Problems(head + "dataflow,OTS:DF_MIGR_STOCK(1.0),A,KZ,2020,UZ,_T,F,_T,1,A,F,STK,\n", "KZ");
  CHECK(HasProblem(problems, "r.csv:2: ACTION A (append) is not accepted"));
  problems =
      Problems(head + "dataflow,OTS:DF_MIGR_STOCK(1.0),D,KZ,2020,UZ,_T,F,_T,1,A,F,STK,\n", "KZ");
  CHECK(HasProblem(problems, "r.csv:2: ACTION D (delete) is not accepted"));
  problems =
      Problems(head + "dataflow,OTS:DF_MIGR_STOCK(1.0),X,KZ,2020,UZ,_T,F,_T,1,A,F,STK,\n", "KZ");
  CHECK(HasProblem(problems, "ACTION \"X\" is not an SDMX-CSV 2.0 action"));
  problems = Problems(
      head + "datastructure,OTS:DF_MIGR_STOCK(1.0),I,KZ,2020,UZ,_T,F,_T,1,A,F,STK,\n", "KZ");
  CHECK(HasProblem(problems, "STRUCTURE \"datastructure\" is not \"dataflow\""));
  problems = Problems(head + "dataflow,ESTAT:OTHER(1.0),I,KZ,2020,UZ,_T,F,_T,1,A,F,STK,\n", "KZ");
  CHECK(HasProblem(problems, "STRUCTURE_ID \"ESTAT:OTHER(1.0)\" is not a dataflow this node"));
  problems = Problems("STRUCTURE,REF_AREA\ndataflow,KZ\n", "KZ");
  CHECK(HasProblem(problems, "STRUCTURE must be followed by STRUCTURE_ID"));
  // A column a return needs is still missing, whatever the columns of its own.
  problems = Problems(
      "STRUCTURE,STRUCTURE_ID,REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,"
      "OBS_STATUS,CONF_STATUS,STOCK_FLOWS\n",
      "KZ");
  CHECK(HasProblem(problems, "missing column STOCK_FLOW"));
}

TEST_CASE("every problem is reported as file:line: what", "[import]") {
  auto p = Problems(Csv({
      "AZ,2020,XZ,_T,_T,_T,1,A,F,STK",       // line 2
      "AZ,2020,UZ,TOURIST,_T,_T,1,A,F,STK",  // line 3
      "AZ,2020,UZ,_T,X,_T,1,A,F,STK",        // line 4
      "AZ,2020,UZ,_T,F,Y5T1,1,A,F,STK",      // line 5
      "AZ,2020,UZ,_T,M,_T,-5,A,F,STK",       // line 6
      "AZ,2020,UZ,_T,M,_T,1.5,A,F,STK",      // line 7
      "AZ,2020,UZ,_T,M,_T,007,A,F,STK",      // line 8
      "AZ,2020,UZ,_T,M,_T,7,Q,F,STK",        // line 9
      "AZ,2020,UZ,_T,M,_T,7,A,Z,STK",        // line 10
      "AZ,2020,UZ,_T,M,_T,7,A,F,XXX",        // line 11
      "AZ,2020,UZ,_T,M,_T,7,A,F",            // line 12
  }));
  CHECK(HasProblem(p, "r.csv:2: CITIZEN \"XZ\" is not an ISO 3166-1 alpha-2 code"));
  CHECK(HasProblem(p, "r.csv:3: STAY_CAT \"TOURIST\""));
  CHECK(HasProblem(p, "r.csv:4: SEX \"X\""));
  CHECK(HasProblem(p, "r.csv:5: AGE \"Y5T1\""));
  CHECK(HasProblem(p, "r.csv:6: OBS_VALUE \"-5\" is not a non-negative integer"));
  CHECK(HasProblem(p, "r.csv:7: OBS_VALUE \"1.5\""));
  CHECK(HasProblem(p, "r.csv:8: OBS_VALUE \"007\""));
  CHECK(HasProblem(p, "r.csv:9: OBS_STATUS \"Q\""));
  CHECK(HasProblem(p, "r.csv:10: CONF_STATUS \"Z\""));
  CHECK(HasProblem(p, "r.csv:11: STOCK_FLOW \"XXX\""));
  CHECK(HasProblem(p, "r.csv:12: expected 10 fields, found 9"));
  CHECK(p.size() == 11);
}

TEST_CASE("one REF_AREA, the node's own, and one TIME_PERIOD per return", "[import]") {
  auto p = Problems(Csv({"KZ,2020,UZ,_T,_T,_T,1,A,F,STK"}), "AZ");
  CHECK(HasProblem(p, "r.csv:2: REF_AREA \"KZ\" is not this node's state (AZ)"));
  p = Problems(Csv({"RU,2020,UZ,_T,_T,_T,1,A,F,STK"}), "");
  CHECK(HasProblem(p, "r.csv:2: REF_AREA \"RU\" is not a federation state"));
  p = Problems(Csv({"AZ,2020,UZ,_T,_T,_T,1,A,F,STK", "KZ,2020,KG,_T,_T,_T,1,A,F,STK"}), "");
  CHECK(HasProblem(p, "r.csv:3: REF_AREA \"KZ\" differs from \"AZ\""));
  p = Problems(Csv({"AZ,2020,UZ,_T,_T,_T,1,A,F,STK", "AZ,2021,KG,_T,_T,_T,1,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:3: TIME_PERIOD \"2021\" differs from \"2020\" (line 2)"));
  p = Problems(Csv({"AZ,2020-13,UZ,_T,_T,_T,1,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:2: TIME_PERIOD \"2020-13\""));
}

TEST_CASE("duplicate keys are rejected with both lines", "[import]") {
  auto p = Problems(Csv({"AZ,2020,UZ,_T,F,_T,1,A,F,STK", "AZ,2020,KG,_T,F,_T,1,A,F,STK",
                         "AZ,2020,UZ,_T,F,_T,2,E,F,STK"}));
  CHECK(HasProblem(p,
                   "r.csv:4: duplicate cell CITIZEN=UZ STAY_CAT=_T SEX=F AGE=_T (first at "
                   "line 2)"));
}

TEST_CASE("duplicates found at the end are listed in line order with the rest", "[import]") {
  // The duplicate on line 3 is found once every cell is read, the bad code on line 4 while
  // reading: the list is still in line order, and the same AGE spelled two ways is named.
  auto p = Problems(Csv({"AZ,2020,UZ,_T,F,Y_LT5,1,A,F,STK", "AZ,2020,UZ,_T,F,Y0T4,2,A,F,STK",
                         "AZ,2020,XX,_T,F,_T,2,A,F,STK"}));
  REQUIRE(p.size() == 2);
  CHECK(p[0] ==
        "r.csv:3: duplicate cell CITIZEN=UZ STAY_CAT=_T SEX=F AGE=Y0T4 (first at line 2 as "
        "AGE=Y_LT5, which covers the same ages)");
  CHECK(absl::StartsWith(p[1], "r.csv:4: CITIZEN \"XX\""));
}

TEST_CASE("more than a hundred duplicates are counted, a hundred listed", "[import]") {
  std::vector<std::string> rows;
  for (int i = 0; i < 150; ++i) {
    rows.push_back(absl::StrCat("AZ,2020,UZ,_T,F,_T,", i, ",A,F,STK"));
  }
  std::vector<std::string> problems;
  ReturnCsvParser parser("r.csv", {});
  parser.Add(Csv(rows));
  CHECK_FALSE(parser.Finish().ok());
  CHECK(parser.problems().size() == kMaxProblems);
  CHECK(parser.problem_count() > kMaxProblems);
  CHECK(parser.problems().front().line == 3);
  CHECK(parser.problems().back().line == kMaxProblems + 2);
}

TEST_CASE("header problems: unknown, missing and repeated columns", "[import]") {
  auto p = Problems(
      "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,"
      "CONF_STATUS,REGION,SEX\nAZ,2020,UZ,_T,_T,_T,1,A,F,X,F\n");
  CHECK(HasProblem(p, "r.csv:1: unknown column \"REGION\""));
  CHECK(HasProblem(p, "r.csv:1: column SEX appears twice"));
  CHECK(HasProblem(p, "r.csv:1: missing column STOCK_FLOW"));
  p = Problems("");
  CHECK(HasProblem(p, "r.csv:1: empty file"));
  p = Problems(kHeader);
  CHECK(HasProblem(p, "no cells"));
  p = Problems(Csv({"AZ,2020,\"UZ,_T,_T,_T,1,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:2: unterminated quoted field"));
}

TEST_CASE("SEX totals must equal F + M (+ _U) when both are given", "[import][totals]") {
  auto ok = ParseReturnCsv("r.csv",
                           Csv({"AZ,2020,UZ,_T,_T,_T,10,A,F,STK", "AZ,2020,UZ,_T,F,_T,4,A,F,STK",
                                "AZ,2020,UZ,_T,M,_T,5,A,F,STK", "AZ,2020,UZ,_T,_U,_T,1,A,F,STK"}),
                           "AZ", nullptr);
  CHECK(ok.ok());
  auto p = Problems(Csv({"AZ,2020,UZ,_T,_T,_T,10,A,F,STK", "AZ,2020,UZ,_T,F,_T,4,A,F,STK",
                         "AZ,2020,UZ,_T,M,_T,5,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:2: SEX=_T total 10 does not equal its breakdown F + M = 9"));
  // Only F given: a partial breakdown may not exceed the total.
  CHECK(ParseReturnCsv("r.csv",
                       Csv({"AZ,2020,UZ,_T,_T,_T,10,A,F,STK", "AZ,2020,UZ,_T,F,_T,4,A,F,STK"}),
                       "AZ", nullptr)
            .ok());
  p = Problems(Csv({"AZ,2020,UZ,_T,_T,_T,10,A,F,STK", "AZ,2020,UZ,_T,F,_T,11,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:2: SEX=_T total 10 is less than the sum of its 1 parts, 11"));
}

TEST_CASE("CITIZEN totals may not be less than their parts", "[import][totals]") {
  CHECK(ParseReturnCsv("r.csv",
                       Csv({"AZ,2020,_T,_T,_T,_T,100,A,F,STK", "AZ,2020,UZ,_T,_T,_T,60,A,F,STK",
                            "AZ,2020,KG,_T,_T,_T,30,A,F,STK"}),
                       "AZ", nullptr)
            .ok());
  auto p = Problems(Csv({"AZ,2020,_T,_T,_T,_T,100,A,F,STK", "AZ,2020,UZ,_T,_T,_T,60,A,F,STK",
                         "AZ,2020,KG,_T,_T,_T,50,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:2: CITIZEN=_T total 100 is less than the sum of its 2 parts, 110"));
}

TEST_CASE("STAY_CAT categories overlap: each part at most the total", "[import][totals]") {
  // Work permits and documented labour migrants overlap; their sum may exceed the total.
  CHECK(ParseReturnCsv(
            "r.csv",
            Csv({"AZ,2020,UZ,_T,_T,_T,100,A,F,STK", "AZ,2020,UZ,WORK_PERM,_T,_T,80,A,F,STK",
                 "AZ,2020,UZ,LAB_MIG,_T,_T,70,A,F,STK"}),
            "AZ", nullptr)
            .ok());
  auto p =
      Problems(Csv({"AZ,2020,UZ,_T,_T,_T,100,A,F,STK", "AZ,2020,UZ,WORK_PERM,_T,_T,101,A,F,STK"}));
  CHECK(HasProblem(p,
                   "r.csv:2: STAY_CAT=_T total 100 is less than one of its parts, 101 at "
                   "line 3"));
}

TEST_CASE("AGE totals: bands, broad groups and single years", "[import][totals]") {
  std::vector<std::string> rows = {
      "AZ,2020,UZ,_T,F,_T,21,A,F,STK",    "AZ,2020,UZ,_T,F,Y_LT15,6,A,F,STK",
      "AZ,2020,UZ,_T,F,Y0T4,1,A,F,STK",   "AZ,2020,UZ,_T,F,Y5T9,2,A,F,STK",
      "AZ,2020,UZ,_T,F,Y10T14,3,A,F,STK", "AZ,2020,UZ,_T,F,Y15T64,10,A,F,STK",
      "AZ,2020,UZ,_T,F,Y_GE65,4,A,F,STK", "AZ,2020,UZ,_T,F,_U,1,A,F,STK"};
  CHECK(ParseReturnCsv("r.csv", Csv(rows), "AZ", nullptr).ok());

  std::vector<std::string> bad = rows;
  bad[0] = "AZ,2020,UZ,_T,F,_T,22,A,F,STK";
  auto p = Problems(Csv(bad));
  CHECK(HasProblem(p, "r.csv:2: AGE=_T total 22 does not equal its breakdown by age and _U, 21"));

  bad = rows;
  bad[1] = "AZ,2020,UZ,_T,F,Y_LT15,7,A,F,STK";  // 1 + 2 + 3 != 7
  p = Problems(Csv(bad));
  CHECK(HasProblem(p, "r.csv:3: AGE=Y_LT15 total 7 does not equal its breakdown by age, 6"));

  // Two codes for the same ages.
  p = Problems(Csv({"AZ,2020,UZ,_T,F,Y0T4,1,A,F,STK", "AZ,2020,UZ,_T,F,Y0T4,1,A,F,STK"}));
  CHECK(HasProblem(p, "duplicate cell"));
  p = Problems(Csv({"AZ,2020,UZ,_T,F,Y_LT1,1,A,F,STK", "AZ,2020,UZ,_T,F,Y0,1,A,F,STK"}));
  CHECK(HasProblem(p,
                   "r.csv:3: duplicate cell CITIZEN=UZ STAY_CAT=_T SEX=F AGE=Y0 (first at line 2 "
                   "as AGE=Y_LT1, which covers the same ages)"));

  // A partial breakdown may not exceed its total.
  p = Problems(Csv({"AZ,2020,UZ,_T,F,_T,5,A,F,STK", "AZ,2020,UZ,_T,F,Y20,3,A,F,STK",
                    "AZ,2020,UZ,_T,F,Y30,3,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:2: AGE=_T total 5 is less than the sum of its parts, 6"));
  // Overlapping parts (Y_LT20 and Y15T64) are not added together.
  CHECK(ParseReturnCsv("r.csv",
                       Csv({"AZ,2020,UZ,_T,F,_T,5,A,F,STK", "AZ,2020,UZ,_T,F,Y_LT20,3,A,F,STK",
                            "AZ,2020,UZ,_T,F,Y15T64,4,A,F,STK"}),
                       "AZ", nullptr)
            .ok());
  p = Problems(Csv({"AZ,2020,UZ,_T,F,_T,5,A,F,STK", "AZ,2020,UZ,_T,F,Y_LT20,3,A,F,STK",
                    "AZ,2020,UZ,_T,F,Y20T29,3,A,F,STK"}));
  CHECK(HasProblem(p, "r.csv:2: AGE=_T total 5 is less than the sum of its parts, 6"));
}

TEST_CASE("problems stop at the limit with a note", "[import]") {
  std::vector<std::string> rows;
  for (int i = 0; i < 150; ++i) {
    rows.push_back("AZ,2020,XZ,_T,_T,_T,1,A,F,STK");
  }
  std::vector<std::string> problems;
  auto r = ParseReturnCsv("r.csv", Csv(rows), "AZ", &problems);
  REQUIRE_FALSE(r.ok());
  CHECK(problems.size() == kMaxProblems);
  CHECK(absl::StrContains(problems.back(), "stopped after 100 problems"));
  CHECK(absl::StrContains(r.status().message(), "r.csv: more than 100 problems"));
}

}  // namespace
}  // namespace ots

namespace ots {
namespace {

constexpr char kSdmxHeader[] =
    "DATAFLOW,REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
    "STOCK_FLOW\n";

// Feeds `csv` to a parser in pieces of `piece` bytes.
absl::StatusOr<ParsedReturn> ParseInPieces(const std::string& csv, size_t piece,
                                           ReturnCsvParser* parser) {
  for (size_t i = 0; i < csv.size(); i += piece) {
    parser->Add(absl::string_view(csv).substr(i, piece));
  }
  return parser->Finish();
}

TEST_CASE("a return fed in pieces of any size parses as a whole", "[import][stream]") {
  const std::string csv = absl::StrCat(
      "\xEF\xBB\xBF", kSdmxHeader, "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,_T,_T,16254,A,F,STK\r\n",
      "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,F,_T,8398,A,F,STK\n",
      "\n"
      "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,M,_T,\"7856\",A,F,STK");  // no final line break
  ReturnCsvParser whole("r.csv", ReturnCsvOptions{"AZ", {}, 0});
  absl::StatusOr<ParsedReturn> expected = ParseInPieces(csv, csv.size(), &whole);
  REQUIRE(expected.ok());
  REQUIRE(expected->lines.size() == 3);
  for (size_t piece = 1; piece < csv.size(); ++piece) {
    ReturnCsvParser parser("r.csv", ReturnCsvOptions{"AZ", {}, 0});
    absl::StatusOr<ParsedReturn> r = ParseInPieces(csv, piece, &parser);
    REQUIRE(r.ok());
    CHECK(r->lines.ToVector() == expected->lines.ToVector());
    CHECK(parser.bytes() == csv.size());
  }
  // Problems carry the same line numbers however the file is cut.
  const std::string bad = absl::StrCat(kHeader, "AZ,2020,UZ,_T,_T,_T,1,A,F,STK\n\n",
                                       "AZ,2020,XX,_T,_T,_T,1,A,F,STK\r\n");
  for (size_t piece : {size_t{1}, size_t{7}, bad.size()}) {
    ReturnCsvParser parser("r.csv", ReturnCsvOptions{"AZ", {}, 0});
    CHECK_FALSE(ParseInPieces(bad, piece, &parser).ok());
    REQUIRE(parser.problems().size() == 1);
    CHECK(parser.problems()[0].line == 4);
  }
}

TEST_CASE("a line longer than the limit is refused unread, memory stays bounded",
          "[import][stream]") {
  // A header, then one enormous line of NUL bytes, then a good row.
  ReturnCsvParser parser("r.csv", ReturnCsvOptions{"AZ", {}, 0});
  parser.Add(kHeader);
  const std::string nul(1 << 20, '\0');
  for (size_t sent = 0; sent <= kMaxLineBytes; sent += nul.size()) {
    parser.Add(nul);
  }
  parser.Add("\nAZ,2020,UZ,_T,_T,_T,1,A,F,STK\n");
  CHECK_FALSE(parser.Finish().ok());
  REQUIRE(parser.problem_count() == 1);
  CHECK(parser.problems()[0].line == 2);
  CHECK(absl::StrContains(parser.problems()[0].message,
                          "line longer than 4 MiB, starting \"\\x00\\x00"));
  CHECK(parser.problems()[0].message.size() < 400);

  // A first line that long is no header: reading stops there.
  ReturnCsvParser garbage("r.csv", ReturnCsvOptions{"AZ", {}, 0});
  const std::string zeros(1 << 20, '0');
  size_t fed = 0;
  while (garbage.Add(zeros)) {
    fed += zeros.size();
    REQUIRE(fed <= kMaxLineBytes + zeros.size());
  }
  CHECK(garbage.stopped());
  CHECK_FALSE(garbage.Finish().ok());
  CHECK(absl::StrContains(garbage.problems()[0].message, "this is not the header of a return"));
}

TEST_CASE("a first line without one column of a return is one problem", "[import]") {
  std::vector<std::string> problems;
  CHECK_FALSE(ParseReturnCsv("r.csv", std::string("\x1f\x8b\x08\x00,a,b,c,d\nAZ,2020\n", 21), "AZ",
                             &problems)
                  .ok());
  REQUIRE(problems.size() == 1);
  CHECK(absl::StrContains(
      problems[0], "r.csv:1: not the header of a return: it starts \"\\x1f\\x8b\\x08\\x00\""));
}

TEST_CASE("fields are quoted short and escaped in every message", "[import]") {
  const std::string big(1000000, 'A');
  std::vector<std::string> problems =
      Problems(Csv({absl::StrCat("AZ,2020,UZ,_T,_T,_T,", big, ",A,F,STK"),
                    "AZ,2020,UZ\x1b[31m,_T,_T,_T,1,A,F,STK", "AZ,2020,KZ,_T,_T,_T,1,A,F,\xff"}));
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] == absl::StrCat("r.csv:2: OBS_VALUE \"", std::string(kQuotedPrefixBytes, 'A'),
                                    "...\" (1000000 bytes) is not a non-negative integer "
                                    "(digits only, no leading zeros)"));
  CHECK(absl::StartsWith(problems[1], "r.csv:3: CITIZEN \"UZ\\x1b[31m\" is not"));
  CHECK(absl::StartsWith(problems[2], "r.csv:4: STOCK_FLOW \"\\xff\" is not STK or FLW"));
  // The summary line of the status is bounded whatever the file holds.
  ReturnCsvParser parser(std::string(5000, 'n'), ReturnCsvOptions{"AZ", {}, 0});
  parser.Add(Csv({absl::StrCat("AZ,2020,UZ,_T,_T,_T,", big, ",A,F,STK")}));
  absl::StatusOr<ParsedReturn> r = parser.Finish();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().size() <= kMaxSummaryBytes);
}

TEST_CASE("DATAFLOW must be one the node accepts", "[import]") {
  const std::string row = "AZ,2020,UZ,_T,_T,_T,1,A,F,STK\n";
  auto parse = [&](const std::string& dataflow, std::vector<std::string> accepted) {
    ReturnCsvParser parser("r.csv", ReturnCsvOptions{"AZ", std::move(accepted), 0});
    parser.Add(absl::StrCat(kSdmxHeader, dataflow, ",", row));
    absl::StatusOr<ParsedReturn> r = parser.Finish();
    return r.ok() ? std::string() : parser.problems().at(0).message;
  };
  CHECK(parse("OTS:DF_MIGR_STOCK(1.0)", {}).empty());
  CHECK(parse("ESTAT:MIGR_POP1CTZ(1.0)", {}) ==
        "DATAFLOW \"ESTAT:MIGR_POP1CTZ(1.0)\" is not a dataflow this node accepts "
        "(OTS:DF_MIGR_STOCK(1.0))");
  CHECK(parse("OTS:DF_MIGR_STOCK(1.0\xff)", {}) ==
        "DATAFLOW \"OTS:DF_MIGR_STOCK(1.0\\xff)\" is not a dataflow this node accepts "
        "(OTS:DF_MIGR_STOCK(1.0))");
  CHECK(parse("ESTAT:MIGR_POP1CTZ(1.0)", {"ESTAT:MIGR_POP1CTZ(1.0)"}).empty());
  CHECK_FALSE(parse("OTS:DF_MIGR_STOCK(1.0)", {"ESTAT:MIGR_POP1CTZ(1.0)"}).empty());
}

TEST_CASE("SDMX-CSV separated by semicolons throughout gives the same cells", "[import]") {
  const std::string comma = absl::StrCat(kSdmxHeader,
                                         "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,_T,_T,3,A,F,STK\n"
                                         "OTS:DF_MIGR_STOCK(1.0),AZ,2020,UZ,_T,F,_T,1,A,F,STK\n");
  std::string semicolon = comma;
  std::replace(semicolon.begin(), semicolon.end(), ',', ';');
  auto a = ParseReturnCsv("r.csv", comma, "AZ", nullptr);
  auto b = ParseReturnCsv("r.csv", semicolon, "AZ", nullptr);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->lines.ToVector() == b->lines.ToVector());
  // Rows must use the header's separator.
  std::vector<std::string> problems =
      Problems(absl::StrCat(kSdmxHeader, "OTS:DF_MIGR_STOCK(1.0);AZ;2020;UZ;_T;_T;_T;3;A;F;STK\n"));
  CHECK(HasProblem(problems, "r.csv:2: expected 11 fields, found 1"));
}

TEST_CASE("an operator's words: values too large, how many problems", "[import]") {
  CHECK(HasProblem(Problems(Csv({"AZ,2020,UZ,_T,_T,_T,12345678901234,A,F,STK"})),
                   "OBS_VALUE \"12345678901234\" is too large: at most 1000000000000 persons"));
  CHECK(HasProblem(Problems(Csv({"AZ,2020,UZ,_T,_T,_T,1000000000001,A,F,STK"})),
                   "OBS_VALUE 1000000000001 is larger than 1000000000000 persons"));
  CHECK(ProblemCountWords(1) == "1 problem");
  CHECK(ProblemCountWords(100) == "100 problems");
  CHECK(absl::StartsWith(ProblemCountWords(101), "more than 100 problems"));
  std::string rows;
  for (int i = 0; i < 1000; ++i) {
    absl::StrAppend(&rows, "AZ,2020,XX,_T,_T,_T,1,A,F,STK\n");
  }
  ReturnCsvParser parser("r.csv", ReturnCsvOptions{"AZ", {}, 0});
  parser.Add(absl::StrCat(kHeader, rows));
  absl::StatusOr<ParsedReturn> r = parser.Finish();
  REQUIRE_FALSE(r.ok());
  CHECK(parser.problems().size() == kMaxProblems);
  CHECK(parser.problem_count() > kMaxProblems);
  CHECK(absl::StrContains(r.status().message(), "r.csv: more than 100 problems"));
}

}  // namespace
}  // namespace ots
