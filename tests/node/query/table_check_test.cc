// Verifying a consolidated table (node/query/table_check.h, signed_return.h): a Secretariat's
// store holding the logs of AZ, KZ and KG serves a table and the signed data behind it; the
// verifier recomputes the table from that data, checked against the trust bundle alone. Each
// altered figure, total, flag, row, column, note or checkpoint is named; each forged, withheld
// or swapped piece of signed data is refused naming origin, log size and check; sources that
// cannot serve are passed over.
#include "node/query/table_check.h"

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "crypto/dsse.h"
#include "crypto/note.h"
#include "node/log/names.h"
#include "node/log/publisher.h"
#include "node/model/envelope.h"
#include "node/model/return_csv.h"
#include "node/model/return_header.h"
#include "node/query/consolidate.h"
#include "node/query/signed_return.h"
#include "tests/fakes/copy_log.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/sync_fixtures.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

constexpr char kHeader[] =
    "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
    "STOCK_FLOW\n";

// Changes a chunk on its way to the verifier; false drops it.
using Tamper = std::function<bool(v1::SignedReturnChunk&)>;

// A source answering from `logs` as a node does (ServeSignedReturn), each chunk passed through
// `tamper` first if given.
TableSource StoreSource(const std::string& name, OriginLogs* logs, Tamper tamper = nullptr) {
  return {name,
          [logs, tamper](const v1::SignedReturnRequest& request, const SignedReturnSink& sink) {
            absl::Status taken;
            absl::Status served =
                ServeSignedReturn(*logs, request, [&](const v1::SignedReturnChunk& chunk) {
                  v1::SignedReturnChunk c = chunk;
                  if (tamper && !tamper(c)) {
                    return true;
                  }
                  taken = sink(c);
                  return taken.ok();
                });
            return taken.ok() ? served : taken;
          }};
}

// A source that cannot be reached.
TableSource DownSource(const std::string& name) {
  return {name, [name](const v1::SignedReturnRequest&, const SignedReturnSink&) {
            return absl::UnavailableError(absl::StrCat("cannot connect to the node at ", name));
          }};
}

// AZ: 2020 revision 1 (log size 1), 2019 (size 2), 2020 revision 2 (size 3). KZ: 2020 without a
// CITIZEN=_T cell. KG: 2019 only. Every log is copied, checkpoint by checkpoint, into the
// Secretariat's store, where KZ's witness has cosigned AZ's checkpoint of size 3.
struct Fixture {
  TempDir tmp;
  FakeClock clock;
  TestBundle keys =
      TestBundle().Add("AZ", {"KZ", "KG", "OTS"}).Add("KZ").Add("KG").Add("OTS", {}, false);
  Directory directory{keys.Bundle()};
  TestNode az = OpenNode(tmp, "az"), kz = OpenNode(tmp, "kz"), kg = OpenNode(tmp, "kg");
  TestNode sec = OpenNode(tmp, "sec");
  PrivateKey stranger = *PrivateKey::Generate();

  Fixture() {
    Publish(az, "AZ",
            "AZ,2020,UZ,_T,_T,_T,100,A,F,STK\nAZ,2020,KG,_T,_T,_T,20,A,F,STK\n"
            "AZ,2020,_T,_T,_T,_T,150,A,F,STK\n");
    Publish(az, "AZ", "AZ,2019,UZ,_T,_T,_T,90,A,F,STK\n");
    Publish(az, "AZ",
            "AZ,2020,UZ,_T,_T,_T,110,A,F,STK\nAZ,2020,KG,_T,_T,_T,20,A,F,STK\n"
            "AZ,2020,UZ,_T,F,_T,60,A,F,STK\nAZ,2020,_T,_T,_T,_T,160,A,F,STK\n");
    Publish(kz, "KZ", "KZ,2020,UZ,_T,_T,_T,500,A,F,STK\nKZ,2020,STLS,_T,_T,_T,7,E,F,STK\n");
    Publish(kg, "KG", "KG,2019,KZ,_T,_T,_T,12,A,F,STK\n");
    for (auto [node, origin] : {std::pair{&az, "AZ"}, {&kz, "KZ"}, {&kg, "KG"}}) {
      REQUIRE(CopyLog(**node, *sec, origin).ok());
    }
    REQUIRE(sec->AddCosignatures("AZ", 3, {CosignLine(Note("AZ", 3), "KZ", keys.WitnessKey("KZ"))})
                .ok());
  }

