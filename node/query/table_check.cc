#include "node/query/table_check.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "node/log/checkpoint.h"
#include "node/query/disclosure.h"

namespace ots {
namespace {

using Figure = v1::ConsolidatedResponse::Figure;

constexpr absl::string_view kDiffers = "the table differs from the signed returns: ";

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("the table is malformed: ", what));
}

// Whether a source's failure says it could not be reached or would not serve this caller, rather
// than that it does not hold what was asked.
bool Unreachable(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) || absl::IsPermissionDenied(s) ||
         absl::IsUnauthenticated(s);
}

// `origin` at its checkpoint, from the first source that serves it.
absl::StatusOr<TableVerification::Origin> VerifyOrigin(const Directory& directory,
                                                       const TableCategory& category,
                                                       const v1::OriginStatus& point,
                                                       absl::Span<const TableSource> sources) {
  v1::SignedReturnRequest request;
  request.set_origin(point.origin());
  request.set_size(point.log_size());
  request.set_period(category.period);
  std::vector<std::string> failures;
  bool all_unreachable = true;
  for (const TableSource& source : sources) {
    SignedReturnChecker checker(directory, category, point.origin(), point.log_size());
    absl::Status check;
    const absl::Status fetched = source.fetch(request, [&](const v1::SignedReturnChunk& chunk) {
      check = checker.Add(chunk);
      return check;
    });
    const auto not_verified = [&](const absl::Status& s) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the signed data does not verify: ", s.message(), " (served by ", source.name, ")"));
    };
    if (!check.ok()) {
      return not_verified(check);
    }
    if (!fetched.ok()) {
      all_unreachable = all_unreachable && Unreachable(fetched);
      failures.push_back(absl::StrCat(source.name, ": ", fetched.message()));
      continue;
    }
    absl::StatusOr<CheckedReturn> checked = checker.Finish();
    if (!checked.ok()) {
      return not_verified(checked.status());
    }
    return TableVerification::Origin{source.name, *std::move(checked)};
  }
  const std::string message =
      absl::StrCat("no source serves ", point.origin(), " at log size ", point.log_size(), ": ",
                   failures.empty() ? "no source given" : absl::StrJoin(failures, "; "));
  return all_unreachable && !failures.empty() ? absl::UnavailableError(message)
                                              : absl::FailedPreconditionError(message);
}

std::string FigureText(const Figure& f, bool with_attributes = false) {
  if (f.suppressed()) {
    return absl::StrCat("withheld (CONF_STATUS ", f.conf_status(), ")");
  }
  if (!f.has_value()) {
    return "nothing";
  }
  return absl::StrCat(f.value(), f.derived() ? " (derived)" : "",
                      with_attributes ? absl::StrCat(" OBS_STATUS=", f.obs_status(),
                                                     " CONF_STATUS=", f.conf_status(),
                                                     " STOCK_FLOW=", f.stock_flow())
                                      : "");
}

bool SameFigure(const Figure& a, const Figure& b) {
  return a.has_value() == b.has_value() && a.suppressed() == b.suppressed() &&
         a.conf_status() == b.conf_status() &&
         (!a.has_value() ||
          (a.value() == b.value() && a.derived() == b.derived() &&
           a.obs_status() == b.obs_status() && a.conf_status() == b.conf_status() &&
           a.stock_flow() == b.stock_flow()));
}

std::string Provenance(const v1::ConsolidatedResponse::Row& r) {
  return absl::StrCat("revision ", r.revision(), " at log index ", r.log_index(), ", submitted ",
                      r.submitted_at());
}

absl::Status Differs(absl::string_view what, absl::string_view served, absl::string_view signed_) {
  return absl::InvalidArgumentError(
      absl::StrCat(kDiffers, what, ": served ", served, ", signed ", signed_));
}

