// The consolidated table (node/consolidate.h) on a real RocksDB holding the logs of several
// states, as a Secretariat's folder does: figures, reported and derived totals, revisions and
// the log sizes a table is computed at, visibility, errors and overflow (its rendering:
// tests/node/cli/render_test.cc).
#include "node/query/consolidate.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "node/log/names.h"
#include "node/log/publisher.h"
#include "node/model/envelope.h"
#include "node/model/return_csv.h"
#include "node/model/return_header.h"
#include "tests/fakes/copy_log.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

constexpr char kHeader[] =
    "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
    "STOCK_FLOW\n";

// The table over the logs of `store`.
absl::StatusOr<v1::ConsolidatedResponse> ConsolidateIn(
    Store& store, const v1::ConsolidatedRequest& request,
    const std::function<bool(absl::string_view)>& may_see) {
  OriginLogs logs(&store, kTestFederation);
  return Consolidate(logs, request, may_see);
}

// One state's node: its own store, key and publisher.
struct State {
  std::string code;
  PrivateKey key = *PrivateKey::Generate();
  std::unique_ptr<Store> store;
  std::unique_ptr<OriginLogs> logs;
  std::unique_ptr<Publisher> publisher;

  State(const TempDir& tmp, const FakeClock& clock, std::string cc) : code(std::move(cc)) {
    store = OpenStore(tmp, code);
    logs = std::make_unique<OriginLogs>(store.get(), kTestFederation);
    publisher = std::make_unique<Publisher>(logs.get(), &key, &clock);
  }
  void Publish(const std::string& rows) {
    std::vector<std::string> problems;
    absl::StatusOr<ParsedReturn> r =
        ParseReturnCsv("r.csv", absl::StrCat(kHeader, rows), code, &problems);
    INFO(absl::StrJoin(problems, "\n"));
    REQUIRE(r.ok());
    REQUIRE(publisher->Publish(*r).ok());
  }
};

// AZ: 2020 revision 1 (log size 1), 2019 (size 2), 2020 revision 2 (size 3).
// KZ: 2020 without a CITIZEN=_T cell. KG: 2019 only. TR: 2020, but TR shares with nobody.
// Every log is copied, checkpoint by checkpoint, into the Secretariat's store.
struct Fixture {
  TempDir tmp;
  FakeClock clock;
  State az{tmp, clock, "AZ"}, kz{tmp, clock, "KZ"}, kg{tmp, clock, "KG"}, tr{tmp, clock, "TR"};
  std::unique_ptr<Store> sec = OpenStore(tmp, "secretariat");

  Fixture() {
    az.Publish(
        "AZ,2020,UZ,_T,_T,_T,100,A,F,STK\nAZ,2020,UZ,_T,F,_T,60,A,F,STK\n"
        "AZ,2020,UZ,_T,M,_T,40,A,F,STK\nAZ,2020,KG,_T,_T,_T,20,A,F,STK\n"
        "AZ,2020,_T,_T,_T,_T,150,A,F,STK\nAZ,2020,UZ,WORK_PERM,_T,_T,30,A,F,STK\n");
    az.Publish("AZ,2019,UZ,_T,_T,_T,90,A,F,STK\nAZ,2019,_T,_T,_T,_T,95,A,F,STK\n");
    az.Publish(
        "AZ,2020,UZ,_T,_T,_T,110,A,F,STK\nAZ,2020,KG,_T,_T,_T,20,A,F,STK\n"
        "AZ,2020,TR,_T,_T,_T,5,A,F,STK\nAZ,2020,_T,_T,_T,_T,160,A,F,STK\n"
        "AZ,2020,UZ,LEGALISED,_T,_T,10,A,F,FLW\n");
    kz.Publish(
        "KZ,2020,UZ,_T,_T,_T,500,A,F,STK\nKZ,2020,UZ,_T,F,_T,300,A,F,STK\n"
        "KZ,2020,STLS,_T,_T,_T,7,E,F,STK\nKZ,2020,UZ,LEGALISED,_T,_T,4,A,F,STK\n"
        "KZ,2020,KG,LEGALISED,_T,_T,3,A,F,FLW\n");
    kg.Publish("KG,2019,KZ,_T,_T,_T,12,A,F,STK\n");
    tr.Publish("TR,2020,UZ,_T,_T,_T,999999,A,F,STK\nTR,2020,AZ,_T,_T,_T,888,A,F,STK\n");
    for (State* s : {&az, &kz, &kg, &tr}) {
      REQUIRE(CopyLog(*s->store, *sec, s->code).ok());
    }
  }

