#include "node/query/linear_program.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace ots {
namespace {

constexpr long double kEps = 1e-9L;

// A dense simplex tableau: rows of constraint coefficients with the right-hand side last, and
// the basic variable of each row.
struct Tableau {
  std::vector<std::vector<long double>> rows;
  std::vector<size_t> basis;
  size_t columns = 0;  // variables, the right-hand side not counted

  long double& rhs(size_t r) { return rows[r][columns]; }

  void Pivot(size_t pr, size_t pc) {
    std::vector<long double>& p = rows[pr];
    const long double d = p[pc];
    for (long double& x : p) {
      x /= d;
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      if (r == pr) {
        continue;
      }
      const long double f = rows[r][pc];
      if (std::fabs(f) <= kEps) {
        continue;
      }
      for (size_t c = 0; c <= columns; ++c) {
        rows[r][c] -= f * p[c];
      }
    }
    basis[pr] = pc;
  }

  // Maximises sum(cost[j] * x_j) over columns j with allowed[j]. Returns false if unbounded.
  bool Maximise(const std::vector<long double>& cost, const std::vector<bool>& allowed) {
    for (;;) {
      // Reduced costs: cost_j - sum over rows of cost_basis * a_rj. Bland: the first improving.
      size_t enter = columns;
      for (size_t j = 0; j < columns && enter == columns; ++j) {
        if (!allowed[j]) {
          continue;
        }
        long double reduced = cost[j];
        for (size_t r = 0; r < rows.size(); ++r) {
          reduced -= cost[basis[r]] * rows[r][j];
        }
        if (reduced > kEps) {
          enter = j;
        }
      }
      if (enter == columns) {
        return true;
      }
      size_t leave = rows.size();
      long double best = std::numeric_limits<long double>::infinity();
      for (size_t r = 0; r < rows.size(); ++r) {
        const long double a = rows[r][enter];
        if (a <= kEps) {
          continue;
        }
        const long double ratio = rhs(r) / a;
        if (ratio < best - kEps ||
            (std::fabs(ratio - best) <= kEps && leave < rows.size() && basis[r] < basis[leave])) {
          best = ratio;
          leave = r;
        }
      }
      if (leave == rows.size()) {
        return false;
      }
      Pivot(leave, enter);
    }
  }
};

}  // namespace

LpBound OptimiseVariable(const LinearProgram& lp, size_t v, bool maximize) {
  const size_t n = lp.variables;
  const size_t m = lp.constraints.size();
  // Columns: the variables, then one slack or surplus per inequality, then one artificial per
  // row that needs one (>= and =, after making every right-hand side non-negative).
  struct Row {
    std::vector<long double> a;
    LinearProgram::Sense sense;
    long double rhs;
  };
  std::vector<Row> normal;
  normal.reserve(m);
  for (const LinearProgram::Constraint& c : lp.constraints) {
    Row row{std::vector<long double>(n, 0), c.sense, c.rhs};
    for (const auto& [var, coef] : c.terms) {
      row.a[var] += coef;
    }
    if (row.rhs < 0) {
      for (long double& x : row.a) {
        x = -x;
      }
      row.rhs = -row.rhs;
      if (row.sense == LinearProgram::Sense::kLessEqual) {
        row.sense = LinearProgram::Sense::kGreaterEqual;
      } else if (row.sense == LinearProgram::Sense::kGreaterEqual) {
        row.sense = LinearProgram::Sense::kLessEqual;
      }
    }
    normal.push_back(std::move(row));
  }
  size_t slacks = 0, artificials = 0;
  for (const Row& row : normal) {
    slacks += row.sense != LinearProgram::Sense::kEqual ? 1 : 0;
    artificials += row.sense != LinearProgram::Sense::kLessEqual ? 1 : 0;
  }
  Tableau t;
  t.columns = n + slacks + artificials;
  t.rows.assign(m, std::vector<long double>(t.columns + 1, 0));
  t.basis.assign(m, 0);
  size_t next_slack = n, next_artificial = n + slacks;
  for (size_t r = 0; r < m; ++r) {
    for (size_t j = 0; j < n; ++j) {
      t.rows[r][j] = normal[r].a[j];
    }
    t.rhs(r) = normal[r].rhs;
    switch (normal[r].sense) {
      case LinearProgram::Sense::kLessEqual:
        t.rows[r][next_slack] = 1;
        t.basis[r] = next_slack++;
        break;
      case LinearProgram::Sense::kGreaterEqual:
        t.rows[r][next_slack++] = -1;
        t.rows[r][next_artificial] = 1;
        t.basis[r] = next_artificial++;
        break;
      case LinearProgram::Sense::kEqual:
        t.rows[r][next_artificial] = 1;
        t.basis[r] = next_artificial++;
        break;
    }
  }
  // Phase 1: drive the artificials to zero.
  std::vector<long double> cost(t.columns, 0);
  std::vector<bool> allowed(t.columns, true);
  for (size_t j = n + slacks; j < t.columns; ++j) {
    cost[j] = -1;
  }
  t.Maximise(cost, allowed);  // bounded: the artificials are at least 0
  long double infeasibility = 0;
  for (size_t r = 0; r < m; ++r) {
    if (t.basis[r] >= n + slacks) {
      infeasibility += t.rhs(r);
    }
  }
  LpBound out;
  if (infeasibility > 1e-6L) {
    return out;
  }
  // Artificials left in the basis at zero: pivot them out where a real column can take their
  // place; a row with none is redundant and stays with its artificial at zero.
  for (size_t r = 0; r < m; ++r) {
    if (t.basis[r] < n + slacks) {
      continue;
    }
    for (size_t j = 0; j < n + slacks; ++j) {
      if (std::fabs(t.rows[r][j]) > kEps) {
        t.Pivot(r, j);
        break;
      }
    }
  }
  out.feasible = true;
  // Phase 2: the objective, artificials kept out.
  std::fill(cost.begin(), cost.end(), 0);
  cost[v] = maximize ? 1 : -1;
  for (size_t j = n + slacks; j < t.columns; ++j) {
    allowed[j] = false;
  }
  if (!t.Maximise(cost, allowed)) {
    out.unbounded = true;
    return out;
  }
  for (size_t r = 0; r < m; ++r) {
    if (t.basis[r] == v) {
      out.value = t.rhs(r);
      return out;
    }
  }
  out.value = 0;  // non-basic: at its bound
  return out;
}

}  // namespace ots
