#include "node/query/query.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

constexpr char kHeader[] =
    "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
    "STOCK_FLOW\n";

// AZ 2019 and 2020 (2020 in two revisions), with totals and breakdowns by sex.
struct Fixture {
  TempDir tmp;
  FakeClock clock;
  PrivateKey key = *PrivateKey::Generate();
  std::unique_ptr<Store> store;
  std::unique_ptr<OriginLogs> logs;

  Fixture() {
    Store::Options options;
    options.create_if_missing = true;
    store = *Store::Open(tmp.File("data"), options);
    logs = std::make_unique<OriginLogs>(store.get(), kTestFederation);
    Publisher publisher(logs.get(), &key, &clock);
    for (const char* rows : {"AZ,2019,UZ,_T,_T,_T,10,A,F,STK\nAZ,2019,UZ,_T,F,_T,4,A,F,STK\n"
                             "AZ,2019,UZ,_T,M,_T,6,A,F,STK\nAZ,2019,KG,_T,_T,_T,3,A,F,STK\n",
                             "AZ,2020,UZ,_T,_T,_T,99,A,F,STK\n",
                             "AZ,2020,UZ,_T,_T,_T,20,A,F,STK\nAZ,2020,UZ,_T,F,_T,9,P,F,STK\n"
                             "AZ,2020,UZ,_T,M,_T,11,P,F,STK\nAZ,2020,UZ,WORK_PERM,_T,_T,5,A,F,"
                             "FLW\n"}) {
      auto r = ParseReturnCsv("t.csv", absl::StrCat(kHeader, rows), "AZ", nullptr);
      REQUIRE(r.ok());
      REQUIRE(publisher.Publish(*r).ok());
    }
  }
};

TEST_CASE("cells by any filter come from the latest revision only", "[query]") {
  Fixture f;
  auto filter = ParseCellFilter({"TIME_PERIOD=2020", "SEX=F,M"});
  REQUIRE(filter.ok());
  auto t = QueryCells(*f.logs, *filter);
  REQUIRE(t.ok());
  REQUIRE(t->rows.size() == 2);
  CHECK(t->rows[0][6] == "9");
  CHECK(t->rows[1][6] == "11");
  filter = ParseCellFilter({"OBS_STATUS=P"});
  REQUIRE(filter.ok());
  CHECK(QueryCells(*f.logs, *filter)->rows.size() == 2);
}

TEST_CASE("totals never double count a total and its breakdown", "[query]") {
  Fixture f;
  auto by_citizen = ParseColumnList("CITIZEN");
  REQUIRE(by_citizen.ok());
  auto t = QueryTotals(*f.logs, CellFilter(), *by_citizen);
  REQUIRE(t.ok());
  CHECK(t->columns ==
        std::vector<std::string>{"REF_AREA", "TIME_PERIOD", "CITIZEN", "STOCK_FLOW", "OBS_VALUE"});
  // Only the SEX=_T, STAY_CAT=_T, AGE=_T cells count: 10 (not 10 + 4 + 6) for UZ 2019, and
  // the 2020 revision 2 total (20, not the superseded 99).
  REQUIRE(t->rows.size() == 3);
  CHECK(t->rows[0] == std::vector<std::string>{"AZ", "2019", "KG", "STK", "3"});
  CHECK(t->rows[1] == std::vector<std::string>{"AZ", "2019", "UZ", "STK", "10"});
  CHECK(t->rows[2] == std::vector<std::string>{"AZ", "2020", "UZ", "STK", "20"});

  // Grouping by SEX gives each sex its own row, and stocks and flows stay apart.
  auto by_sex = ParseColumnList("SEX,STAY_CAT");
  REQUIRE(by_sex.ok());
  auto filter = ParseCellFilter({"TIME_PERIOD=2020"});
  t = QueryTotals(*f.logs, *filter, *by_sex);
  REQUIRE(t.ok());
  REQUIRE(t->rows.size() == 4);
  CHECK(t->rows[0] == std::vector<std::string>{"AZ", "2020", "WORK_PERM", "_T", "FLW", "5"});
  CHECK(t->rows[3] == std::vector<std::string>{"AZ", "2020", "_T", "_T", "STK", "20"});
  CHECK(t->notes.empty());
}

TEST_CASE("totals are derived from disjoint parts, never from overlapping ones", "[query]") {
  Fixture f;
  OriginLogs logs(f.store.get(), kTestFederation);
  Publisher publisher(&logs, &f.key, &f.clock);
  auto r = ParseReturnCsv("t.csv",
                          absl::StrCat(kHeader,
                                       "AZ,2021,UZ,_T,F,Y_LT15,3,A,F,STK\n"
                                       "AZ,2021,UZ,_T,F,Y0T4,1,A,F,STK\n"
                                       "AZ,2021,UZ,_T,F,Y15T64,4,A,F,STK\n"
                                       "AZ,2021,UZ,_T,M,_T,8,A,F,STK\n"
                                       "AZ,2021,KG,WORK_PERM,_T,_T,4,A,F,STK\n"
                                       "AZ,2021,KG,STUDY,_T,_T,2,A,F,STK\n"),
                          "AZ", nullptr);
  REQUIRE(r.ok());
  REQUIRE(publisher.Publish(*r).ok());
  auto filter = ParseCellFilter({"TIME_PERIOD=2021"});
  auto t = QueryTotals(*f.logs, *filter, *ParseColumnList("CITIZEN"));
  REQUIRE(t.ok());
  // UZ: women 3 + 4 (Y0T4 lies inside Y_LT15), men 8. KG: categories of stay overlap.
  REQUIRE(t->rows.size() == 1);
  CHECK(t->rows[0] == std::vector<std::string>{"AZ", "2021", "UZ", "STK", "15"});
  REQUIRE(t->notes.size() == 1);
  CHECK(absl::StrContains(t->notes[0], "1 group left out: no STAY_CAT=_T total"));
}

TEST_CASE("bad filters and columns are usage errors", "[query]") {
  CHECK(absl::StrContains(ParseCellFilter({"NATION=UZ"}).status().message(), "NATION=UZ"));
  CHECK(absl::StrContains(ParseCellFilter({"OBS_VALUE=3"}).status().message(), "OBS_VALUE=3"));
  CHECK(absl::StrContains(ParseCellFilter({"SEX="}).status().message(), "empty code"));
  CHECK_FALSE(ParseColumnList("SEX,NATION").ok());
}

}  // namespace
}  // namespace ots
