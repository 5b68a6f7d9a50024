// Disclosure control (node/query/disclosure.h) and its solver (node/query/linear_program.h):
// bounds of small programs known by hand; primary and secondary suppression of hand-made tables,
// with every primary figure's range checked against the protection; and the difference
// secondary suppression makes (tests/integration/disclosure_test.sh audits a published table
// with GLPK, independently of this solver).
#include "node/query/disclosure.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "node/query/linear_program.h"

namespace ots {
namespace {

using Sense = LinearProgram::Sense;
using Figure = v1::ConsolidatedResponse::Figure;

TEST_CASE("the solver bounds a variable as worked by hand", "[disclosure]") {
  // x + y = 10, y >= 3: x in [0, 7]; y in [3, 10].
  LinearProgram lp;
  lp.variables = 2;
  lp.constraints.push_back({{{0, 1}, {1, 1}}, Sense::kEqual, 10});
  lp.constraints.push_back({{{1, 1}}, Sense::kGreaterEqual, 3});
  LpBound b = OptimiseVariable(lp, 0, false);
  CHECK(b.feasible);
  CHECK(std::fabs(b.value - 0) < 1e-9);
  b = OptimiseVariable(lp, 0, true);
  CHECK(std::fabs(b.value - 7) < 1e-9);
  b = OptimiseVariable(lp, 1, false);
  CHECK(std::fabs(b.value - 3) < 1e-9);
  // x - y <= -2 (so y >= x + 2) with x + y = 10: x in [0, 4].
  lp.constraints.push_back({{{0, 1}, {1, -1}}, Sense::kLessEqual, -2});
  b = OptimiseVariable(lp, 0, true);
  CHECK(std::fabs(b.value - 4) < 1e-9);
  // Unbounded: x - y = 0 alone.
  LinearProgram open;
  open.variables = 2;
  open.constraints.push_back({{{0, 1}, {1, -1}}, Sense::kEqual, 0});
  CHECK(OptimiseVariable(open, 0, true).unbounded);
  // Infeasible: x + y = -1.
  LinearProgram none;
  none.variables = 2;
  none.constraints.push_back({{{0, 1}, {1, 1}}, Sense::kEqual, -1});
  CHECK_FALSE(OptimiseVariable(none, 0, false).feasible);
}

Figure Reported(uint64_t v, const char* conf = "F") {
  Figure f;
  f.set_has_value(true);
  f.set_value(v);
  f.set_obs_status("A");
  f.set_conf_status(conf);
  f.set_stock_flow("STK");
  return f;
}

Figure Derived(uint64_t v) {
  Figure f;
  f.set_has_value(true);
  f.set_value(v);
  f.set_derived(true);
  f.set_stock_flow("STK");
  return f;
}

// States x citizenships with derived row totals (figures[r][c], 0 meaning 0 persons).
v1::ConsolidatedResponse Table(const std::vector<std::vector<uint64_t>>& figures,
                               const std::vector<std::vector<bool>>& confidential = {}) {
  v1::ConsolidatedResponse t;
  t.set_period("2024");
  const std::vector<std::string> codes = {"HU", "KG", "TM", "TR", "UZ"};
  const size_t columns = figures[0].size();
  for (size_t c = 0; c < columns; ++c) {
    t.add_citizens(codes[c]);
  }
  std::vector<uint64_t> column_totals(columns, 0);
  uint64_t grand = 0;
  const std::vector<std::string> areas = {"AZ", "KG", "KZ", "TR", "UZ"};
  for (size_t r = 0; r < figures.size(); ++r) {
    v1::ConsolidatedResponse::Row* row = t.add_rows();
    row->set_ref_area(areas[r]);
    uint64_t sum = 0;
    for (size_t c = 0; c < columns; ++c) {
      const bool conf = !confidential.empty() && confidential[r][c];
      *row->add_figures() = Reported(figures[r][c], conf ? "C" : "F");
      sum += figures[r][c];
      column_totals[c] += figures[r][c];
    }
    *row->mutable_total() = Derived(sum);
    grand += sum;
  }
  for (uint64_t v : column_totals) {
    *t.add_column_totals() = Derived(v);
  }
  *t.mutable_grand_total() = Derived(grand);
  return t;
}

// Every suppressed figure of `t`, as (row, column) with its CONF_STATUS.
std::vector<std::string> Withheld(const v1::ConsolidatedResponse& t) {
  std::vector<std::string> out;
  const auto add = [&](int r, int c, const Figure& f) {
    if (f.suppressed()) {
      out.push_back(std::to_string(r) + "," + std::to_string(c) + ":" + f.conf_status());
    }
  };
  for (int r = 0; r < t.rows_size(); ++r) {
    for (int c = 0; c < t.rows(r).figures_size(); ++c) {
      add(r, c, t.rows(r).figures(c));
    }
    add(r, -1, t.rows(r).total());
  }
  for (int c = 0; c < t.column_totals_size(); ++c) {
    add(-1, c, t.column_totals(c));
  }
  add(-1, -1, t.grand_total());
  return out;
}

// The narrowest range of a primary (CONF_STATUS C) figure of published `t`.
long double NarrowestPrimary(const v1::ConsolidatedResponse& t) {
  long double narrowest = INFINITY;
  for (const FeasibleRange& range : SuppressedRanges(t)) {
    const Figure& f =
        range.cell.row >= 0
            ? (range.cell.column >= 0 ? t.rows(range.cell.row).figures(range.cell.column)
                                      : t.rows(range.cell.row).total())
            : (range.cell.column >= 0 ? t.column_totals(range.cell.column) : t.grand_total());
    if (f.conf_status() == "C") {
      narrowest = std::min(narrowest, range.hi - range.lo);
    }
  }
  return narrowest;
}

TEST_CASE("a confidential figure is withheld with partners that keep it from being recomputed",
          "[disclosure]") {
  v1::ConsolidatedResponse t =
      Table({{40, 120, 300}, {60, 80, 500}, {70, 90, 200}},
            {{true, false, false}, {false, false, false}, {false, false, false}});
  DisclosurePolicy policy;
  policy.min_count = 5;
  policy.protection = 10;

  // Primary suppression alone would not do: the row and column totals give the figure back.
  v1::ConsolidatedResponse primary_only = t;
  primary_only.mutable_rows(0)->mutable_figures(0)->set_suppressed(true);
  primary_only.mutable_rows(0)->mutable_figures(0)->clear_has_value();
  primary_only.mutable_rows(0)->mutable_figures(0)->set_value(0);
  REQUIRE(SuppressedRanges(primary_only).size() == 1);
  CHECK(SuppressedRanges(primary_only)[0].hi - SuppressedRanges(primary_only)[0].lo < 1e-6);

  REQUIRE(Publish(policy, &t).ok());
  CHECK(t.published());
  CHECK(t.min_count() == 5);
  CHECK(t.protection() == 10);
  const std::vector<std::string> withheld = Withheld(t);
  REQUIRE(withheld.size() >= 4);  // a 2x2 rectangle at least
  CHECK(withheld[0] == "0,0:C");
  for (size_t i = 1; i < withheld.size(); ++i) {
    CHECK(absl::EndsWith(withheld[i], ":D"));
  }
  CHECK(NarrowestPrimary(t) >= 10);
  CHECK_FALSE(t.rows(0).figures(0).has_value());
  CHECK(t.rows(0).figures(0).value() == 0);  // the true value does not leave
  CHECK(absl::StrContains(t.notes(t.notes_size() - 1), "disclosure control: "));

  // The same table and policy give the same pattern.
  v1::ConsolidatedResponse again =
      Table({{40, 120, 300}, {60, 80, 500}, {70, 90, 200}},
            {{true, false, false}, {false, false, false}, {false, false, false}});
  REQUIRE(Publish(policy, &again).ok());
  CHECK(again.SerializeAsString() == t.SerializeAsString());
}

TEST_CASE("figures under the minimum count are withheld, and a wide protection takes more partners",
          "[disclosure]") {
  DisclosurePolicy policy;
  policy.min_count = 5;
  policy.protection = 5;
  v1::ConsolidatedResponse t = Table({{3, 120, 300, 40}, {60, 2, 500, 41}, {70, 90, 200, 42}});
  REQUIRE(Publish(policy, &t).ok());
  int primaries = 0;
  for (const std::string& w : Withheld(t)) {
    primaries += absl::EndsWith(w, ":C") ? 1 : 0;
  }
  CHECK(primaries == 2);
  CHECK(NarrowestPrimary(t) >= 5);

  policy.protection = 200;
  v1::ConsolidatedResponse wide = Table({{3, 120, 300, 40}, {60, 2, 500, 41}, {70, 90, 200, 42}});
  REQUIRE(Publish(policy, &wide).ok());
  CHECK(NarrowestPrimary(wide) >= 200);
  CHECK(Withheld(wide).size() >= Withheld(t).size());

  // Nothing confidential or small: nothing withheld, no note.
  v1::ConsolidatedResponse clear = Table({{30, 120}, {60, 80}});
  REQUIRE(Publish(policy, &clear).ok());
  CHECK(Withheld(clear).empty());
  CHECK(clear.notes_size() == 0);
  CHECK(clear.published());
}

TEST_CASE("a withheld partner is known to hold at least the minimum, and the ranges say so",
          "[disclosure]") {
  // AZ: UZ 3 (under the minimum), TR 6; KZ: UZ 6, TR 100. Partners of at least 5 persons: an
  // attacker who knows it must still not narrow AZ x UZ to under 5.
  DisclosurePolicy policy;
  policy.min_count = 5;
  policy.protection = 5;
  v1::ConsolidatedResponse t = Table({{3, 6}, {6, 100}});
  REQUIRE(Publish(policy, &t).ok());
  CHECK(NarrowestPrimary(t) >= 5);
  // The ranges of a published table take the minimum into account: without it, withholding the
  // rectangle alone would look safe.
  v1::ConsolidatedResponse rectangle = Table({{3, 6}, {6, 100}});
  for (auto [r, c] : {std::pair{0, 0}, {0, 1}, {1, 0}, {1, 1}}) {
    Figure* f = rectangle.mutable_rows(r)->mutable_figures(c);
    const bool primary = r == 0 && c == 0;
    f->Clear();
    f->set_suppressed(true);
    f->set_conf_status(primary ? "C" : "D");
  }
  rectangle.set_min_count(5);
  CHECK(NarrowestPrimary(rectangle) < 5);
  rectangle.set_min_count(0);
  CHECK(NarrowestPrimary(rectangle) >= 5);
}

TEST_CASE("a confidential zero under a zero total is protected, not refused", "[disclosure]") {
  DisclosurePolicy policy;
  policy.min_count = 5;
  policy.protection = 5;
  v1::ConsolidatedResponse t =
      Table({{0, 0, 0}, {60, 80, 500}, {70, 90, 200}},
            {{true, false, false}, {false, false, false}, {false, false, false}});
  REQUIRE(Publish(policy, &t).ok());
  CHECK(t.rows(0).total().suppressed());
  CHECK(NarrowestPrimary(t) >= 5);
}

TEST_CASE("a table by AGE with nested age groups is not published", "[disclosure]") {
  v1::ConsolidatedResponse t = Table({{3, 47, 50}});
  t.set_by("AGE");
  t.set_citizens(0, "Y0T4");
  t.set_citizens(1, "Y5T14");
  t.set_citizens(2, "Y_LT15");
  DisclosurePolicy policy;
  policy.min_count = 5;
  policy.protection = 5;
  absl::Status s = Publish(policy, &t);
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(s.message(), "nested age groups"));
  // Age groups that do not overlap are published.
  v1::ConsolidatedResponse disjoint = Table({{3, 47}, {60, 80}});
  disjoint.set_by("AGE");
  disjoint.set_citizens(0, "Y0T4");
  disjoint.set_citizens(1, "Y5T14");
  REQUIRE(Publish(policy, &disjoint).ok());
  CHECK(NarrowestPrimary(disjoint) >= 5);
}

TEST_CASE("the bundle's policy: protection defaults to the minimum count, at least 1",
          "[disclosure]") {
  v1::TrustBundle bundle;
  CHECK(PolicyOf(bundle).min_count == 0);
  CHECK(PolicyOf(bundle).protection == 1);
  bundle.mutable_statistics()->set_min_count(5);
  CHECK(PolicyOf(bundle).protection == 5);
  bundle.mutable_statistics()->set_protection(12);
  CHECK(PolicyOf(bundle).protection == 12);
}

}  // namespace
}  // namespace ots
