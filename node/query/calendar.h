// The reporting calendar (docs/statistics.md "Reporting calendar"): from the bundle's
// StatisticsPolicy schedules, which periods each state is expected to report and by when, and
// from the logs a node holds, who reported each period when, who is late and by how long.
//
// Thread-safe as Store is; reads the store and changes nothing.
#ifndef OTS_NODE_QUERY_CALENDAR_H_
#define OTS_NODE_QUERY_CALENDAR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "node/query/query.h"
#include "node/store/store.h"
#include "proto/bundle.pb.h"

namespace ots {

// The end of `period` (the start of the next one), for A, Q and M periods; nullopt otherwise.
std::optional<absl::Time> PeriodEnd(absl::string_view period);

// One state's return of one expected period.
struct ReportingRow {
  std::string dataflow;
  std::string period;
  std::string origin;
  absl::Time due;
  enum class State { kReported, kReportedLate, kLate, kNotDue };
  State state = State::kNotDue;
  std::optional<absl::Time> submitted;  // the created_at of its first revision, if reported
  absl::Duration late;                  // kReportedLate: submitted - due; kLate: now - due
};
// "reported", "reported late", "late", "not due yet".
absl::string_view StateName(ReportingRow::State state);

// Every period of every schedule of `bundle` that has ended by `now`, and the next one of each
// (not due yet), for each of its reporters (default: every member and observer state) that
// `may_see` allows, in order of schedule, period and origin; each as the logs of `store` show
// it. Store errors and DATA_LOSS for a log entry that does not parse pass through.
absl::StatusOr<std::vector<ReportingRow>> ReportingCalendar(
    Store& store, const v1::TrustBundle& bundle, absl::Time now,
    const std::function<bool(absl::string_view origin)>& may_see);

// `rows` as a table: DATAFLOW, TIME_PERIOD, REF_AREA, DUE, STATE, SUBMITTED_AT, LATE_DAYS.
Table CalendarTable(const std::vector<ReportingRow>& rows);

}  // namespace ots

#endif  // OTS_NODE_QUERY_CALENDAR_H_
