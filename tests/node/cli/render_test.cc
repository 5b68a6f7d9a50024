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
  t.add_citizens("KG");
  t.add_citizens("UZ");
  auto figure = [](uint64_t v, bool derived) {
    v1::ConsolidatedResponse::Figure f;
    f.set_has_value(true);
    f.set_value(v);
    f.set_derived(derived);
    return f;
  };
  v1::ConsolidatedResponse::Row* az = t.add_rows();
  az->set_ref_area("AZ");
  *az->add_figures() = figure(2438, false);
  *az->add_figures() = figure(16254, false);
  *az->mutable_total() = figure(25000, false);
  v1::ConsolidatedResponse::Row* kz = t.add_rows();
  kz->set_ref_area("KZ");
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
        "AZ        2438   16254   25000\n"
        "KZ                   7       7*\n"
        "--------  ----   -----   -----\n"
        "_T        2438*  16261*  25007*\n"
        "\n"
        "2 states, 2 citizenships. Blank: not reported.\n"
        "*: derived, the sum of the reported figures it totals, not a reported cell.\n"
        "\n"
        "Computed at these checkpoints (log size: root):\n"
        "  AZ at size 3: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        "  KZ at size 1: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"
        "Recompute exactly with: --at AZ=3,KZ=1\n"
        "\n"
        "note: KG: no return for 2020 (log size 2)\n");
  CHECK(RenderConsolidated(t, TableFormat::kCsv) ==
        "REF_AREA,CITIZEN,OBS_VALUE,DERIVED\n"
        "AZ,KG,2438,false\n"
        "AZ,UZ,16254,false\n"
        "AZ,_T,25000,false\n"
        "KZ,UZ,7,false\n"
        "KZ,_T,7,true\n"
        "_T,KG,2438,true\n"
        "_T,UZ,16261,true\n"
        "_T,_T,25007,true\n");
  CHECK(RenderConsolidated(t, TableFormat::kJson) ==
        "{\n"
        "  \"period\": \"2020\",\n"
        "  \"stay_cat\": \"_T\",\n"
        "  \"sex\": \"_T\",\n"
        "  \"age\": \"_T\",\n"
        "  \"citizens\": [\"KG\", \"UZ\"],\n"
        "  \"rows\": [\n"
        "    {\"ref_area\": \"AZ\", \"figures\": {\"KG\": {\"value\": 2438, \"derived\": false}, "
        "\"UZ\": {\"value\": 16254, \"derived\": false}}, \"total\": {\"value\": 25000, "
        "\"derived\": false}},\n"
        "    {\"ref_area\": \"KZ\", \"figures\": {\"UZ\": {\"value\": 7, \"derived\": false}}, "
        "\"total\": {\"value\": 7, \"derived\": true}}\n"
        "  ],\n"
        "  \"column_totals\": {\"KG\": {\"value\": 2438, \"derived\": true}, \"UZ\": {\"value\": "
        "16261, \"derived\": true}},\n"
        "  \"grand_total\": {\"value\": 25007, \"derived\": true},\n"
        "  \"checkpoints\": [\n"
        "    {\"origin\": \"AZ\", \"log_size\": 3, \"root\": "
        "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", \"checkpoint_note\": "
        "\"ots-mx/log/"
        "AZ\\u000a3\\u000aAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\u000a\\u000a\xe2\x80\x94 "
        "ots-mx/log/AZ "
        "AAAAAAAA\\u000a\"},\n"
        "    {\"origin\": \"KZ\", \"log_size\": 1, \"root\": "
        "\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\", \"checkpoint_note\": "
        "\"ots-mx/log/"
        "KZ\\u000a1\\u000aAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\\u000a\\u000a\xe2\x80\x94 "
        "ots-mx/log/KZ "
        "AAAAAAAA\\u000a\"}\n"
        "  ],\n"
        "  \"at\": \"AZ=3,KZ=1\",\n"
        "  \"notes\": [\"KG: no return for 2020 (log size 2)\"]\n"
        "}\n");

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
  CHECK(RenderConsolidated(empty, TableFormat::kCsv) == "REF_AREA,CITIZEN,OBS_VALUE,DERIVED\n");
  empty.clear_checkpoints();
  empty.clear_notes();
  CHECK(absl::StrContains(RenderConsolidated(empty, TableFormat::kTable),
                          "No state's log is held here, or none shares its data with you."));
  CHECK(absl::StrContains(RenderConsolidated(empty, TableFormat::kJson),
                          "\"rows\": [],\n  \"column_totals\": {},\n  \"grand_total\": null"));
}

}  // namespace
}  // namespace ots
