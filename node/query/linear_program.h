// A small linear-program solver for disclosure control (node/query/disclosure.h): the bounds an
// attacker can put on a suppressed figure from the published ones. Two-phase simplex on a dense
// tableau with Bland's rule (no cycling), in long double; sized for tables of a few hundred
// suppressed figures, not for general use.
//
// Thread-safe: no state is shared between calls.
#ifndef OTS_NODE_QUERY_LINEAR_PROGRAM_H_
#define OTS_NODE_QUERY_LINEAR_PROGRAM_H_

#include <cstddef>
#include <optional>
#include <vector>

namespace ots {

// Variables x_0 .. x_{n-1}, each >= 0, under linear constraints.
struct LinearProgram {
  enum class Sense { kLessEqual, kEqual, kGreaterEqual };
  struct Constraint {
    std::vector<std::pair<size_t, long double>> terms;  // (variable, coefficient)
    Sense sense = Sense::kEqual;
    long double rhs = 0;
  };
  size_t variables = 0;
  std::vector<Constraint> constraints;
};

// The result of optimising one variable.
struct LpBound {
  bool feasible = false;
  bool unbounded = false;  // the objective grows without bound (max) / below 0 cannot (min)
  long double value = 0;   // the optimum when feasible and bounded
};

// The smallest (maximize false) or largest (maximize true) value of variable `v` over the
// feasible set of `lp`.
LpBound OptimiseVariable(const LinearProgram& lp, size_t v, bool maximize);

}  // namespace ots

#endif  // OTS_NODE_QUERY_LINEAR_PROGRAM_H_