  void Publish(TestNode& node, const std::string& origin, const std::string& rows) {
    std::vector<std::string> problems;
    absl::StatusOr<ParsedReturn> r =
        ParseReturnCsv("r.csv", absl::StrCat(kHeader, rows), origin, &problems);
    INFO(absl::StrJoin(problems, "\n"));
    REQUIRE(r.ok());
    const PrivateKey& key = keys.LogKey(origin);
    Publisher publisher(node.logs.get(), &key, &clock);
    REQUIRE(publisher.Publish(*r).ok());
  }

  // A validly signed entry of another log of AZ (as a misused key would sign it): AZ's 2019 return
  // with another figure, at index 0 of that log.
  v1::LogEntry ForkEntry() {
    TestNode fork = OpenNode(tmp, "fork");
    Publish(fork, "AZ", "AZ,2019,UZ,_T,_T,_T,91,A,F,STK\n");
    absl::StatusOr<v1::LogEntry> entry = fork->GetLogEntry("AZ", 0);
    REQUIRE(entry.ok());
    return *entry;
  }

  std::string Note(const std::string& origin, uint64_t size) {
    absl::StatusOr<v1::StoredCheckpoint> cp = sec->GetCheckpoint(origin, size);
    REQUIRE(cp.ok());
    return cp->note();
  }

  // The Secretariat's table of 2020 (at `at` if given).
  v1::ConsolidatedResponse Served(const std::map<std::string, uint64_t>& at = {}) {
    v1::ConsolidatedRequest request;
    request.set_period("2020");
    request.mutable_at_sizes()->insert(at.begin(), at.end());
    absl::StatusOr<v1::ConsolidatedResponse> t =
        Consolidate(*sec.logs, request, [](absl::string_view) { return true; });
    REQUIRE(t.ok());
    return *t;
  }

  absl::StatusOr<TableVerification> Verify(const v1::ConsolidatedResponse& served,
                                           const std::vector<TableSource>& sources) {
    return VerifyConsolidatedTable(served, directory, sources);
  }
  // `served`, verified with the Secretariat's own data as it arrives through `tamper`.
  absl::Status VerifyTampered(const v1::ConsolidatedResponse& served, Tamper tamper) {
    return Verify(served, {StoreSource("sec", sec.logs.get(), std::move(tamper))}).status();
  }
};

// The status of verifying the Secretariat's table after `alter` changed it.
absl::Status Altered(Fixture& f, const std::function<void(v1::ConsolidatedResponse&)>& alter) {
  v1::ConsolidatedResponse served = f.Served();
  alter(served);
  return f.Verify(served, {StoreSource("sec", f.sec.logs.get())}).status();
}

// Column `citizen`'s index in `t`.
int Column(const v1::ConsolidatedResponse& t, const std::string& citizen) {
  for (int c = 0; c < t.citizens_size(); ++c) {
    if (t.citizens(c) == citizen) {
      return c;
    }
  }
  FAIL("no column " << citizen);
  return -1;
}