  absl::StatusOr<v1::ConsolidatedResponse> Table(v1::ConsolidatedRequest request) {
    return ConsolidateIn(*sec, request, [](absl::string_view origin) { return origin != "TR"; });
  }
};

v1::ConsolidatedRequest Request(const std::string& period) {
  v1::ConsolidatedRequest r;
  r.set_period(period);
  return r;
}

// A figure as "110", "507*" (derived) or "-" (absent), for compact checks.
std::string Text(const v1::ConsolidatedResponse::Figure& f) {
  return f.has_value() ? absl::StrCat(f.value(), f.derived() ? "*" : "") : "-";
}

std::vector<std::string> RowText(const v1::ConsolidatedResponse::Row& r) {
  std::vector<std::string> out = {r.ref_area()};
  for (const auto& f : r.figures()) {
    out.push_back(Text(f));
  }
  out.push_back(Text(r.total()));
  return out;
}

std::vector<std::string> TotalsText(const v1::ConsolidatedResponse& t) {
  std::vector<std::string> out;
  for (const auto& f : t.column_totals()) {
    out.push_back(Text(f));
  }
  out.push_back(Text(t.grand_total()));
  return out;
}

bool HasNote(const v1::ConsolidatedResponse& t, const std::string& text) {
  for (const std::string& n : t.notes()) {
    if (absl::StrContains(n, text)) {
      return true;
    }
  }
  return false;
}

// Each considered origin's log size, as the table's checkpoints give them (its at_sizes).
std::map<std::string, uint64_t> AtSizes(const v1::ConsolidatedResponse& t) {
  std::map<std::string, uint64_t> out;
  for (const v1::OriginStatus& s : t.checkpoints()) {
    out[s.origin()] = s.log_size();
  }
  return out;
}

std::string StoredNote(Store& store, const std::string& origin, uint64_t size) {
  std::string note;
  REQUIRE(store
              .ForEachCheckpoint(origin, 0,
                                 [&](uint64_t s, const v1::StoredCheckpoint& cp) {
                                   if (s == size) {
                                     note = cp.note();
                                   }
                                   return absl::OkStatus();
                                 })
              .ok());
  REQUIRE_FALSE(note.empty());
  return note;
}

TEST_CASE("consolidated table of the latest returns: figures and totals", "[consolidate]") {
  Fixture f;
  absl::StatusOr<v1::ConsolidatedResponse> t = f.Table(Request("2020"));
  REQUIRE(t.ok());
  CHECK(t->period() == "2020");
  CHECK(t->stay_cat() == "_T");
  CHECK(t->sex() == "_T");
  CHECK(t->age() == "_T");
  // TR's columns and row are absent (TR is not visible); KG has no return for 2020.
  CHECK(std::vector<std::string>(t->citizens().begin(), t->citizens().end()) ==
        std::vector<std::string>{"KG", "STLS", "TR", "UZ"});
  REQUIRE(t->rows_size() == 2);
  // AZ: revision 2 (110, not revision 1's 100), its reported total 160 (not 110 + 20 + 5, and
  // the SEX and STAY_CAT breakdowns are not added in).
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "20", "-", "5", "110", "160"});
  // KZ reports no CITIZEN=_T: its total is derived, 500 + 7.
  CHECK(RowText(t->rows(1)) == std::vector<std::string>{"KZ", "-", "7", "-", "500", "507*"});
  // Column totals over the rows that report the column; the grand total over the row totals.
  CHECK(TotalsText(*t) == std::vector<std::string>{"20*", "7*", "5*", "610*", "667*"});
  CHECK(HasNote(*t, "KG: no return for 2020"));
  CHECK_FALSE(HasNote(*t, "TR"));
  CHECK(t->notes_size() == 1);

  // Computed at every considered origin's latest checkpoint, with its stored note.
  REQUIRE(t->checkpoints_size() == 3);
  CHECK(t->checkpoints(0).origin() == "AZ");
  CHECK(t->checkpoints(0).log_size() == 3);
  CHECK(t->checkpoints(0).checkpoint_note() == StoredNote(*f.sec, "AZ", 3));
  CHECK(t->checkpoints(1).origin() == "KG");
  CHECK(t->checkpoints(1).log_size() == 1);
  CHECK(t->checkpoints(2).origin() == "KZ");
  CHECK(t->checkpoints(2).checkpoint_note() == StoredNote(*f.sec, "KZ", 1));
  CHECK(AtSizes(*t) == std::map<std::string, uint64_t>{{"AZ", 3}, {"KG", 1}, {"KZ", 1}});

  // Everything visible: TR gets its row and its columns.
  t = ConsolidateIn(*f.sec, Request("2020"), [](absl::string_view) { return true; });
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 3);
  CHECK(RowText(t->rows(2)) ==
        std::vector<std::string>{"TR", "888", "-", "-", "-", "999999", "1000887*"});
}

