#include "node/query/disclosure.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/status_macros.h"
#include "node/model/codes.h"
#include "node/query/linear_program.h"

namespace ots {
namespace {

using Figure = v1::ConsolidatedResponse::Figure;

// One figure of the table as disclosure control sees it.
struct Cell {
  TableCell at;
  bool present = false;  // the table has a value here (reported or derived)
  bool derived = false;
  uint64_t value = 0;
  bool suppressed = false;
  bool primary = false;
};

// The figures of one table, with the relations an attacker knows between them.
class Grid {
 public:
  explicit Grid(const v1::ConsolidatedResponse& t)
      : rows_(t.rows_size()),
        columns_(t.citizens_size()),
        by_(t.by().empty() ? "CITIZEN" : t.by()) {
    for (int r = 0; r < rows_; ++r) {
      for (int c = 0; c < columns_; ++c) {
        Add({r, c}, c < t.rows(r).figures_size() ? t.rows(r).figures(c) : Figure());
      }
      Add({r, -1}, t.rows(r).total());
    }
    for (int c = 0; c < columns_; ++c) {
      Add({-1, c}, c < t.column_totals_size() ? t.column_totals(c) : Figure());
    }
    Add({-1, -1}, t.grand_total());
    for (int c = 0; c < columns_; ++c) {
      codes_.push_back(t.citizens(c));
    }
  }

  std::vector<Cell>& cells() { return cells_; }
  const std::vector<Cell>& cells() const { return cells_; }
  Cell& at(TableCell tc) { return cells_[Index(tc)]; }
  const Cell& at(TableCell tc) const { return cells_[Index(tc)]; }

  // The relations of the table over the suppressed cells, each a constraint of `lp`, its
  // variables the suppressed cells in the order of `vars`. Returns, per constraint, the cells it
  // holds (for choosing partners).
  // Secondary cells (suppressed, not primary) are known to hold at least `min_count` persons:
  // anything less would have been primary.
  std::vector<std::vector<TableCell>> Relations(LinearProgram* lp, std::vector<TableCell>* vars,
                                                uint64_t min_count) const {
    std::vector<int> var_of(cells_.size(), -1);
    vars->clear();
    for (size_t i = 0; i < cells_.size(); ++i) {
      if (cells_[i].present && cells_[i].suppressed) {
        var_of[i] = static_cast<int>(vars->size());
        vars->push_back(cells_[i].at);
      }
    }
    lp->variables = vars->size();
    lp->constraints.clear();
    std::vector<std::vector<TableCell>> members;
    for (size_t v = 0; v < vars->size() && min_count > 0; ++v) {
      if (!at((*vars)[v]).primary) {
        lp->constraints.push_back(
            {{{v, 1}}, LinearProgram::Sense::kGreaterEqual, static_cast<long double>(min_count)});
        members.push_back({(*vars)[v]});
      }
    }
    // total (sense) sum of parts: total - sum(parts) (sense) 0.
    const auto relate = [&](TableCell total, const std::vector<TableCell>& parts,
                            LinearProgram::Sense sense) {
      LinearProgram::Constraint c;
      c.sense = sense;
      std::vector<TableCell> in = {total};
      const auto term = [&](TableCell tc, long double coef) {
        const int i = Index(tc);
        if (var_of[i] >= 0) {
          c.terms.emplace_back(var_of[i], coef);
        } else {
          c.rhs -= coef * static_cast<long double>(cells_[i].value);
        }
      };
      term(total, 1);
      for (TableCell p : parts) {
        term(p, -1);
        in.push_back(p);
      }
      if (!c.terms.empty()) {
        lp->constraints.push_back(std::move(c));
        members.push_back(std::move(in));
      }
    };
    for (int c = 0; c < columns_; ++c) {
      if (!at({-1, c}).present) {
        continue;
      }
      std::vector<TableCell> parts;
      for (int r = 0; r < rows_; ++r) {
        if (at({r, c}).present) {
          parts.push_back({r, c});
        }
      }
      relate({-1, c}, parts, LinearProgram::Sense::kEqual);
    }
    if (at({-1, -1}).present) {
      std::vector<TableCell> parts;
      for (int r = 0; r < rows_; ++r) {
        if (at({r, -1}).present) {
          parts.push_back({r, -1});
        }
      }
      relate({-1, -1}, parts, LinearProgram::Sense::kEqual);
    }
    for (int r = 0; r < rows_; ++r) {
      const Cell& total = at({r, -1});
      if (!total.present) {
        continue;
      }
      std::vector<TableCell> parts;
      for (int c = 0; c < columns_; ++c) {
        if (at({r, c}).present) {
          parts.push_back({r, c});
        }
      }
      switch (RowKind(r, total.derived)) {
        case Kind::kSum:
          relate({r, -1}, parts, LinearProgram::Sense::kEqual);
          break;
        case Kind::kAtLeastSum:
          relate({r, -1}, parts, LinearProgram::Sense::kGreaterEqual);
          break;
        case Kind::kAtLeastEach:
          for (TableCell p : parts) {
            relate({r, -1}, {p}, LinearProgram::Sense::kGreaterEqual);
          }
          break;
      }
    }
    return members;
  }

