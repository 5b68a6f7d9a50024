// How ots-ctl shows results (node/cli/render.h): query tables and the consolidated table as
// text, CSV and JSON, compared byte for byte, and the --at argument.
#include "node/cli/render.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/match.h"

namespace ots {
namespace {

TEST_CASE("table formats are table, csv and json", "[render]") {
  CHECK(*ParseTableFormat("table") == TableFormat::kTable);
  CHECK(*ParseTableFormat("csv") == TableFormat::kCsv);
  CHECK(*ParseTableFormat("json") == TableFormat::kJson);
  CHECK(ParseTableFormat("xml").status().message() ==
        "--format \"xml\": expected table, csv or json");
}

TEST_CASE("JSON strings and CSV fields are escaped", "[render]") {
  CHECK(JsonString("UZ") == "\"UZ\"");
  CHECK(JsonString("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\u000a\\u0001\"");
  CHECK(CsvField("UZ") == "UZ");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("tables render as aligned text, CSV and JSON", "[render]") {
  Table t;
  t.columns = {"CITIZEN", "OBS_VALUE"};
  t.rows = {{"UZ", "16254"}, {"K\"G", "3"}};
  CHECK(RenderTable(t, TableFormat::kCsv) == "CITIZEN,OBS_VALUE\nUZ,16254\n\"K\"\"G\",3\n");
  CHECK(RenderTable(t, TableFormat::kJson) ==
        "[\n  {\"CITIZEN\": \"UZ\", \"OBS_VALUE\": 16254},\n"
        "  {\"CITIZEN\": \"K\\\"G\", \"OBS_VALUE\": 3}\n]\n");
  CHECK(RenderTable(t, TableFormat::kTable) ==
        "CITIZEN  OBS_VALUE\n"
        "-------  ---------\n"
        "UZ           16254\n"
        "K\"G              3\n"
        "(2 rows)\n");
}

TEST_CASE("the --at argument parses strictly and names a table's checkpoints", "[render]") {
  absl::StatusOr<std::map<std::string, uint64_t>> at = ParseAtSizes("AZ=3,KZ=12");
  REQUIRE(at.ok());
  CHECK(*at == std::map<std::string, uint64_t>{{"AZ", 3}, {"KZ", 12}});
  for (const char* bad : {"AZ", "AZ=", "=3", "AZ=0", "AZ=x", "AZ=-1", "AZ=+1", "AZ=1,AZ=2"}) {
    INFO(bad);
    CHECK_FALSE(ParseAtSizes(bad).ok());
  }
  // A table's own --at names every origin it considered at the log size it used.
  v1::ConsolidatedResponse t;
  for (const auto& [origin, size] : {std::pair<const char*, uint64_t>{"AZ", 3}, {"KG", 1}}) {
    v1::OriginStatus* cp = t.add_checkpoints();
    cp->set_origin(origin);
    cp->set_log_size(size);
  }
  CHECK(FormatAtSizes(t) == "AZ=3,KG=1");
  CHECK(*ParseAtSizes(FormatAtSizes(t)) == std::map<std::string, uint64_t>{{"AZ", 3}, {"KG", 1}});
  CHECK(FormatAtSizes(v1::ConsolidatedResponse()).empty());
}

// A hand-made table, so that its rendering can be compared byte for byte.
v1::ConsolidatedResponse SampleTable() {
  v1::ConsolidatedResponse t;
  t.set_period("2020");
  t.set_stay_cat("_T");
  t.set_sex("_T");
  t.set_age("_T");
  t.set_computed_at("2026-11-28T10:00:00Z");
  t.add_citizens("KG");
  t.add_citizens("UZ");
  auto figure = [](uint64_t v, bool derived, const char* obs = "A") {
    v1::ConsolidatedResponse::Figure f;
    f.set_has_value(true);
    f.set_value(v);
    f.set_derived(derived);
    if (!derived) {
      f.set_obs_status(obs);
      f.set_conf_status("F");
    }
    f.set_stock_flow("STK");
    return f;
  };
  v1::ConsolidatedResponse::Row* az = t.add_rows();
  az->set_ref_area("AZ");
  az->set_revision(2);
  az->set_log_index(2);
  az->set_submitted_at("2026-11-27T09:00:00Z");
  *az->add_figures() = figure(2438, false);
  *az->add_figures() = figure(16254, false, "P");
  *az->mutable_total() = figure(25000, false);
  v1::ConsolidatedResponse::Row* kz = t.add_rows();
  kz->set_ref_area("KZ");
  kz->set_revision(1);
  kz->set_log_index(0);
  kz->set_submitted_at("2026-11-26T08:00:00Z");
  kz->add_figures();
  *kz->add_figures() = figure(7, false);
  *kz->mutable_total() = figure(7, true);
  *t.add_column_totals() = figure(2438, true);
  *t.add_column_totals() = figure(16261, true);
  *t.mutable_grand_total() = figure(25007, true);
  v1::OriginStatus* cp = t.add_checkpoints();
  cp->set_origin("AZ");
  cp->set_log_size(3);
  cp->set_checkpoint_note(
      "ots-mx/log/AZ\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 "
      "ots-mx/log/AZ AAAAAAAA\n");
  cp = t.add_checkpoints();
  cp->set_origin("KZ");
  cp->set_log_size(1);
  cp->set_checkpoint_note(
      "ots-mx/log/KZ\n1\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n\n\xe2\x80\x94 "
      "ots-mx/log/KZ AAAAAAAA\n");
  t.add_notes("KG: no return for 2020 (log size 2)");
  return t;
}

TEST_CASE("consolidated tables render as text, CSV and JSON", "[render]") {
  const v1::ConsolidatedResponse t = SampleTable();
  CHECK(RenderConsolidated(t, TableFormat::kTable) ==
        "Consolidated table: TIME_PERIOD=2020 STAY_CAT=_T SEX=_T AGE=_T (persons)\n"
        "\n"
        "REF_AREA    KG      UZ      _T\n"
        "--------  ----   -----   -----\n"
        "AZ        2438   16254P  25000\n"
        "KZ                   7       7*\n"
        "--------  ----   -----   -----\n"
        "_T        2438*  16261*  25007*\n"
        "\n"
        "2 states, 2 citizenships. Blank: not reported.\n"
        "*: derived, the sum of the reported figures it totals, not a reported cell.\n"
        "P: OBS_STATUS P, provisional.\n"
        "\n"
        "Provenance (the return in force of each row):\n"
        "  AZ 2020 revision 2 (log index 2), submitted 2026-11-27T09:00:00Z\n"
        "  KZ 2020 revision 1 (log index 0), submitted 2026-11-26T08:00:00Z\n"
        "\n"
        "Computed at these checkpoints (log size: root):\n"
        "  AZ at size 3: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        "  KZ at size 1: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"
        "Recompute exactly with: --at AZ=3,KZ=1\n"
        "\n"
        "note: KG: no return for 2020 (log size 2)\n");
  const std::string az_root = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  const std::string kz_root = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  const std::string az = ",2,2,2026-11-27T09:00:00Z,3," + az_root + ",2026-11-28T10:00:00Z\n";
  const std::string kz = ",1,0,2026-11-26T08:00:00Z,1," + kz_root + ",2026-11-28T10:00:00Z\n";
  const std::string none = ",,,,,,2026-11-28T10:00:00Z\n";
  CHECK(RenderConsolidated(t, TableFormat::kCsv) ==
        "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
        "STOCK_FLOW,DERIVED,REVISION,LOG_INDEX,SUBMITTED_AT,LOG_SIZE,LOG_ROOT,PREPARED\n"
        "AZ,2020,KG,_T,_T,_T,2438,A,F,STK,false" +
            az + "AZ,2020,UZ,_T,_T,_T,16254,P,F,STK,false" + az +
            "AZ,2020,_T,_T,_T,_T,25000,A,F,STK,false" + az + "KZ,2020,UZ,_T,_T,_T,7,A,F,STK,false" +
            kz + "KZ,2020,_T,_T,_T,_T,7,,,STK,true" + kz + "_T,2020,KG,_T,_T,_T,2438,,,STK,true" +
            none + "_T,2020,UZ,_T,_T,_T,16261,,,STK,true" + none +
            "_T,2020,_T,_T,_T,_T,25007,,,STK,true" + none);
  const std::string json = RenderConsolidated(t, TableFormat::kJson);
  CHECK(absl::StartsWith(json,
                         "{\n"
                         "  \"stay_cat\": \"_T\",\n"
                         "  \"sex\": \"_T\",\n"
                         "  \"age\": \"_T\",\n"
                         "  \"by\": \"CITIZEN\",\n"
                         "  \"citizen\": \"\",\n"
                         "  \"computed_at\": \"2026-11-28T10:00:00Z\",\n"
                         "  \"period\": \"2020\",\n"
                         "  \"citizens\": [\"KG\", \"UZ\"],\n"
                         "  \"rows\": [\n"
                         "    {\"ref_area\": \"AZ\", \"revision\": 2, \"log_index\": 2, "
                         "\"submitted_at\": \"2026-11-27T09:00:00Z\", \"figures\": {\"KG\": "
                         "{\"value\": 2438, \"derived\": false, \"obs_status\": \"A\", "
                         "\"conf_status\": \"F\", \"stock_flow\": \"STK\"}, \"UZ\": {\"value\": "
                         "16254, \"derived\": false, \"obs_status\": \"P\", \"conf_status\": "
                         "\"F\", \"stock_flow\": \"STK\"}}, \"total\": {\"value\": 25000, "
                         "\"derived\": false, \"obs_status\": \"A\", \"conf_status\": \"F\", "
                         "\"stock_flow\": \"STK\"}},\n"));
  CHECK(absl::StrContains(
      json,
      "  \"grand_total\": {\"value\": 25007, \"derived\": true, \"obs_status\": \"\", "
      "\"conf_status\": \"\", \"stock_flow\": \"STK\"},\n"
      "  \"notes\": [\"KG: no return for 2020 (log size 2)\"],\n"
      "  \"checkpoints\": [\n"
      "    {\"origin\": \"AZ\", \"log_size\": 3, \"root\": "
      "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", \"checkpoint_note\": "
      "\"ots-mx/log/"
      "AZ\\u000a3\\u000aAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\u000a\\u000a\xe2\x80\x94 "
      "ots-mx/log/AZ "
      "AAAAAAAA\\u000a\"},\n"));
  CHECK(absl::EndsWith(json, "  ],\n  \"at\": \"AZ=3,KZ=1\"\n}\n"));

  // No rows: no empty matrix, but why there is none.
  v1::ConsolidatedResponse empty = t;
  empty.clear_rows();
  empty.clear_citizens();
  empty.clear_column_totals();
  empty.clear_grand_total();
  CHECK(absl::StartsWith(RenderConsolidated(empty, TableFormat::kTable),
                         "Consolidated table: TIME_PERIOD=2020 STAY_CAT=_T SEX=_T AGE=_T "
                         "(persons)\n\nNo state has a cell of this category for 2020.\n\n"
                         "Computed at these checkpoints"));
  CHECK(RenderConsolidated(empty, TableFormat::kCsv) ==
        "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
        "STOCK_FLOW,DERIVED,REVISION,LOG_INDEX,SUBMITTED_AT,LOG_SIZE,LOG_ROOT,PREPARED\n");
  empty.clear_checkpoints();
  empty.clear_notes();
  CHECK(absl::StrContains(RenderConsolidated(empty, TableFormat::kTable),
                          "No state's log is held here, or none shares its data with you."));
  CHECK(absl::StrContains(RenderConsolidated(empty, TableFormat::kJson),
                          "\"rows\": [],\n  \"column_totals\": {},\n  \"grand_total\": null"));
}

TEST_CASE("a time series renders one column per period", "[render]") {
  v1::ConsolidatedResponse series;
  series.set_period("2019");
  series.set_period_to("2021");
  series.set_stay_cat("_T");
  series.set_sex("_T");
  series.set_age("_T");
  for (const char* period : {"2019", "2020"}) {
    v1::ConsolidatedResponse one = SampleTable();
    one.set_period(period);
    one.clear_checkpoints();
    one.clear_notes();
    *series.add_series() = one;
  }
  *series.mutable_checkpoints() = SampleTable().checkpoints();
  const std::string text = RenderConsolidated(series, TableFormat::kTable);
  CHECK(absl::StartsWith(text,
                         "Consolidated table: TIME_PERIOD=2019 to 2021 STAY_CAT=_T SEX=_T "
                         "AGE=_T (persons)\n"
                         "\n"
                         "REF_AREA  CITIZEN    2019    2020\n"
                         "AZ        KG         2438    2438\n"
                         "AZ        UZ       16254P  16254P\n"
                         "AZ        _T        25000   25000\n"
                         "KZ        UZ            7       7\n"
                         "KZ        _T           7*      7*\n"
                         "_T        KG        2438*   2438*\n"
                         "_T        UZ       16261*  16261*\n"
                         "_T        _T       25007*  25007*\n"
                         "\n2 periods."));
  // Every period's figures in the CSV, with their own TIME_PERIOD.
  const std::string csv = RenderConsolidated(series, TableFormat::kCsv);
  CHECK(absl::StrContains(csv, "\nAZ,2019,UZ,_T,_T,_T,16254,P,F,STK,false,2,2,"));
  CHECK(absl::StrContains(csv, "\nAZ,2020,UZ,_T,_T,_T,16254,P,F,STK,false,2,2,"));
}

}  // namespace
}  // namespace ots