TEST_CASE("an honest table verifies, every origin from its signed data", "[table_check]") {
  Fixture f;
  const v1::ConsolidatedResponse served = f.Served();
  absl::StatusOr<TableVerification> v = f.Verify(served, {StoreSource("sec", f.sec.logs.get())});
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  REQUIRE(v->origins.size() == 3);
  const CheckedReturn& az = v->origins[0].checked;
  CHECK(v->origins[0].source == "sec");
  CHECK(az.row.origin == "AZ");
  CHECK(az.row.log_size == 3);
  CHECK(az.row.revision == 2);  // the later revision, not revision 1
  CHECK(az.cell_count == 4);
  CHECK(az.row.figures.at("UZ").value == 110);
  CHECK(az.cosigners == std::vector<std::string>{"KZ"});
  CHECK(v->origins[1].checked.row.origin == "KG");
  CHECK(v->origins[1].checked.row.revision == 0);  // no return for 2020
  CHECK(v->origins[2].checked.row.origin == "KZ");
  CHECK(v->origins[2].checked.cosigners.empty());

  // A table computed at older checkpoints verifies at those: AZ's revision 1.
  v = f.Verify(f.Served({{"AZ", 1}}), {StoreSource("sec", f.sec.logs.get())});
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->origins[0].checked.row.revision == 1);
  CHECK(v->origins[0].checked.row.figures.at("UZ").value == 100);

  // Another category: SEX=F has one AZ figure.
  v1::ConsolidatedRequest women;
  women.set_period("2020");
  women.set_sex("F");
  absl::StatusOr<v1::ConsolidatedResponse> t =
      Consolidate(*f.sec.logs, women, [](absl::string_view) { return true; });
  REQUIRE(t.ok());
  REQUIRE(t->rows_size() == 1);
  CHECK(f.Verify(*t, {StoreSource("sec", f.sec.logs.get())}).ok());
}

TEST_CASE("a table must be the one asked for", "[table_check]") {
  Fixture f;
  v1::ConsolidatedRequest asked;
  asked.set_period("2020");
  const v1::ConsolidatedResponse served = f.Served();
  CHECK(CheckTableAnswers(asked, served).ok());
  asked.set_sex("F");  // a table of everyone served for women: its figures verify, but not as F
  absl::Status s = CheckTableAnswers(asked, served);
  CHECK(absl::IsInvalidArgument(s));
  CHECK(absl::StrContains(s.message(), "the table is not the one asked for: SEX _T, asked F"));
  asked.clear_sex();
  (*asked.mutable_at_sizes())["AZ"] = 2;  // an older size asked, the latest served
  s = CheckTableAnswers(asked, served);
  CHECK(absl::StrContains(s.message(), "AZ at log size 3, asked 2"));
  CHECK(CheckTableAnswers(asked, f.Served({{"AZ", 2}})).ok());
}

TEST_CASE("the comparison names the first figure that differs", "[table_check]") {
  Fixture f;
  const std::string differs = "the table differs from the signed returns: ";
  struct Case {
    const char* what;
    std::function<void(v1::ConsolidatedResponse&)> alter;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"one figure, totals made consistent",
       [](v1::ConsolidatedResponse& t) {
         const int uz = Column(t, "UZ");
         t.mutable_rows(0)->mutable_figures(uz)->set_value(111);
         t.mutable_rows(0)->mutable_total()->set_value(161);
         t.mutable_column_totals(uz)->set_value(t.column_totals(uz).value() + 1);
         t.mutable_grand_total()->set_value(t.grand_total().value() + 1);
       },
       "AZ × UZ: served 111, signed 110 (AZ log size 3)"},
      {"a reported row total",
       [](v1::ConsolidatedResponse& t) { t.mutable_rows(0)->mutable_total()->set_value(159); },
       "AZ × _T: served 159, signed 160 (AZ log size 3)"},
      {"a derived total shown as reported",
       [](v1::ConsolidatedResponse& t) { t.mutable_rows(1)->mutable_total()->set_derived(false); },
       "KZ × _T: served 507, signed 507 (derived) (KZ log size 1)"},
      {"a figure left out",
       [](v1::ConsolidatedResponse& t) {
         t.mutable_rows(1)->mutable_figures(Column(t, "STLS"))->Clear();
       },
       "KZ × STLS: served nothing, signed 7 (KZ log size 1)"},
      {"a column total",
       [](v1::ConsolidatedResponse& t) { t.mutable_column_totals(Column(t, "UZ"))->set_value(1); },
       "_T × UZ: served 1 (derived), signed 610 (derived)"},
      {"the grand total",
       [](v1::ConsolidatedResponse& t) { t.mutable_grand_total()->set_value(1); },
       "_T × _T: served 1 (derived), signed 667 (derived)"},
      {"a row left out", [](v1::ConsolidatedResponse& t) { t.mutable_rows()->RemoveLast(); },
       "rows (REF_AREA): served AZ, signed AZ KZ"},
      {"a column added", [](v1::ConsolidatedResponse& t) { t.add_citizens("TR"); },
       "columns (CITIZEN): served KG STLS UZ TR, signed KG STLS UZ"},
      {"a note left out", [](v1::ConsolidatedResponse& t) { t.mutable_notes()->RemoveLast(); },
       "note 1: served nothing, signed \"KG: no return for 2020 (log size 1)\""},
      {"another checkpoint's note",
       [&f](v1::ConsolidatedResponse& t) {
         t.mutable_checkpoints(0)->set_checkpoint_note(f.Note("AZ", 2));
       },
       absl::StrCat("checkpoint of AZ at log size 3 (its root): served ",
                    CheckpointRootText(f.Note("AZ", 2)), ", signed ",
                    CheckpointRootText(f.Note("AZ", 3)))},
      {"a figure beyond the columns (what the walk does not name)",
       [](v1::ConsolidatedResponse& t) { t.mutable_rows(0)->add_figures()->set_value(1); },
       "deleted: rows[0].figures[3]"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const absl::Status s = Altered(f, c.alter);
    INFO(s.ToString());
    CHECK(absl::IsInvalidArgument(s));
    CHECK(absl::StartsWith(s.message(), differs));
    CHECK(absl::StrContains(s.message(), c.says));
  }
}