 private:
  enum class Kind { kSum, kAtLeastSum, kAtLeastEach };

 public:
  // Whether the table is by AGE and row `r` holds age groups of which one overlaps another (a
  // broad group and the narrower ones in it): the return states equalities between them that
  // these relations do not model.
  bool NestedAges(int r) const {
    return by_ == "AGE" && RowKind(r, /*derived=*/false) == Kind::kAtLeastEach;
  }

 private:
  // What a row's total is to its figures.
  Kind RowKind(int r, bool derived) const {
    if (derived) {
      return Kind::kSum;
    }
    if (by_ == "STAY_CAT") {
      return Kind::kAtLeastEach;
    }
    if (by_ == "SEX") {
      bool f = false, m = false;
      for (int c = 0; c < columns_; ++c) {
        f = f || (codes_[c] == "F" && at({r, c}).present);
        m = m || (codes_[c] == "M" && at({r, c}).present);
      }
      return f && m ? Kind::kSum : Kind::kAtLeastSum;
    }
    if (by_ == "AGE") {
      std::vector<std::pair<int, int>> ranges;
      for (int c = 0; c < columns_; ++c) {
        AgeCode a;
        if (at({r, c}).present && ParseAgeCode(codes_[c], &a) && a.kind == AgeCode::kRange) {
          ranges.emplace_back(a.lo, a.hi);
        }
      }
      std::sort(ranges.begin(), ranges.end());
      for (size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].first < ranges[i - 1].second) {
          return Kind::kAtLeastEach;
        }
      }
    }
    return Kind::kAtLeastSum;
  }

  int Index(TableCell tc) const {
    if (tc.row >= 0 && tc.column >= 0) {
      return tc.row * (columns_ + 1) + tc.column;
    }
    if (tc.row >= 0) {
      return tc.row * (columns_ + 1) + columns_;
    }
    return rows_ * (columns_ + 1) + (tc.column >= 0 ? tc.column : columns_);
  }

  void Add(TableCell tc, const Figure& f) {
    Cell cell;
    cell.at = tc;
    cell.present = f.has_value() || f.suppressed();
    cell.derived = f.derived();
    cell.value = f.value();
    cell.suppressed = f.suppressed();
    cell.primary = f.suppressed() && f.conf_status() == "C";  // a published table's primaries
    cells_.push_back(cell);
  }

  const int rows_;
  const int columns_;
  const std::string by_;
  std::vector<std::string> codes_;
  std::vector<Cell> cells_;  // row by row, each row's total last; then the totals row
};

// The range of every suppressed cell of `grid`.
std::vector<FeasibleRange> Ranges(const Grid& grid, uint64_t min_count) {
  LinearProgram lp;
  std::vector<TableCell> vars;
  grid.Relations(&lp, &vars, min_count);
  std::vector<FeasibleRange> out;
  for (size_t v = 0; v < vars.size(); ++v) {
    FeasibleRange range;
    range.cell = vars[v];
    const LpBound lo = OptimiseVariable(lp, v, false);
    const LpBound hi = OptimiseVariable(lp, v, true);
    range.lo = lo.feasible ? lo.value : 0;
    range.hi = !hi.feasible   ? 0
               : hi.unbounded ? std::numeric_limits<long double>::infinity()
                              : hi.value;
    out.push_back(range);
  }
  return out;
}