// The difference of two figures, their attributes named only where the numbers agree.
absl::Status FigureDiffers(absl::string_view what, const Figure& served, const Figure& recomputed,
                           absl::string_view at) {
  const bool attributes = served.has_value() && recomputed.has_value() &&
                          served.value() == recomputed.value() &&
                          served.derived() == recomputed.derived();
  return Differs(what, FigureText(served, attributes),
                 absl::StrCat(FigureText(recomputed, attributes), at));
}

// What TakeWithheld took as served without checking it.
struct Taken {
  uint64_t unchecked = 0;  // values the verifier could not recompute (a sealed cell it lacks)
  uint64_t hidden = 0;     // values a table not yet published withholds though they recompute
};

// Where `recomputed` could not know a figure (a sum over, or itself, a sealed cell this verifier
// may not open) or `served` suppresses one (the pattern depends on what is withheld here, or the
// node lacked openings the verifier got), the served figure is taken.
Taken TakeWithheld(const v1::ConsolidatedResponse& served, v1::ConsolidatedResponse* recomputed) {
  Taken taken;
  const auto take = [&](const Figure& s, Figure* r) {
    const bool unknown = r->suppressed() && !r->has_value();
    if (unknown || s.suppressed()) {
      taken.unchecked += unknown && s.has_value() ? 1 : 0;
      taken.hidden += !served.published() && s.suppressed() && r->has_value() ? 1 : 0;
      *r = s;
    }
  };
  for (int i = 0; i < recomputed->rows_size() && i < served.rows_size(); ++i) {
    v1::ConsolidatedResponse::Row* r = recomputed->mutable_rows(i);
    const v1::ConsolidatedResponse::Row& s = served.rows(i);
    for (int c = 0; c < r->figures_size() && c < s.figures_size(); ++c) {
      take(s.figures(c), r->mutable_figures(c));
    }
    take(s.total(), r->mutable_total());
  }
  for (int c = 0; c < recomputed->column_totals_size() && c < served.column_totals_size(); ++c) {
    take(served.column_totals(c), recomputed->mutable_column_totals(c));
  }
  take(served.grand_total(), recomputed->mutable_grand_total());
  recomputed->set_published(served.published());
  recomputed->set_min_count(served.min_count());
  recomputed->set_protection(served.protection());
  if (served.published()) {
    for (const std::string& note : served.notes()) {
      if (absl::StartsWith(note, "disclosure control: ")) {
        recomputed->add_notes(note);  // the pattern's count, as served
      }
    }
  }
  return taken;
}

// The figure of column `c`, or none if the row has fewer figures.
Figure FigureAt(const v1::ConsolidatedResponse::Row& row, int c) {
  return c < row.figures_size() ? row.figures(c) : Figure();
}

template <typename List>
std::string Joined(const List& list) {
  return list.empty() ? "none" : absl::StrJoin(list, " ");
}

}  // namespace

absl::Status CheckTableAnswers(const v1::ConsolidatedRequest& request,
                               const v1::ConsolidatedResponse& served) {
  const auto or_total = [](const std::string& code) { return code.empty() ? "_T" : code; };
  const std::pair<const char*, std::pair<std::string, std::string>> fields[] = {
      {"TIME_PERIOD", {served.period(), request.period()}},
      {"STAY_CAT", {served.stay_cat(), or_total(request.stay_cat())}},
      {"SEX", {served.sex(), or_total(request.sex())}},
      {"AGE", {served.age(), or_total(request.age())}},
      {"period_to", {served.period_to(), request.period_to()}},
      {"columns by",
       {served.by().empty() ? "CITIZEN" : served.by(),
        request.by().empty() ? "CITIZEN" : request.by()}},
      {"CITIZEN", {or_total(served.citizen()), or_total(request.citizen())}},
  };
  for (const auto& [name, values] : fields) {
    if (values.first != values.second) {
      return absl::InvalidArgumentError(absl::StrCat("the table is not the one asked for: ", name,
                                                     " ", values.first, ", asked ", values.second));
    }
  }
  for (const auto& named : request.at_sizes()) {
    const std::string& origin = named.first;  // a lambda may not capture a structured binding
    const uint64_t size = named.second;
    auto it = std::find_if(served.checkpoints().begin(), served.checkpoints().end(),
                           [&](const v1::OriginStatus& s) { return s.origin() == origin; });
    if (it == served.checkpoints().end() || it->log_size() != size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the table is not the one asked for: ", origin, " at log size ",
          it == served.checkpoints().end() ? std::string("none") : absl::StrCat(it->log_size()),
          ", asked ", size));
    }
  }
  return absl::OkStatus();
}

