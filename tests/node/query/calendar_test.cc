// The reporting calendar (node/query/calendar.h) on a real RocksDB: periods expected by a
// schedule, their due dates, and each state's return on time, late, missing or not due yet.
#include "node/query/calendar.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "node/base/rfc3339.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "tests/fakes/copy_log.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

absl::Time At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

v1::TrustBundle Bundle() {
  v1::TrustBundle bundle;
  for (const char* code : {"AZ", "KZ", "OTS"}) {
    v1::Member* m = bundle.add_members();
    m->set_code(code);
    m->set_role(std::string(code) == "OTS" ? v1::SECRETARIAT : v1::MEMBER);
  }
  v1::ReportingSchedule* s = bundle.mutable_statistics()->add_schedules();
  s->set_dataflow("OTS:DF_MIGR_STOCK(1.0)");
  s->set_first_period("2024-Q3");
  s->set_due_days(30);
  return bundle;
}

TEST_CASE("period ends: years, quarters, months", "[calendar]") {
  CHECK(*PeriodEnd("2024") == At("2025-01-01T00:00:00Z"));
  CHECK(*PeriodEnd("2024-Q4") == At("2025-01-01T00:00:00Z"));
  CHECK(*PeriodEnd("2024-Q1") == At("2024-04-01T00:00:00Z"));
  CHECK(*PeriodEnd("2024-12") == At("2025-01-01T00:00:00Z"));
  CHECK(*PeriodEnd("2024-02") == At("2024-03-01T00:00:00Z"));
  CHECK_FALSE(PeriodEnd("2024-02-03").has_value());
  CHECK_FALSE(PeriodEnd("24").has_value());
}

TEST_CASE("who reported each expected period, who is late and by how long", "[calendar]") {
  TempDir tmp;
  // AZ reports 2024-Q3 on time and 2024-Q4 six days late; KZ reports 2024-Q3 only.
  FakeClock clock(At("2024-10-15T00:00:00Z"));
  // Each state signs in its own folder; the Secretariat's holds copies of their logs.
  std::unique_ptr<Store> az_store = OpenStore(tmp, "az"), kz_store = OpenStore(tmp, "kz");
  std::unique_ptr<Store> store = OpenStore(tmp, "sec");
  OriginLogs az_logs(az_store.get(), kTestFederation), kz_logs(kz_store.get(), kTestFederation);
  PrivateKey az_key = *PrivateKey::Generate(), kz_key = *PrivateKey::Generate();
  Publisher az(&az_logs, &az_key, &clock), kz(&kz_logs, &kz_key, &clock);
  const auto publish = [](Publisher& p, const std::string& origin, const std::string& period) {
    absl::StatusOr<ParsedReturn> r = ParseReturnCsv(
        "r.csv",
        absl::StrCat("REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,"
                     "CONF_STATUS,STOCK_FLOW\n",
                     origin, ",", period, ",UZ,_T,_T,_T,10,A,F,STK\n"),
        origin, nullptr);
    REQUIRE(r.ok());
    REQUIRE(p.Publish(*r).ok());
  };
  publish(az, "AZ", "2024-Q3");
  publish(kz, "KZ", "2024-Q3");
  clock.Advance(absl::Hours(24) * 103);  // 2025-01-26: 2024-Q4 was due 2025-01-31
  publish(az, "AZ", "2024-Q4");
  clock.Advance(absl::Hours(24) * 10);  // 2025-02-05: 5 days after it was due
  REQUIRE(CopyLog(*az_store, *store, "AZ").ok());
  REQUIRE(CopyLog(*kz_store, *store, "KZ").ok());

  const v1::TrustBundle bundle = Bundle();
  absl::StatusOr<std::vector<ReportingRow>> rows =
      ReportingCalendar(*store, bundle, clock.Now(), [](absl::string_view) { return true; });
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 4);  // 2024-Q3 and 2024-Q4 (ended), AZ and KZ; 2025-Q1 runs
  const Table t = CalendarTable(*rows);
  CHECK(t.rows[0] == std::vector<std::string>{"OTS:DF_MIGR_STOCK(1.0)", "2024-Q3", "AZ",
                                              "2024-10-31T00:00:00Z", "reported",
                                              "2024-10-15T00:00:00Z", ""});
  CHECK(t.rows[1][2] == "KZ");
  CHECK(t.rows[1][4] == "reported");
  CHECK(t.rows[2] == std::vector<std::string>{"OTS:DF_MIGR_STOCK(1.0)", "2024-Q4", "AZ",
                                              "2025-01-31T00:00:00Z", "reported",
                                              "2025-01-26T00:00:00Z", ""});
  CHECK(t.rows[3] == std::vector<std::string>{"OTS:DF_MIGR_STOCK(1.0)", "2024-Q4", "KZ",
                                              "2025-01-31T00:00:00Z", "late", "", "5.0"});

  // Before the due date, a missing return is not due yet; a return after it is reported late.
  rows = ReportingCalendar(*store, bundle, At("2025-01-20T00:00:00Z"),
                           [](absl::string_view) { return true; });
  REQUIRE(rows.ok());
  CHECK((*rows)[3].state == ReportingRow::State::kNotDue);
  v1::TrustBundle strict = bundle;
  strict.mutable_statistics()->mutable_schedules(0)->set_due_days(10);
  rows = ReportingCalendar(*store, strict, clock.Now(), [](absl::string_view) { return true; });
  REQUIRE(rows.ok());
  CHECK((*rows)[2].state == ReportingRow::State::kReportedLate);
  CHECK((*rows)[2].late == absl::Hours(24 * 15));

  // A caller sees only the states that share with it; a schedule can name its reporters.
  rows = ReportingCalendar(*store, bundle, clock.Now(),
                           [](absl::string_view origin) { return origin == "KZ"; });
  REQUIRE(rows.ok());
  CHECK(rows->size() == 2);
  v1::TrustBundle only_az = bundle;
  only_az.mutable_statistics()->mutable_schedules(0)->add_reporters("AZ");
  rows = ReportingCalendar(*store, only_az, clock.Now(), [](absl::string_view) { return true; });
  REQUIRE(rows.ok());
  CHECK(rows->size() == 2);
}

}  // namespace
}  // namespace ots