TEST_CASE("signed data that does not verify is refused, naming origin, size and check",
          "[table_check]") {
  Fixture f;
  const v1::ConsolidatedResponse served = f.Served();
  const std::string rev1_cells = absl::StrJoin(StoredCells(*f.sec, "AZ", "2020", 1), "\n") + "\n";
  struct Case {
    const char* what;
    Tamper tamper;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"a flipped cell",
       [](v1::SignedReturnChunk& c) {
         if (c.has_cells()) {
           c.set_cells(absl::StrReplaceAll(c.cells(), {{",110,", ",111,"}}));
         }
         return true;
       },
       "AZ at log size 3: AZ 2020 revision 2: cells root: header says"},
      {"a later revision withheld",
       [](v1::SignedReturnChunk& c) {
         return !(c.has_entry() && absl::StrContains(c.entry().header().payload(), "revision 2\n"));
       },
       "AZ at log size 3: log entries: 2 came, the checkpoint covers 3"},
      {"an entry of another log signed with the origin's key",
       [&f](v1::SignedReturnChunk& c) {
         if (c.has_entry() && absl::StrContains(c.entry().header().payload(), "period 2019\n")) {
           *c.mutable_entry() = f.ForkEntry();
         }
         return true;
       },
       "AZ at log size 3: log root: the 3 headers give "},
      {"the cells of the earlier revision",
       [&rev1_cells](v1::SignedReturnChunk& c) {
         if (c.has_cells() && absl::StartsWith(c.cells(), "AZ,2020")) {
           c.set_cells(rev1_cells);
         }
         return true;
       },
       "AZ at log size 3: AZ 2020 revision 2: cell count: header says 4"},
      {"a header signed with a key the bundle does not list",
       [&f](v1::SignedReturnChunk& c) {
         if (c.has_entry() && absl::StrContains(c.entry().header().payload(), "origin AZ\n") &&
             absl::StrContains(c.entry().header().payload(), "period 2019\n")) {
           absl::StatusOr<DsseEnvelope> env =
               DsseSign(f.stranger, kReturnHeaderPayloadType, c.entry().header().payload());
           REQUIRE(env.ok());
           *c.mutable_entry()->mutable_header() = DsseToProto(*env);
         }
         return true;
       },
       "AZ at log size 3: AZ log index 1: header signature"},
      {"a checkpoint not signed by the origin",
       [&f](v1::SignedReturnChunk& c) {
         if (c.has_start() && absl::StrContains(c.start().checkpoint_note(), "/log/AZ")) {
           absl::StatusOr<ots::Note> note = ParseNote(c.start().checkpoint_note());
           REQUIRE(note.ok());
           ots::Note forged{note->text, {}};
           REQUIRE(SignNote(&forged, LogName(kTestFederation, "AZ"), f.stranger).ok());
           c.mutable_start()->set_checkpoint_note(FormatNote(forged));
         }
         return true;
       },
       "AZ at log size 3: checkpoint: "},
      {"a cosignature that does not verify",
       [](v1::SignedReturnChunk& c) {
         if (c.has_start() && c.start().cosignature_lines_size() > 0) {
           // One base64 character of the signature changed (a line by a key this client does
           // not list, or used outside its validity, does not count; it is not a fault).
           std::string line = c.start().cosignature_lines(0);
           const size_t at = line.size() - 10;
           line[at] = line[at] == 'A' ? 'B' : 'A';
           c.mutable_start()->set_cosignature_lines(0, line);
         }
         return true;
       },
       "AZ at log size 3: checkpoint cosignatures: "},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const absl::Status s = f.VerifyTampered(served, c.tamper);
    INFO(s.ToString());
    CHECK(absl::IsInvalidArgument(s));
    CHECK(absl::StartsWith(s.message(), "the signed data does not verify: "));
    CHECK(absl::StrContains(s.message(), c.says));
    CHECK(absl::EndsWith(s.message(), "(served by sec)"));
  }
}

