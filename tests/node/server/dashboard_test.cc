// The dashboard page (node/server/dashboard.h): query strings, escaping of everything shown,
// the table's figures with their data attributes, withheld figures, the chart, and a page that
// needs nothing from elsewhere (tests/integration/dashboard_test.sh loads it in Chromium).
#include "node/server/dashboard.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"

namespace ots {
namespace {

TEST_CASE("query strings are split and percent-decoded", "[dashboard]") {
  auto q = ParseQueryString("period=2020&stay_cat=LAB_MIG%5FIRR&sex=F&x&title=a+b%20c&period=2021");
  CHECK(q["period"] == "2021");
  CHECK(q["stay_cat"] == "LAB_MIG_IRR");
  CHECK(q["sex"] == "F");
  CHECK(q["title"] == "a b c");
  CHECK_FALSE(q.contains("x"));
  CHECK(ParseQueryString("a=%G1%2")["a"] == "%G1%2");  // not escapes: kept as they are
  CHECK(ParseQueryString("").empty());
}

TEST_CASE("everything shown is escaped", "[dashboard]") {
  CHECK(HtmlEscape("<script>alert('x')</script> & \"") ==
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;");
}

v1::ConsolidatedResponse::Figure Value(uint64_t v, bool derived, const char* obs = "A") {
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
}

TEST_CASE("the page: health, the table with provenance and flags, the chart, late returns",
          "[dashboard]") {
  DashboardView v;
  v.status.set_member("OTS");
  v.status.set_role("secretariat");
  v.status.set_federation("ots-mx");
  v.status.set_bundle_version(3);
  v1::PeerStatus* peer = v.status.add_peers();
  peer->set_member("AZ<b>");
  peer->set_state("watching");
  v1::LateReturn* late = v.status.add_late_returns();
  late->set_origin("KG");
  late->set_period("2024");
  late->set_late_seconds(86400 * 3);
  v.periods = {"2019", "2020"};
  v.period = "2020";
  v.stay_cat = "_T";
  v.sex = "_T";
  v.generated_at = "2026-11-28T10:00:00Z";
  v1::ConsolidatedResponse& t = v.table;
  t.set_period("2020");
  t.set_stay_cat("_T");
  t.set_sex("_T");
  t.set_age("_T");
  t.set_published(true);
  t.add_citizens("UZ");
  t.add_citizens("TM");
  v1::ConsolidatedResponse::Row* az = t.add_rows();
  az->set_ref_area("AZ");
  az->set_revision(2);
  az->set_log_index(5);
  az->set_submitted_at("2026-11-27T09:00:00Z");
  *az->add_figures() = Value(16254, false, "P");
  v1::ConsolidatedResponse::Figure withheld;
  withheld.set_suppressed(true);
  withheld.set_conf_status("C");
  *az->add_figures() = withheld;
  *az->mutable_total() = Value(25000, false);
  for (const char* period : {"2019", "2020"}) {
    v1::ConsolidatedResponse* one = v.series.add_series();
    one->set_period(period);
    v1::ConsolidatedResponse::Row* row = one->add_rows();
    row->set_ref_area("AZ");
    *row->mutable_total() = Value(std::string(period) == "2019" ? 20000 : 25000, false);
  }
  const std::string page = RenderDashboard(v);
  CHECK(absl::StartsWith(page, "<!DOCTYPE html>"));
  CHECK(absl::StrContains(page, "<td>AZ&lt;b&gt;</td>"));
  CHECK_FALSE(absl::StrContains(page, "AZ<b>"));
  CHECK(absl::StrContains(page, "<option value=\"2020\" selected>2020</option>"));
  CHECK(absl::StrContains(
      page,
      "<td class=\"fig\" data-area=\"AZ\" data-code=\"UZ\" data-value=\"16254\" "
      "data-derived=\"false\" title=\"OBS_STATUS P, CONF_STATUS F, STOCK_FLOW STK; AZ revision 2 "
      "(log index 5), submitted 2026-11-27T09:00:00Z\">16254<span class=\"flag\">P</span></td>"));
  CHECK(absl::StrContains(page, "data-area=\"AZ\" data-code=\"TM\" data-withheld=\"C\""));
  CHECK_FALSE(absl::StrContains(page, "data-code=\"TM\" data-value"));
  CHECK(absl::StrContains(page, "data-state=\"AZ\" points=\""));
  CHECK(absl::StrContains(page, "<td>KG</td><td>2024</td>"));
  CHECK(absl::StrContains(page, "<td class=\"bad\">3.0</td>"));
  // Nothing is fetched from elsewhere: the only URL is the SVG namespace.
  CHECK_FALSE(absl::StrContains(page, "https://"));
  CHECK_FALSE(absl::StrContains(page, "src="));
  CHECK_FALSE(absl::StrContains(page, "<script"));
}

}  // namespace
}  // namespace ots