absl::Status CompareConsolidated(const v1::ConsolidatedResponse& as_served,
                                 const v1::ConsolidatedResponse& recomputed) {
  // What the node says of its own freshness (kBehindNote notes, OriginStatus seen and behind) is
  // not derived from the signed returns: it is left out of the comparison.
  v1::ConsolidatedResponse served = as_served;
  served.clear_computed_at();
  for (v1::OriginStatus& status : *served.mutable_checkpoints()) {
    status.clear_seen();
    status.clear_behind();
  }
  auto* notes = served.mutable_notes();
  notes->erase(
      std::remove_if(notes->begin(), notes->end(),
                     [](const std::string& n) { return absl::StartsWith(n, kBehindNote); }),
      notes->end());
  const auto category = [](const v1::ConsolidatedResponse& t) {
    return absl::StrCat("TIME_PERIOD=", t.period(), " STAY_CAT=", t.stay_cat(), " SEX=", t.sex(),
                        " AGE=", t.age(), " by ", t.by().empty() ? "CITIZEN" : t.by(),
                        t.citizen().empty() ? "" : " CITIZEN=", t.citizen());
  };
  if (category(served) != category(recomputed)) {
    return Differs("category", category(served), category(recomputed));
  }
  // Checkpoints: the recomputed table is computed at the served ones, so only a note can differ.
  std::map<std::string, uint64_t> sizes;
  for (int i = 0; i < served.checkpoints_size() && i < recomputed.checkpoints_size(); ++i) {
    const v1::OriginStatus& s = served.checkpoints(i);
    const v1::OriginStatus& r = recomputed.checkpoints(i);
    const std::string what =
        absl::StrCat("checkpoint of ", r.origin(), " at log size ", r.log_size(), " (its root)");
    if (s.origin() != r.origin() || s.log_size() != r.log_size()) {
      return Differs("checkpoints", absl::StrCat(s.origin(), " at log size ", s.log_size()),
                     absl::StrCat(r.origin(), " at log size ", r.log_size()));
    }
    if (s.checkpoint_note() != r.checkpoint_note()) {
      return Differs(what, CheckpointRootText(s.checkpoint_note()),
                     CheckpointRootText(r.checkpoint_note()));
    }
    sizes[r.origin()] = r.log_size();
  }
  if (Joined(served.citizens()) != Joined(recomputed.citizens())) {
    return Differs(
        absl::StrCat("columns (", recomputed.by().empty() ? "CITIZEN" : recomputed.by(), ")"),
        Joined(served.citizens()), Joined(recomputed.citizens()));
  }
  const auto areas = [](const v1::ConsolidatedResponse& t) {
    std::vector<std::string> out;
    for (const v1::ConsolidatedResponse::Row& r : t.rows()) {
      out.push_back(r.ref_area());
    }
    return Joined(out);
  };
  if (areas(served) != areas(recomputed)) {
    return Differs("rows (REF_AREA)", areas(served), areas(recomputed));
  }
  for (int i = 0; i < recomputed.rows_size(); ++i) {
    const v1::ConsolidatedResponse::Row& s = served.rows(i);
    const v1::ConsolidatedResponse::Row& r = recomputed.rows(i);
    const std::string at = absl::StrCat(" (", r.ref_area(), " log size ", sizes[r.ref_area()], ")");
    if (Provenance(s) != Provenance(r)) {
      return Differs(absl::StrCat(r.ref_area(), " provenance"), Provenance(s),
                     absl::StrCat(Provenance(r), at));
    }
    for (int c = 0; c < recomputed.citizens_size(); ++c) {
      if (!SameFigure(FigureAt(s, c), FigureAt(r, c))) {
        return FigureDiffers(absl::StrCat(r.ref_area(), " × ", recomputed.citizens(c)),
                             FigureAt(s, c), FigureAt(r, c), at);
      }
    }
    if (!SameFigure(s.total(), r.total())) {
      return FigureDiffers(absl::StrCat(r.ref_area(), " × _T"), s.total(), r.total(), at);
    }
  }
  for (int c = 0; c < recomputed.citizens_size(); ++c) {
    const Figure s = c < served.column_totals_size() ? served.column_totals(c) : Figure();
    if (!SameFigure(s, recomputed.column_totals(c))) {
      return FigureDiffers(absl::StrCat("_T × ", recomputed.citizens(c)), s,
                           recomputed.column_totals(c), "");
    }
  }
  if (!SameFigure(served.grand_total(), recomputed.grand_total())) {
    return FigureDiffers("_T × _T", served.grand_total(), recomputed.grand_total(), "");
  }
  for (int i = 0; i < served.notes_size() || i < recomputed.notes_size(); ++i) {
    const auto note = [i](const v1::ConsolidatedResponse& t) {
      return i < t.notes_size() ? absl::StrCat("\"", t.notes(i), "\"") : std::string("nothing");
    };
    if (note(served) != note(recomputed)) {
      return Differs(absl::StrCat("note ", i + 1), note(served), note(recomputed));
    }
  }
  // Whatever the walk above does not name (a figure beyond the columns, a field added later).
  std::string report;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  if (!differencer.Compare(served, recomputed)) {
    return absl::InvalidArgumentError(absl::StrCat(kDiffers, report));
  }
  return absl::OkStatus();
}

