// Disclosure control of published consolidated tables (docs/statistics.md "Disclosure control"):
// primary suppression of the cells a state marks confidential (CONF_STATUS C or D) and of cells
// under the bundle's minimum count, then secondary suppression until every primary cell's
// feasible range, as an attacker can narrow it from the published figures, totals and the
// table's additive structure (node/query/linear_program.h), is at least the policy's
// protection wide. Deterministic: the same table and policy give the same pattern, so a
// verifier recomputes it (node/query/table_check.h).
//
// All functions are pure and thread-safe.
#ifndef OTS_NODE_QUERY_DISCLOSURE_H_
#define OTS_NODE_QUERY_DISCLOSURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/bundle.pb.h"
#include "proto/services.pb.h"

namespace ots {

struct DisclosurePolicy {
  uint64_t min_count = 0;   // 0 < value < min_count is primary; 0: no threshold
  uint64_t protection = 1;  // the narrowest range a primary cell may be narrowed to
};
// The bundle's policy, protection defaulting to min_count and at least 1.
DisclosurePolicy PolicyOf(const v1::TrustBundle& bundle);

// One figure of a table: rows index table.rows (-1 the column totals), columns index the
// column codes (-1 the row totals); (-1, -1) the grand total.
struct TableCell {
  int row = -1;
  int column = -1;
  bool operator==(const TableCell&) const = default;
};

// What an attacker can know of a published `table` (one table, not a series): for every
// suppressed figure, the smallest and largest value consistent with the published figures,
// non-negativity, and the relations of the table: column totals and the grand total are sums; a
// derived row total is the sum of its row; a reported one is at least the sum of its row
// (CITIZEN; SEX unless F and M are both there, then equal; AGE when no interval overlaps
// another), or at least each figure (STAY_CAT, overlapping AGE); and a secondary figure (D) holds
// at least the table's min_count persons, or it would have been primary.
struct FeasibleRange {
  TableCell cell;
  long double lo = 0;
  long double hi = 0;  // infinity when unbounded
};
std::vector<FeasibleRange> SuppressedRanges(const v1::ConsolidatedResponse& table);

// Applies `policy` to `table`, a table or a series (each of its tables), in place: suppressed
// figures lose their value (Figure.suppressed, conf_status C primary / D secondary), the policy
// is recorded (published, min_count, protection), and a note says how many were withheld.
// FAILED_PRECONDITION for a table by AGE with nested age groups and something to withhold (the
// equalities between nested groups are not modelled, so no pattern could be shown safe);
// INTERNAL if no pattern protects every primary cell (not expected: every figure of a row and
// column can be withheld).
absl::Status Publish(const DisclosurePolicy& policy, v1::ConsolidatedResponse* table);

}  // namespace ots

#endif  // OTS_NODE_QUERY_DISCLOSURE_H_