bool Confidential(const Figure& f) { return f.conf_status() == "C" || f.conf_status() == "D"; }

// The first primary cell whose range is narrower than the protection, if any. Only primary
// cells are bounded, and the search stops at the first one exposed.
// Withholding more only widens every range, so a primary found protected (in `safe`) stays so.
std::optional<TableCell> Exposed(const Grid& grid, const DisclosurePolicy& policy,
                                 std::vector<TableCell>* safe) {
  LinearProgram lp;
  std::vector<TableCell> vars;
  grid.Relations(&lp, &vars, policy.min_count);
  const long double needed = static_cast<long double>(policy.protection) - 1e-6L;
  for (size_t v = 0; v < vars.size(); ++v) {
    if (!grid.at(vars[v]).primary ||
        std::find(safe->begin(), safe->end(), vars[v]) != safe->end()) {
      continue;
    }
    const LpBound hi = OptimiseVariable(lp, v, true);
    const LpBound lo = hi.unbounded ? LpBound{} : OptimiseVariable(lp, v, false);
    if (!hi.unbounded && hi.value - (lo.feasible ? lo.value : 0) < needed) {
      return vars[v];
    }
    safe->push_back(vars[v]);
  }
  return std::nullopt;
}

// One more cell to suppress so that `exposed` gets room: in the relation that pins a
// suppressed cell most (fewest suppressed cells; those of `exposed` first), the published cell
// that best gives room: the smallest of at least the protection, else the largest; interior
// figures before totals. nullopt if every related cell is suppressed.
std::optional<TableCell> Partner(Grid& grid, TableCell exposed, const DisclosurePolicy& policy) {
  LinearProgram lp;
  std::vector<TableCell> vars;
  const std::vector<std::vector<TableCell>> relations =
      grid.Relations(&lp, &vars, policy.min_count);
  std::optional<size_t> best_relation;
  std::pair<int, int> best_key;
  for (size_t i = 0; i < relations.size(); ++i) {
    int suppressed = 0, open = 0;
    bool has_exposed = false;
    for (TableCell tc : relations[i]) {
      const Cell& c = grid.at(tc);
      suppressed += c.suppressed ? 1 : 0;
      open += !c.suppressed && c.present && c.value > 0 ? 1 : 0;
      has_exposed = has_exposed || tc == exposed;
    }
    if (open == 0) {
      continue;
    }
    const std::pair<int, int> key = {suppressed, has_exposed ? 0 : 1};
    if (!best_relation.has_value() || key < best_key) {
      best_relation = i;
      best_key = key;
    }
  }
  if (!best_relation.has_value()) {
    return std::nullopt;
  }
  std::optional<TableCell> pick;
  const auto better = [&](const Cell& c, const Cell& than) {
    const bool c_ok = c.value >= policy.protection, t_ok = than.value >= policy.protection;
    const bool c_inner = c.at.row >= 0 && c.at.column >= 0;
    const bool t_inner = than.at.row >= 0 && than.at.column >= 0;
    if (c_inner != t_inner) {
      return c_inner;
    }
    if (c_ok != t_ok) {
      return c_ok;
    }
    return c_ok ? c.value < than.value : c.value > than.value;
  };
  for (TableCell tc : relations[*best_relation]) {
    const Cell& c = grid.at(tc);
    if (c.suppressed || !c.present || c.value == 0) {
      continue;
    }
    if (!pick.has_value() || better(c, grid.at(*pick))) {
      pick = tc;
    }
  }
  return pick;
}

