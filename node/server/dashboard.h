// The dashboard a node serves on its admin listener (docs/statistics.md "Dashboard"): one
// server-rendered HTML page with inline CSS and SVG, no script and nothing fetched from
// elsewhere, so it works without internet. Federation health (peers, lag, alarms, bundle
// version), the published consolidated table of a chosen period, category and sex with the
// provenance and flags of every figure, a time series chart of each state's total, and who is
// late.
//
// All functions are pure and thread-safe.
#ifndef OTS_NODE_SERVER_DASHBOARD_H_
#define OTS_NODE_SERVER_DASHBOARD_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/services.pb.h"

namespace ots {

// The name=value pairs of a URL query string, percent-decoded ('+' is a space). A name given
// twice keeps its last value; pairs without '=' are passed over.
std::map<std::string, std::string> ParseQueryString(absl::string_view query);

// `s` with & < > " ' escaped, for HTML text and attribute values.
std::string HtmlEscape(absl::string_view s);

// What the page shows.
struct DashboardView {
  v1::StatusResponse status;          // the node, its peers, alarms, late returns
  std::vector<std::string> periods;   // every period a table can be chosen for, sorted
  std::string period, stay_cat, sex;  // the chosen table
  std::string table_error;            // why there is no table, if there is none
  v1::ConsolidatedResponse table;     // published (disclosure control applied)
  v1::ConsolidatedResponse series;    // the same category over the periods of its frequency
  std::string generated_at;           // RFC 3339 UTC
};

// The page.
std::string RenderDashboard(const DashboardView& view);

}  // namespace ots

#endif  // OTS_NODE_SERVER_DASHBOARD_H_