namespace {

// Verifies one table (not a series) as VerifyConsolidatedTable does; `periods`, if non-null, gets
// every period of the verified logs, and then the signed data is only verified, not compared
// with the table's figures.
absl::StatusOr<TableVerification> VerifyOneTable(const v1::ConsolidatedResponse& served,
                                                 const Directory& directory,
                                                 absl::Span<const TableSource> sources,
                                                 std::set<std::string>* periods) {
  v1::ConsolidatedRequest request;
  request.set_period(served.period());
  request.set_stay_cat(served.stay_cat());
  request.set_sex(served.sex());
  request.set_age(served.age());
  request.set_by(served.by());
  request.set_citizen(served.citizen());
  absl::StatusOr<TableCategory> category = TableCategoryOf(request);
  if (!category.ok()) {
    return Malformed(category.status().message());
  }
  TableVerification out;
  std::vector<TableOrigin> rows;
  for (const v1::OriginStatus& point : served.checkpoints()) {
    if (!rows.empty() && point.origin() <= rows.back().origin) {
      return Malformed(absl::StrCat("its checkpoints are not in order of origin, each once (",
                                    point.origin(), " after ", rows.back().origin, ")"));
    }
    if (directory.LogKeys(point.origin()).empty()) {
      return Malformed(absl::StrCat("it names ", point.origin(),
                                    ", for which the trust bundle lists no log key"));
    }
    OTS_ASSIGN_OR_RETURN(TableVerification::Origin origin,
                         VerifyOrigin(directory, *category, point, sources));
    rows.push_back(origin.checked.row);
    if (periods != nullptr) {
      periods->insert(origin.checked.periods.begin(), origin.checked.periods.end());
    }
    out.origins.push_back(std::move(origin));
  }
  if (periods != nullptr) {
    return out;
  }
  OTS_ASSIGN_OR_RETURN(v1::ConsolidatedResponse recomputed, BuildConsolidated(*category, rows));
  uint64_t withheld = 0;
  for (const TableVerification::Origin& o : out.origins) {
    withheld += o.checked.withheld;
  }
  // Sealed cells this verifier may not open, or a table not published yet withholding figures
  // (its node lacked openings this verifier got): what depends on them is taken as served.
  v1::ConsolidatedResponse as_served = recomputed;
  const Taken taken = TakeWithheld(served, &as_served);
  if (withheld > 0 || taken.hidden > 0) {
    out.withheld_cells = withheld;
    out.served_withheld = taken.hidden;
    out.unchecked = taken.unchecked;
    recomputed = std::move(as_served);
    OTS_RETURN_IF_ERROR(CompareConsolidated(served, recomputed));
    return out;
  }
  if (served.published()) {
    // Disclosure control is recomputed with the policy the table states (the caller checks that
    // policy against the bundle's: a release against its MANIFEST, a live table against now).
    DisclosurePolicy policy;
    policy.min_count = served.min_count();
    policy.protection = std::max<uint64_t>(served.protection(), 1);
    OTS_RETURN_IF_ERROR(Publish(policy, &recomputed));
  }
  OTS_RETURN_IF_ERROR(CompareConsolidated(served, recomputed));
  return out;
}

}  // namespace