TEST_CASE("every figure carries its provenance", "[consolidate]") {
  Fixture f;
  absl::StatusOr<v1::ConsolidatedResponse> t = f.Table(Request("2020"));
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 2);
  // AZ's 2020 in force is revision 2, the third entry of its log.
  CHECK(t->rows(0).revision() == 2);
  CHECK(t->rows(0).log_index() == 2);
  CHECK_FALSE(t->rows(0).submitted_at().empty());
  CHECK(t->rows(1).revision() == 1);
  CHECK(t->rows(1).log_index() == 0);
  // KZ's STLS figure is estimated; its derived total has no status of its own.
  CHECK(t->rows(1).figures(1).obs_status() == "E");
  CHECK(t->rows(1).figures(1).conf_status() == "F");
  CHECK(t->rows(1).figures(1).stock_flow() == "STK");
  CHECK(t->rows(1).total().obs_status().empty());
  CHECK(t->rows(1).total().stock_flow() == "STK");
}

TEST_CASE("columns by SEX, STAY_CAT or AGE, for one citizenship", "[consolidate]") {
  Fixture f;
  v1::ConsolidatedRequest r = Request("2020");
  r.set_by("SEX");
  r.set_citizen("UZ");
  absl::StatusOr<v1::ConsolidatedResponse> t = f.Table(r);
  REQUIRE(t.ok());
  CHECK(t->by() == "SEX");
  CHECK(t->citizen() == "UZ");
  CHECK(std::vector<std::string>(t->citizens().begin(), t->citizens().end()) ==
        std::vector<std::string>{"F"});
  REQUIRE(t->rows_size() == 2);
  // AZ revision 2 has no SEX breakdown of UZ: only its UZ total; KZ has F and a total.
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "-", "110"});
  CHECK(RowText(t->rows(1)) == std::vector<std::string>{"KZ", "300", "500"});

  // Categories of stay overlap: a row without its _T cell gets no derived total.
  r = Request("2020");
  r.set_by("STAY_CAT");
  r.set_citizen("KG");
  t = f.Table(r);
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 2);
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "-", "20"});
  CHECK(RowText(t->rows(1)) == std::vector<std::string>{"KZ", "3", "-"});
  CHECK(HasNote(*t, "KZ: no total: it reports no STAY_CAT=_T cell and its figures overlap"));

  // The dimension of the columns cannot be fixed too, nor be one that is not a dimension.
  r = Request("2020");
  r.set_by("SEX");
  r.set_sex("F");
  CHECK(absl::StrContains(f.Table(r).status().message(), "the columns are by SEX"));
  r = Request("2020");
  r.set_by("OBS_STATUS");
  CHECK(absl::StrContains(f.Table(r).status().message(), "is not a dimension of columns"));
}

TEST_CASE("a time series: one table per period some origin reports", "[consolidate]") {
  Fixture f;
  v1::ConsolidatedRequest r = Request("2018");
  r.set_period_to("2021");
  absl::StatusOr<v1::ConsolidatedResponse> t = f.Table(r);
  REQUIRE(t.ok());
  CHECK(t->period_to() == "2021");
  REQUIRE(t->series_size() == 2);
  CHECK(t->series(0).period() == "2019");
  CHECK(t->series(1).period() == "2020");
  CHECK(t->series(1).checkpoints_size() == 0);
  CHECK(AtSizes(*t) == std::map<std::string, uint64_t>{{"AZ", 3}, {"KG", 1}, {"KZ", 1}});
  // Each period's table is the single-period table at the same checkpoints.
  for (const v1::ConsolidatedResponse& one : t->series()) {
    absl::StatusOr<v1::ConsolidatedResponse> single = f.Table(Request(one.period()));
    REQUIRE(single.ok());
    single->clear_checkpoints();
    CHECK(single->SerializeAsString() == one.SerializeAsString());
  }
  // At AZ's first log size, 2019 is not there yet and AZ's 2020 is revision 1.
  (*r.mutable_at_sizes())["AZ"] = 1;
  t = f.Table(r);
  REQUIRE(t.ok());
  REQUIRE(t->series_size() == 2);
  CHECK(t->series(1).rows(0).revision() == 1);
  // Quarters do not mix with years, and a range runs forwards.
  r = Request("2020");
  r.set_period_to("2020-Q4");
  CHECK(absl::StrContains(f.Table(r).status().message(), "not of the same frequency"));
  r = Request("2021");
  r.set_period_to("2019");
  CHECK(absl::StrContains(f.Table(r).status().message(), "comes before"));
}