TEST_CASE("the answer's shape is checked: sizes, order, stray cells", "[table_check]") {
  Fixture f;
  TableCategory category;
  category.period = "2020";
  category.stay_cat = category.sex = category.age = "_T";
  auto chunks = [&](const std::string& origin, uint64_t size) {
    v1::SignedReturnRequest request;
    request.set_origin(origin);
    request.set_size(size);
    request.set_period("2020");
    std::vector<v1::SignedReturnChunk> out;
    REQUIRE(ServeSignedReturn(*f.sec.logs, request, [&](const v1::SignedReturnChunk& c) {
              out.push_back(c);
              return true;
            }).ok());
    return out;
  };
  auto check = [&](const std::string& origin, uint64_t size,
                   const std::vector<v1::SignedReturnChunk>& answer) -> absl::Status {
    SignedReturnChecker checker(f.directory, category, origin, size);
    for (const v1::SignedReturnChunk& c : answer) {
      OTS_RETURN_IF_ERROR(checker.Add(c));
    }
    return checker.Finish().status();
  };
  // The checkpoint of another size than asked.
  absl::Status s = check("AZ", 3, chunks("AZ", 2));
  CHECK(
      absl::StrContains(s.message(), "AZ at log size 3: checkpoint: the answer is of log size 2"));
  // Cells for KG, whose log has no return of 2020 at size 1.
  std::vector<v1::SignedReturnChunk> kg = chunks("KG", 1);
  kg.emplace_back().set_cells("KG,2020,KZ,_T,_T,_T,12,A,F,STK\n");
  s = check("KG", 1, kg);
  CHECK(absl::StrContains(s.message(), "cells came, but no return of 2020 is in force"));
  // An entry before the checkpoint; no checkpoint at all; an entry too many.
  std::vector<v1::SignedReturnChunk> az = chunks("AZ", 1);
  std::swap(az[0], az[1]);
  CHECK(absl::StrContains(check("AZ", 1, az).message(), "a log entry out of place"));
  CHECK(absl::StrContains(check("AZ", 1, {}).message(), "the answer has no checkpoint"));
  az = chunks("AZ", 1);
  az.insert(az.begin() + 2, az[1]);
  CHECK(absl::StrContains(check("AZ", 1, az).message(), "more than the 1 log entries"));
  // A block cut in the middle of a line.
  az = chunks("AZ", 1);
  az.back().set_cells(az.back().cells().substr(0, az.back().cells().size() - 1));
  CHECK(absl::StrContains(check("AZ", 1, az).message(), "does not end in a newline"));
  CHECK(check("AZ", 1, chunks("AZ", 1)).ok());
}

