#include "node/model/codes.h"

#include <catch2/catch.hpp>

namespace ots {
namespace {

TEST_CASE("federation states are the seven OTS states", "[codes]") {
  for (const char* s : {"AZ", "KZ", "KG", "TR", "UZ", "HU", "TM"}) {
    CHECK(IsFederationState(s));
  }
  CHECK_FALSE(IsFederationState("RU"));
  CHECK_FALSE(IsFederationState("az"));
  CHECK_FALSE(IsFederationState(""));
}

TEST_CASE("CITIZEN accepts ISO 3166-1 alpha-2, STLS, _U and _T only", "[codes]") {
  CHECK(CitizenCodeId("_T") == kTotalCodeId);
  for (const char* c : {"UZ", "AF", "ZW", "STLS", "_U"}) {
    CHECK(CitizenCodeId(c) > 0);
  }
  for (const char* c : {"XZ", "uz", "UZB", "", "_Z", "SU"}) {
    CHECK(CitizenCodeId(c) == -1);
  }
  CHECK(CitizenCodeId("UZ") != CitizenCodeId("AZ"));
}

TEST_CASE("STAY_CAT and SEX code lists", "[codes]") {
  for (const char* c :
       {"VISA", "VISA_FREE", "RES_TEMP", "RES_PERM", "WORK_PERM", "STUDY", "LAB_MIG", "LAB_MIG_IRR",
        "STRANDED", "TRANSIT", "OVERSTAY", "EXT_GRANTED", "LEGALISED", "_O"}) {
    CHECK(StayCatCodeId(c) > 0);
  }
  CHECK(StayCatCodeId("_T") == kTotalCodeId);
  CHECK(StayCatCodeId("TOURIST") == -1);
  CHECK(SexCodeId("_T") == kTotalCodeId);
  CHECK(SexCodeId("F") > 0);
  CHECK(SexCodeId("M") > 0);
  CHECK(SexCodeId("_U") > 0);
  CHECK(SexCodeId("X") == -1);
}

TEST_CASE("AGE codes parse to intervals of years", "[codes]") {
  AgeCode a;
  REQUIRE(ParseAgeCode("Y0T4", &a));
  CHECK((a.kind == AgeCode::kRange && a.lo == 0 && a.hi == 5));
  REQUIRE(ParseAgeCode("Y70T74", &a));
  CHECK((a.lo == 70 && a.hi == 75));
  REQUIRE(ParseAgeCode("Y_GE75", &a));
  CHECK((a.lo == 75 && a.hi == kAgeOpen));
  REQUIRE(ParseAgeCode("Y_LT15", &a));
  CHECK((a.lo == 0 && a.hi == 15));
  REQUIRE(ParseAgeCode("Y15T64", &a));
  CHECK((a.lo == 15 && a.hi == 65));
  REQUIRE(ParseAgeCode("Y37", &a));
  CHECK((a.lo == 37 && a.hi == 38));
  REQUIRE(ParseAgeCode("_T", &a));
  CHECK(a.kind == AgeCode::kTotal);
  REQUIRE(ParseAgeCode("_U", &a));
  CHECK(a.kind == AgeCode::kUnknown);
  for (const char* bad :
       {"Y4T0", "Y5T5", "Y05", "Y_LT0", "Y151", "YT4", "Y", "Y_GE", "15T64", "Y1T", "_Z", "Y-1"}) {
    INFO(bad);
    CHECK_FALSE(ParseAgeCode(bad, &a));
  }
}

TEST_CASE("TIME_PERIOD forms and real dates", "[codes]") {
  for (const char* p : {"2020", "2020-Q2", "2020-05", "2020-05-14", "2024-02-29", "1990"}) {
    INFO(p);
    CHECK(IsTimePeriod(p));
  }
  for (const char* p : {"20", "2020-Q5", "2020-13", "2020-00", "2023-02-29", "2020-04-31", "2020-5",
                        "2020-05-1", "1899", "2020Q1", "2020-W05", "", "2020-05-14T"}) {
    INFO(p);
    CHECK_FALSE(IsTimePeriod(p));
  }
}

TEST_CASE("attribute code lists", "[codes]") {
  CHECK(IsObsStatusCode("A"));
  CHECK(IsObsStatusCode("P"));
  CHECK(IsObsStatusCode("E"));
  CHECK_FALSE(IsObsStatusCode("M"));  // missing value: every cell carries a count
  CHECK(IsConfStatusCode("F"));
  CHECK(IsConfStatusCode("C"));
  CHECK_FALSE(IsConfStatusCode("Z"));
  CHECK(IsStockFlowCode("STK"));
  CHECK(IsStockFlowCode("FLW"));
  CHECK_FALSE(IsStockFlowCode("stk"));
}

}  // namespace
}  // namespace ots