TEST_CASE("at_sizes recomputes the table as it was at those log sizes", "[consolidate]") {
  Fixture f;
  v1::ConsolidatedRequest request = Request("2020");
  (*request.mutable_at_sizes())["AZ"] = 1;
  absl::StatusOr<v1::ConsolidatedResponse> t = f.Table(request);
  REQUIRE(t.ok());
  // AZ at size 1: revision 1's figures and total; no TR column any more.
  CHECK(std::vector<std::string>(t->citizens().begin(), t->citizens().end()) ==
        std::vector<std::string>{"KG", "STLS", "UZ"});
  REQUIRE(t->rows_size() == 2);
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "20", "-", "100", "150"});
  CHECK(TotalsText(*t) == std::vector<std::string>{"20*", "7*", "600*", "657*"});
  CHECK(t->checkpoints(0).log_size() == 1);
  CHECK(t->checkpoints(0).checkpoint_note() == StoredNote(*f.sec, "AZ", 1));
  CHECK(AtSizes(*t) == std::map<std::string, uint64_t>{{"AZ", 1}, {"KG", 1}, {"KZ", 1}});

  // Size 2 adds AZ's 2019 return only: 2020 is still revision 1.
  (*request.mutable_at_sizes())["AZ"] = 2;
  t = f.Table(request);
  REQUIRE(t.ok());
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "20", "-", "100", "150"});

  // The table's own --at recomputes it exactly, whatever happens later.
  absl::StatusOr<v1::ConsolidatedResponse> latest = f.Table(Request("2020"));
  REQUIRE(latest.ok());
  f.az.Publish("AZ,2020,UZ,_T,_T,_T,1,A,F,STK\n");
  f.kg.Publish("KG,2020,UZ,_T,_T,_T,2,A,F,STK\n");
  REQUIRE(CopyLog(*f.az.store, *f.sec, "AZ").ok());
  REQUIRE(CopyLog(*f.kg.store, *f.sec, "KG").ok());
  v1::ConsolidatedRequest again = Request("2020");
  const std::map<std::string, uint64_t> at = AtSizes(*latest);
  again.mutable_at_sizes()->insert(at.begin(), at.end());
  t = f.Table(again);
  REQUIRE(t.ok());
  CHECK(t->SerializeAsString() == latest->SerializeAsString());
  // Without --at the new returns show: AZ revision 3 and a KG row.
  t = f.Table(Request("2020"));
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 3);
  CHECK(RowText(t->rows(0))[0] == "AZ");
  CHECK(Text(t->rows(0).total()) == "1*");
  CHECK(t->rows(1).ref_area() == "KG");
}

TEST_CASE("a category selects its cells only, and stocks and flows are never added",
          "[consolidate]") {
  Fixture f;
  v1::ConsolidatedRequest request = Request("2020");
  request.set_stay_cat("WORK_PERM");
  absl::StatusOr<v1::ConsolidatedResponse> t = f.Table(request);
  REQUIRE(t.ok());
  // AZ's WORK_PERM cell belongs to revision 1, which revision 2 replaced as a whole.
  CHECK(t->rows_size() == 0);
  CHECK_FALSE(t->grand_total().has_value());
  CHECK(HasNote(*t, "AZ: its return for 2020 (revision 2) has no cell for STAY_CAT=WORK_PERM"));
  (*request.mutable_at_sizes())["AZ"] = 1;
  t = f.Table(request);
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 1);
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "30", "30*"});

  request = Request("2020");
  request.set_sex("F");
  t = f.Table(request);
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 1);  // AZ revision 2 has no SEX=F cell
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"KZ", "300", "300*"});

  // LEGALISED: AZ reports UZ as a flow, KZ reports UZ as a stock and KG as a flow.
  request = Request("2020");
  request.set_stay_cat("LEGALISED");
  t = f.Table(request);
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 2);
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "-", "10", "10*"});
  CHECK(RowText(t->rows(1)) == std::vector<std::string>{"KZ", "3", "4", "-"});
  CHECK(TotalsText(*t) == std::vector<std::string>{"3*", "-", "-"});
  CHECK(HasNote(*t, "AZ: UZ is a flow (STOCK_FLOW=FLW)"));
  CHECK(HasNote(*t, "KZ: KG is a flow"));
  CHECK(HasNote(*t, "KZ: no total"));
  CHECK(HasNote(*t, "CITIZEN=UZ: no total"));
  CHECK(HasNote(*t, "no grand total"));
}