TEST_CASE("the first source that serves an origin is used, unreachable ones are passed over",
          "[table_check]") {
  Fixture f;
  const v1::ConsolidatedResponse served = f.Served();
  // AZ's own node holds only AZ's log: KG and KZ come from the next source.
  absl::StatusOr<TableVerification> v =
      f.Verify(served, {DownSource("10.0.0.9:7401"), StoreSource("az", f.az.logs.get()),
                        StoreSource("sec", f.sec.logs.get())});
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->origins[0].source == "az");
  CHECK(v->origins[1].source == "sec");
  CHECK(v->origins[2].source == "sec");

  // None reachable: UNAVAILABLE, naming each.
  v = f.Verify(served, {DownSource("10.0.0.9:7401"), DownSource("10.0.0.9:7402")});
  CHECK(absl::IsUnavailable(v.status()));
  CHECK(absl::StrContains(v.status().message(),
                          "no source serves AZ at log size 3: 10.0.0.9:7401: cannot connect"));
  CHECK(absl::StrContains(v.status().message(), "; 10.0.0.9:7402: cannot connect"));

  // Reachable but holding no log of KG: FAILED_PRECONDITION, with the node's reason.
  v = f.Verify(served, {StoreSource("az", f.az.logs.get())});
  CHECK(absl::IsFailedPrecondition(v.status()));
  CHECK(absl::StrContains(v.status().message(),
                          "no source serves KG at log size 1: az: this node holds no log of KG"));

  // A source whose data does not verify is not passed over for a later, honest one.
  Tamper flip = [](v1::SignedReturnChunk& c) {
    if (c.has_cells()) {
      c.set_cells(absl::StrReplaceAll(c.cells(), {{",110,", ",111,"}}));
    }
    return true;
  };
  v = f.Verify(served, {StoreSource("forger", f.sec.logs.get(), flip),
                        StoreSource("sec", f.sec.logs.get())});
  CHECK(absl::IsInvalidArgument(v.status()));
  CHECK(absl::StrContains(v.status().message(), "(served by forger)"));

  // A table naming an origin the bundle has no log key for, or out of order, is refused as is.
  v1::ConsolidatedResponse odd = served;
  odd.add_checkpoints()->set_origin("TR");
  v = f.Verify(odd, {StoreSource("sec", f.sec.logs.get())});
  CHECK(absl::StrContains(v.status().message(),
                          "the table is malformed: it names TR, for which the trust bundle"));
  odd = served;
  odd.mutable_checkpoints()->SwapElements(0, 1);
  v = f.Verify(odd, {StoreSource("sec", f.sec.logs.get())});
  CHECK(absl::StrContains(v.status().message(), "not in order of origin"));
}

TEST_CASE("ServeSignedReturn: what a node without the data answers", "[table_check]") {
  Fixture f;
  auto serve = [&](TestNode& node, const std::string& origin, uint64_t size) {
    v1::SignedReturnRequest request;
    request.set_origin(origin);
    request.set_size(size);
    request.set_period("2020");
    return ServeSignedReturn(*node.logs, request,
                             [](const v1::SignedReturnChunk&) { return true; });
  };
  absl::Status s = serve(f.az, "KZ", 1);
  CHECK(absl::IsNotFound(s));
  CHECK(absl::StrContains(s.message(), "this node holds no log of KZ"));
  s = serve(f.sec, "KZ", 2);
  CHECK(absl::IsInvalidArgument(s));
  CHECK(absl::StrContains(s.message(), "KZ=2 is beyond the end of its log (1 entries here)"));
  CHECK(absl::IsInvalidArgument(serve(f.sec, "KZ", 0)));
  // A node that pulled AZ's log in one batch holds only its latest checkpoint.
  TestNode kz_copy = OpenNode(f.tmp, "kz-copy");
  REQUIRE(CopyLog(*f.az, *kz_copy, "AZ", /*every_checkpoint=*/false).ok());
  s = serve(kz_copy, "AZ", 2);
  CHECK(absl::IsInvalidArgument(s));
  CHECK(absl::StrContains(s.message(), "this node holds no checkpoint of AZ at size 2"));
  CHECK(serve(kz_copy, "AZ", 3).ok());
  // A caller gone mid-answer stops it.
  v1::SignedReturnRequest request;
  request.set_origin("AZ");
  request.set_size(3);
  request.set_period("2020");
  CHECK(absl::IsCancelled(
      ServeSignedReturn(*f.sec.logs, request, [](const v1::SignedReturnChunk&) { return false; })));
}

}  // namespace
}  // namespace ots
