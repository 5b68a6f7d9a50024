#include "node/model/return_csv.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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