TEST_CASE("AGE matches a cell written with another code for the same ages", "[consolidate]") {
  TempDir tmp;
  FakeClock clock;
  State az(tmp, clock, "AZ");
  az.Publish("AZ,2020,UZ,_T,_T,Y_LT1,4,A,F,STK\nAZ,2020,UZ,_T,_T,_T,9,A,F,STK\n");
  v1::ConsolidatedRequest request = Request("2020");
  request.set_age("Y0");
  absl::StatusOr<v1::ConsolidatedResponse> t =
      ConsolidateIn(*az.store, request, [](absl::string_view) { return true; });
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 1);
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "4", "4*"});
}

TEST_CASE("bad requests and log sizes are refused", "[consolidate]") {
  Fixture f;
  auto refused = [&](const v1::ConsolidatedRequest& r, const std::string& text) {
    absl::StatusOr<v1::ConsolidatedResponse> t = f.Table(r);
    REQUIRE_FALSE(t.ok());
    INFO(t.status().message());
    CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(t.status().message(), text));
  };
  refused(Request(""), "needs a period");
  refused(Request("2020-13"), "period \"2020-13\"");
  v1::ConsolidatedRequest r = Request("2020");
  r.set_stay_cat("TOURISM");
  refused(r, "STAY_CAT \"TOURISM\"");
  r = Request("2020");
  r.set_sex("X");
  refused(r, "SEX \"X\"");
  r = Request("2020");
  r.set_age("Y5T2");
  refused(r, "AGE \"Y5T2\"");

  auto at = [](const std::string& origin, uint64_t size) {
    v1::ConsolidatedRequest r = Request("2020");
    (*r.mutable_at_sizes())[origin] = size;
    return r;
  };
  refused(at("AZ", 0), "AZ=0");
  refused(at("AZ", 4), "AZ=4 is beyond the end of its log (3 entries here)");
  refused(at("XX", 1), "\"XX\" is not a federation state");
  refused(at("UZ", 1), "no log of UZ here");
  refused(at("TR", 1), "no log of TR here");  // held, but not visible: the same answer

  // A folder that received AZ's log in one batch holds its checkpoint of size 3 only.
  std::unique_ptr<Store> other = OpenStore(f.tmp, "other");
  REQUIRE(CopyLog(*f.az.store, *other, "AZ", /*every_checkpoint=*/false).ok());
  v1::ConsolidatedRequest r1 = at("AZ", 1);
  absl::StatusOr<v1::ConsolidatedResponse> t =
      ConsolidateIn(*other, r1, [](absl::string_view) { return true; });
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(t.status().message(), "no checkpoint of AZ at size 1"));
  t = ConsolidateIn(*other, at("AZ", 3), [](absl::string_view) { return true; });
  REQUIRE(t.ok());
  CHECK(RowText(t->rows(0)) == std::vector<std::string>{"AZ", "20", "5", "110", "160"});
}