absl::StatusOr<TableVerification> VerifyConsolidatedTable(const v1::ConsolidatedResponse& served,
                                                          const Directory& directory,
                                                          absl::Span<const TableSource> sources) {
  if (served.period_to().empty() && served.series_size() == 0) {
    return VerifyOneTable(served, directory, sources, nullptr);
  }
  // A series: the logs at its checkpoints give the periods it must hold, and each period's
  // table is verified as one table at those checkpoints. Nothing else may be at the top: no
  // figures, and no notes but the node's word on its freshness.
  if (served.rows_size() > 0 || served.citizens_size() > 0 || served.column_totals_size() > 0 ||
      served.has_grand_total()) {
    return Malformed("a series holds figures outside its tables of one period");
  }
  for (const std::string& note : served.notes()) {
    if (!absl::StartsWith(note, kBehindNote)) {
      return Differs("note of the series", absl::StrCat("\"", note, "\""), "nothing");
    }
  }
  if (!IsTimePeriod(served.period_to()) || !SameFrequency(served.period(), served.period_to())) {
    return Malformed(absl::StrCat("its range ", served.period(), " to ", served.period_to(),
                                  " is not two periods of one frequency"));
  }
  // The logs at the series' checkpoints, for the periods they hold.
  v1::ConsolidatedResponse logs_only = served;
  logs_only.clear_series();
  logs_only.clear_period_to();
  std::set<std::string> in_logs;
  OTS_ASSIGN_OR_RETURN(TableVerification out,
                       VerifyOneTable(logs_only, directory, sources, &in_logs));
  std::vector<std::string> expected, got;
  for (const std::string& p : in_logs) {
    if (SameFrequency(p, served.period()) && p >= served.period() && p <= served.period_to()) {
      expected.push_back(p);
    }
  }
  for (const v1::ConsolidatedResponse& table : served.series()) {
    got.push_back(table.period());
  }
  if (got != expected) {
    return Differs("periods of the series", Joined(got), Joined(expected));
  }
  for (const v1::ConsolidatedResponse& table : served.series()) {
    if (table.checkpoints_size() > 0 || table.series_size() > 0 ||
        table.stay_cat() != served.stay_cat() || table.sex() != served.sex() ||
        table.age() != served.age() || table.by() != served.by() ||
        table.citizen() != served.citizen()) {
      return Malformed(absl::StrCat("its table of ", table.period(),
                                    " is not of the series' category, or names checkpoints"));
    }
    v1::ConsolidatedResponse one = table;
    *one.mutable_checkpoints() = served.checkpoints();
    one.set_published(served.published());
    one.set_min_count(served.min_count());
    one.set_protection(served.protection());
    OTS_ASSIGN_OR_RETURN(TableVerification verified,
                         VerifyOneTable(one, directory, sources, nullptr));
    for (TableVerification::Origin& o : verified.origins) {
      out.origins.push_back(std::move(o));
    }
    out.unchecked += verified.unchecked;
    out.withheld_cells += verified.withheld_cells;
    out.served_withheld += verified.served_withheld;
  }
  return out;
}

}  // namespace ots