// Suppresses one table (not a series) in place.
absl::Status SuppressOne(const DisclosurePolicy& policy, v1::ConsolidatedResponse* t) {
  Grid grid(*t);
  // Primary: confidential by its state, or fewer persons than the minimum.
  const auto figure = [&](TableCell tc) -> Figure* {
    if (tc.row >= 0) {
      v1::ConsolidatedResponse::Row* row = t->mutable_rows(tc.row);
      return tc.column >= 0 ? row->mutable_figures(tc.column) : row->mutable_total();
    }
    return tc.column >= 0 ? t->mutable_column_totals(tc.column) : t->mutable_grand_total();
  };
  size_t primaries = 0;
  for (Cell& c : grid.cells()) {
    if (!c.present) {
      continue;
    }
    const Figure& f = *figure(c.at);
    if (Confidential(f) || (c.value > 0 && c.value < policy.min_count)) {
      c.primary = c.suppressed = true;
      ++primaries;
    }
  }
  // A total of 0 over a confidential figure would give it back (all its parts are 0): it is
  // withheld as a primary too, so that partners beside it can be found.
  for (Cell& c : grid.cells()) {
    if (!c.primary || !Confidential(*figure(c.at))) {
      continue;
    }
    const TableCell totals[] = {{c.at.row, -1}, {-1, c.at.column}, {-1, -1}};
    for (TableCell tc : totals) {
      Cell& total = grid.at(tc);
      if (total.present && !total.primary && total.value == 0 && !(tc == c.at)) {
        total.primary = total.suppressed = true;
        ++primaries;
      }
    }
  }
  if (primaries > 0) {
    for (int r = 0; r < t->rows_size(); ++r) {
      if (grid.NestedAges(r)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "disclosure control of a table by AGE whose rows hold nested age groups (",
            t->rows(r).ref_area(), " ", t->period(),
            ") is not supported: publish it by CITIZEN, SEX or STAY_CAT, or with age groups that "
            "do not overlap"));
      }
    }
  }
  size_t secondaries = 0;
  std::vector<TableCell> safe;
  for (std::optional<TableCell> exposed = Exposed(grid, policy, &safe); exposed.has_value();
       exposed = Exposed(grid, policy, &safe)) {
    std::optional<TableCell> partner = Partner(grid, *exposed, policy);
    if (!partner.has_value()) {
      return absl::InternalError(absl::StrCat("disclosure control of ", t->period(),
                                              ": no pattern protects the figure at row ",
                                              exposed->row, ", column ", exposed->column));
    }
    grid.at(*partner).suppressed = true;
    ++secondaries;
  }
  for (const Cell& c : grid.cells()) {
    if (!c.suppressed) {
      continue;
    }
    Figure* f = figure(c.at);
    const std::string obs_status = f->obs_status(), stock_flow = f->stock_flow();
    const bool derived = f->derived();
    f->Clear();
    f->set_suppressed(true);
    f->set_derived(derived);
    f->set_obs_status(obs_status);
    f->set_stock_flow(stock_flow);
    f->set_conf_status(c.primary ? "C" : "D");
  }
  if (primaries > 0) {
    t->add_notes(absl::StrCat(
        "disclosure control: ", primaries + secondaries, " figures withheld (", primaries,
        policy.min_count > 0 ? absl::StrCat(" confidential or under ", policy.min_count, " persons")
                             : std::string(" confidential"),
        ", CONF_STATUS C; ", secondaries,
        " so that none of those can be recomputed, D); each keeps a range of at least ",
        policy.protection, " persons"));
  }
  return absl::OkStatus();
}

}  // namespace

DisclosurePolicy PolicyOf(const v1::TrustBundle& bundle) {
  DisclosurePolicy p;
  p.min_count = bundle.statistics().min_count();
  p.protection = std::max<uint64_t>({bundle.statistics().protection(),
                                     bundle.statistics().protection() == 0 ? p.min_count : 0, 1});
  return p;
}

std::vector<FeasibleRange> SuppressedRanges(const v1::ConsolidatedResponse& table) {
  return Ranges(Grid(table), table.min_count());
}

absl::Status Publish(const DisclosurePolicy& policy, v1::ConsolidatedResponse* table) {
  if (table->series_size() == 0) {
    OTS_RETURN_IF_ERROR(SuppressOne(policy, table));
  }
  for (v1::ConsolidatedResponse& one : *table->mutable_series()) {
    absl::Status s = SuppressOne(policy, &one);
    if (!s.ok()) {
      return s;
    }
  }
  table->set_published(true);
  table->set_min_count(policy.min_count);
  table->set_protection(policy.protection);
  return absl::OkStatus();
}

}  // namespace ots