// Appends to `store` a return of `origin` for 2020 made of `lines` as they are, unvalidated,
// with a header whose cells root is `root` (default: the true one) and a signed checkpoint (over
// another log if `forge_checkpoint`): the state of a folder no import would have left.
void AppendRaw(Store& store, const PrivateKey& key, const std::string& origin,
               const std::vector<std::string>& lines, const std::string& root = "",
               bool forge_checkpoint = false) {
  CellLines cells;
  for (const std::string& l : lines) {
    cells.Add(l);
  }
  cells.Sort();
  v1::ReturnHeader h;
  h.set_origin(origin);
  h.set_period("2020");
  h.set_revision(1);
  h.set_cell_count(cells.size());
  h.set_cells_root(root.empty() ? HashBytes(CellsRoot(cells)) : root);
  h.set_created_at("2026-09-21T00:00:00Z");
  h.set_key_id(key.public_key().KeyId());
  const std::string payload = FormatReturnHeader(h);
  Store::Append a;
  a.origin = origin;
  a.entry.mutable_header()->set_payload(payload);
  a.entry.mutable_header()->set_payload_type(std::string(kReturnHeaderPayloadType));
  a.period = "2020";
  a.revision = 1;
  a.cells = cells;
  Checkpoint cp;
  cp.origin = LogName(kTestFederation, origin);
  cp.size = 1;
  cp.root = MerkleRoot(std::vector<Hash>{MerkleLeafHash(forge_checkpoint ? "forged" : payload)});
  Note note;
  note.text = FormatCheckpoint(cp);
  REQUIRE(SignNote(&note, LogName(kTestFederation, origin), key).ok());
  a.checkpoint.set_note(FormatNote(note));
  REQUIRE(store.AppendReturn(a).ok());
}

TEST_CASE("sums that do not fit in 64 bits are refused, never wrapped", "[consolidate]") {
  TempDir tmp;
  PrivateKey key = *PrivateKey::Generate();
  auto all = [](absl::string_view) { return true; };
  {
    // A row total: 2^64-1 + 1.
    std::unique_ptr<Store> store = OpenStore(tmp, "row");
    AppendRaw(
        *store, key, "AZ",
        {"AZ,2020,UZ,_T,_T,_T,18446744073709551615,A,F,STK", "AZ,2020,KG,_T,_T,_T,1,A,F,STK"});
    absl::StatusOr<v1::ConsolidatedResponse> t = ConsolidateIn(*store, Request("2020"), all);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == absl::StatusCode::kOutOfRange);
    CHECK(absl::StrContains(t.status().message(), "total of AZ exceeds 2^64-1"));
  }
  {
    // A column total and the grand total: 2^63 + 2^63, each row's own total being reported.
    std::unique_ptr<Store> store = OpenStore(tmp, "column");
    for (const char* cc : {"AZ", "KZ"}) {
      AppendRaw(*store, key, cc,
                {absl::StrCat(cc, ",2020,UZ,_T,_T,_T,9223372036854775808,A,F,STK"),
                 absl::StrCat(cc, ",2020,_T,_T,_T,_T,9223372036854775808,A,F,STK")});
    }
    absl::StatusOr<v1::ConsolidatedResponse> t = ConsolidateIn(*store, Request("2020"), all);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == absl::StatusCode::kOutOfRange);
    CHECK(absl::StrContains(t.status().message(), "total of CITIZEN=UZ exceeds 2^64-1"));
    // Just below the limit everything adds up.
    std::unique_ptr<Store> fits = OpenStore(tmp, "fits");
    AppendRaw(*fits, key, "AZ", {"AZ,2020,UZ,_T,_T,_T,9223372036854775808,A,F,STK"});
    AppendRaw(*fits, key, "KZ", {"KZ,2020,UZ,_T,_T,_T,9223372036854775807,A,F,STK"});
    t = ConsolidateIn(*fits, Request("2020"), all);
    REQUIRE(t.ok());
    CHECK(t->grand_total().value() == UINT64_MAX);
  }
}

TEST_CASE("stored cells or logs that do not match their header or checkpoint are refused",
          "[consolidate]") {
  TempDir tmp;
  PrivateKey key = *PrivateKey::Generate();
  std::unique_ptr<Store> store = OpenStore(tmp, "data");
  AppendRaw(*store, key, "AZ", {"AZ,2020,UZ,_T,_T,_T,5,A,F,STK"}, std::string(32, 'x'));
  absl::StatusOr<v1::ConsolidatedResponse> t =
      ConsolidateIn(*store, Request("2020"), [](absl::string_view) { return true; });
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(t.status().message(), "do not hash to the cells root"));

  std::unique_ptr<Store> forged = OpenStore(tmp, "forged");
  AppendRaw(*forged, key, "AZ", {"AZ,2020,UZ,_T,_T,_T,5,A,F,STK"}, "", /*forge_checkpoint=*/true);
  t = ConsolidateIn(*forged, Request("2020"), [](absl::string_view) { return true; });
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(t.status().message(),
                          "log entries 0..0 of AZ do not hash to the root of its checkpoint"));
}

}  // namespace
}  // namespace ots
