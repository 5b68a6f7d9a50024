#include "node/query/calendar.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crypto/status_macros.h"
#include "node/base/rfc3339.h"
#include "node/model/codes.h"
#include "node/model/return_header.h"

namespace ots {
namespace {

// Most periods one schedule lists: a monthly schedule from 1900 is about 1,600.
constexpr int kMaxPeriods = 4000;

// A period of a calendar: its year and its quarter or month (0 for a year).
struct Period {
  char frequency = 'A';
  int year = 0;
  int part = 0;

  std::string Text() const {
    switch (frequency) {
      case 'Q':
        return absl::StrFormat("%04d-Q%d", year, part);
      case 'M':
        return absl::StrFormat("%04d-%02d", year, part);
      default:
        return absl::StrFormat("%04d", year);
    }
  }
  Period Next() const {
    Period p = *this;
    const int parts = frequency == 'Q' ? 4 : frequency == 'M' ? 12 : 1;
    if (frequency == 'A' || ++p.part > parts) {
      ++p.year;
      p.part = frequency == 'A' ? 0 : 1;
    }
    return p;
  }
  absl::Time End() const {
    const Period next = Next();
    const int month = frequency == 'Q' ? (next.part - 1) * 3 + 1 : frequency == 'M' ? next.part : 1;
    return absl::FromCivil(absl::CivilMonth(next.year, month), absl::UTCTimeZone());
  }
};

std::optional<Period> ParsePeriod(absl::string_view text) {
  if (!IsTimePeriod(text) || text.size() == 10) {
    return std::nullopt;  // days have no calendar here
  }
  Period p;
  if (!absl::SimpleAtoi(text.substr(0, 4), &p.year)) {
    return std::nullopt;
  }
  if (text.size() == 4) {
    return p;
  }
  const bool quarter = text[5] == 'Q';
  p.frequency = quarter ? 'Q' : 'M';
  if (!absl::SimpleAtoi(text.substr(quarter ? 6 : 5), &p.part)) {
    return std::nullopt;
  }
  return p;
}

// The reporters of `schedule`: the states it names, or every member and observer state.
std::vector<std::string> Reporters(const v1::ReportingSchedule& schedule,
                                   const v1::TrustBundle& bundle) {
  std::vector<std::string> out(schedule.reporters().begin(), schedule.reporters().end());
  if (out.empty()) {
    for (const v1::Member& m : bundle.members()) {
      if ((m.role() == v1::MEMBER || m.role() == v1::OBSERVER) && m.revoked_at().empty()) {
        out.push_back(m.code());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// When `origin` first reported each period: the created_at of the earliest entry of its log.
absl::StatusOr<std::map<std::string, absl::Time>> FirstReported(Store& store,
                                                                absl::string_view origin) {
  std::map<std::string, absl::Time> out;
  OTS_ASSIGN_OR_RETURN(std::vector<v1::LogEntry> log, store.ReadLog(origin));
  for (size_t i = 0; i < log.size(); ++i) {
    absl::StatusOr<v1::ReturnHeader> h = ParseReturnHeader(log[i].header().payload());
    if (!h.ok()) {
      return absl::DataLossError(
          absl::StrCat("log of ", origin, ", entry ", i, ": ", h.status().message()));
    }
    absl::StatusOr<absl::Time> at = ParseRfc3339(h->created_at());
    if (!at.ok()) {
      return absl::DataLossError(absl::StrCat("log of ", origin, ", entry ", i, ": created_at \"",
                                              h->created_at(), "\" is not RFC 3339"));
    }
    auto [it, added] = out.emplace(h->period(), *at);
    if (!added && *at < it->second) {
      it->second = *at;
    }
  }
  return out;
}

}  // namespace

std::optional<absl::Time> PeriodEnd(absl::string_view period) {
  std::optional<Period> p = ParsePeriod(period);
  if (!p.has_value()) {
    return std::nullopt;
  }
  return p->End();
}

absl::string_view StateName(ReportingRow::State state) {
  switch (state) {
    case ReportingRow::State::kReported:
      return "reported";
    case ReportingRow::State::kReportedLate:
      return "reported late";
    case ReportingRow::State::kLate:
      return "late";
    case ReportingRow::State::kNotDue:
      break;
  }
  return "not due yet";
}

absl::StatusOr<std::vector<ReportingRow>> ReportingCalendar(
    Store& store, const v1::TrustBundle& bundle, absl::Time now,
    const std::function<bool(absl::string_view origin)>& may_see) {
  std::vector<ReportingRow> out;
  std::map<std::string, std::map<std::string, absl::Time>> reported;  // origin -> period -> time
  for (const v1::ReportingSchedule& schedule : bundle.statistics().schedules()) {
    std::optional<Period> period = ParsePeriod(schedule.first_period());
    if (!period.has_value()) {
      continue;  // the bundle's validation refuses it
    }
    const std::vector<std::string> reporters = Reporters(schedule, bundle);
    for (const std::string& origin : reporters) {
      if (may_see(origin) && !reported.contains(origin)) {
        OTS_ASSIGN_OR_RETURN(reported[origin], FirstReported(store, origin));
      }
    }
    for (int n = 0; n < kMaxPeriods && period->End() <= now; ++n, period = period->Next()) {
      const std::string text = period->Text();
      const absl::Time due = period->End() + absl::Hours(24) * schedule.due_days();
      for (const std::string& origin : reporters) {
        if (!may_see(origin)) {
          continue;
        }
        ReportingRow row;
        row.dataflow = schedule.dataflow();
        row.period = text;
        row.origin = origin;
        row.due = due;
        auto it = reported[origin].find(text);
        if (it != reported[origin].end()) {
          row.submitted = it->second;
          row.state = it->second <= due ? ReportingRow::State::kReported
                                        : ReportingRow::State::kReportedLate;
          row.late = it->second > due ? it->second - due : absl::ZeroDuration();
        } else if (now > due) {
          row.state = ReportingRow::State::kLate;
          row.late = now - due;
        } else {
          row.state = ReportingRow::State::kNotDue;
        }
        out.push_back(std::move(row));
      }
    }
  }
  return out;
}

Table CalendarTable(const std::vector<ReportingRow>& rows) {
  Table t;
  t.columns = {"DATAFLOW", "TIME_PERIOD", "REF_AREA", "DUE", "STATE", "SUBMITTED_AT", "LATE_DAYS"};
  for (const ReportingRow& r : rows) {
    const bool late =
        r.state == ReportingRow::State::kLate || r.state == ReportingRow::State::kReportedLate;
    t.rows.push_back({r.dataflow, r.period, r.origin, Rfc3339(r.due),
                      std::string(StateName(r.state)),
                      r.submitted.has_value() ? Rfc3339(*r.submitted) : "",
                      late ? absl::StrFormat("%.1f", absl::ToDoubleHours(r.late) / 24) : ""});
  }
  return t;
}

}  // namespace ots
