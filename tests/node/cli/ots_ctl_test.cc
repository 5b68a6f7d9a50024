// The ots-ctl command line run in-process (node/cli/ots_ctl.h) with its output captured: help and
// version, one-line usage errors with exit code 2, "--flag=value" as "--flag value" on real
// offline commands, and the one proof writer's refusal of unsafe file names.
#include "node/cli/ots_ctl.h"

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/files.h"
#include "node/base/version.h"
#include "node/cli/prove_command.h"
#include "tests/fakes/temp_dir.h"

namespace ots {
namespace {

// What one run of ots-ctl did.
struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

Run OtsCtl(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Run run;
  run.code = RunOtsCtl(args, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

// `text` with every " " in it splitting arguments: "pki init --out" -> {"pki", "init", "--out"}.
std::vector<std::string> Args(absl::string_view text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

size_t LineCount(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

// Every command, as typed before its flags.
const std::vector<std::string> kCommands = {
    "pki",    "pki init", "bundle", "bundle show", "bundle sign", "keygen", "import",
    "submit", "validate", "query",  "status",      "log",         "audit",  "prove"};

TEST_CASE("ots-ctl --help prints the usage of ots-ctl and of each command, and exits 0", "[cli]") {
  Run top = OtsCtl({"--help"});
  CHECK(top.code == 0);
  CHECK(top.err.empty());
  CHECK(absl::StrContains(top.out, "Usage: ots-ctl [OPTIONS] COMMAND\n"));
  CHECK(absl::StrContains(top.out, "Exit codes: 0 ok, 1 rejected input or failed check, 2 usage"));
  for (const char* command : {"pki", "bundle", "keygen", "import", "submit", "validate", "query",
                              "status", "log", "audit", "prove"}) {
    INFO(command);
    CHECK(absl::StrContains(top.out, absl::StrCat("\n  ", command, " ")));
  }
  CHECK(OtsCtl({"-h"}).out == top.out);
  CHECK(OtsCtl({"help"}).out == top.out);

  for (const std::string& command : kCommands) {
    INFO(command);
    std::vector<std::string> args = Args(command);
    args.push_back("--help");
    Run help = OtsCtl(args);
    CHECK(help.code == 0);
    CHECK(help.err.empty());
    CHECK(absl::StrContains(help.out, absl::StrCat("Usage: ots-ctl ", command, " ")));
    CHECK(help.out != top.out);
    // "help COMMAND" is "COMMAND --help"; --help wins over a missing required flag.
    std::vector<std::string> help_first = Args(command);
    help_first.insert(help_first.begin(), "help");
    CHECK(OtsCtl(help_first).out == help.out);
  }
  CHECK(absl::StrContains(OtsCtl(Args("submit --help")).out, "--config CLIENT REQUIRED"));
  CHECK(absl::StrContains(OtsCtl(Args("query --help")).out, "--consolidated"));
  CHECK(absl::StrContains(OtsCtl(Args("pki init --help")).out, "--secretariat"));
}

TEST_CASE("ots-ctl --version prints the version and git revision, and exits 0", "[cli]") {
  Run run = OtsCtl({"--version"});
  CHECK(run.code == 0);
  CHECK(run.err.empty());
  CHECK(run.out == VersionLine("ots-ctl") + "\n");
  CHECK(std::regex_match(
      run.out, std::regex("ots-ctl [0-9]+\\.[0-9]+\\.[0-9]+ \\(git ([0-9a-f]+|unknown)\\)\n")));
}

TEST_CASE("a usage error is one line on stderr with a hint, and exit code 2", "[cli]") {
  const struct {
    const char* args;
    const char* line;
  } kCases[] = {
      {"--bogus", "ots-ctl: unknown flag --bogus (run 'ots-ctl --help')"},
      {"bogus", "ots-ctl: unknown command \"bogus\" (run 'ots-ctl --help')"},
      {"submit --config", "ots-ctl submit: --config needs a value (run 'ots-ctl submit --help')"},
      {"submit r.csv", "ots-ctl submit: --config is required (run 'ots-ctl submit --help')"},
      {"submit --confg c r.csv",
       "ots-ctl submit: unknown flag --confg (run 'ots-ctl submit --help')"},
      {"submit --config=c r.csv s.csv",
       "ots-ctl submit: unexpected argument \"s.csv\" (run 'ots-ctl submit --help')"},
      {"status --node 127.0.0.1:1",
       "ots-ctl status: --config is required (run 'ots-ctl status --help')"},
      {"pki", "ots-ctl pki: expected a command: init, renew (run 'ots-ctl pki --help')"},
      {"pki renew --ca-dir c --member-dir m --new-keys",
       "ots-ctl pki renew: --new-keys needs --only: name the identities to give new keys (run "
       "'ots-ctl pki renew --help')"},
      {"pki renew --ca-dir c --member-dir m --only node,ca",
       "ots-ctl pki renew: --only \"ca\": expected node, operator or auditor (run 'ots-ctl pki "
       "renew --help')"},
      {"bundle push --bundle b",
       "ots-ctl bundle push: --config is required (run 'ots-ctl bundle push --help')"},
      {"pki init --out", "ots-ctl pki init: --out needs a value (run 'ots-ctl pki init --help')"},
      {"pki init --out=d --days 0",
       "ots-ctl pki init: --days must be a positive number (run 'ots-ctl pki init --help')"},
      {"bundle verify", "ots-ctl bundle: unknown command \"verify\" (run 'ots-ctl bundle --help')"},
      {"bundle show --bundle b",
       "ots-ctl bundle show: --key is required (run 'ots-ctl bundle show --help')"},
      {"query --config c --data-dir d",
       "ots-ctl query: --config excludes --data-dir (run 'ots-ctl query --help')"},
      {"query --data-dir d --period 2020",
       "ots-ctl query: --period requires --consolidated (run 'ots-ctl query --help')"},
      {"query --data-dir d --format xml",
       "ots-ctl query: --format \"xml\": expected table, json, csv, sdmx-csv (2.0), sdmx-csv1, "
       "sdmx-csv2 "
       "or sdmx-json (run 'ots-ctl query --help')"},
      {"query --data-dir d --consolidated",
       "ots-ctl query: --consolidated needs --period P (run 'ots-ctl query --help')"},
      {"query --data-dir d --consolidated --period 2020 --verify",
       "ots-ctl query: --verify requires --config (run 'ots-ctl query --help')"},
      {"query --config c --verify",
       "ots-ctl query: --verify requires --consolidated (run 'ots-ctl query --help')"},
      {"query --config c --consolidated --period 2020 --source s",
       "ots-ctl query: --source requires --verify (run 'ots-ctl query --help')"},
      {"query --config c --consolidated --period 2020 --verify --source /nonexistent/s",
       "ots-ctl query: --source /nonexistent/s: /nonexistent/s: cannot open: No such file or "
       "directory (run 'ots-ctl query --help')"},
      {"audit --data-dir d --trust-bundle b",
       "ots-ctl audit: --bundle-pubkey is required (run 'ots-ctl audit --help')"},
      {"prove --config c --trust-bundle k --origin AZ --period 2020 --out p",
       "ots-ctl prove: --trust-bundle requires --data-dir (run 'ots-ctl prove --help')"},
      {"prove --data-dir d --trust-bundle k --origin AZ --period 2020 --out p",
       "ots-ctl prove: --data-dir requires --bundle-pubkey (run 'ots-ctl prove --help')"},
      {"prove --origin AZ --period 2020 --out p",
       "ots-ctl prove: give --config CLIENT or --data-dir DIR (run 'ots-ctl prove --help')"},
      {"keygen --out k extra",
       "ots-ctl keygen: unexpected argument \"extra\" (run 'ots-ctl "
       "keygen --help')"},
  };
  for (const auto& c : kCases) {
    INFO(c.args);
    Run run = OtsCtl(Args(c.args));
    CHECK(run.code == 2);
    CHECK(run.out.empty());
    CHECK(LineCount(run.err) == 1);
    CHECK(run.err == absl::StrCat(c.line, "\n"));
  }
  Run none = OtsCtl({});
  CHECK(none.code == 2);
  CHECK(LineCount(none.err) == 1);
  CHECK(absl::StartsWith(none.err, "ots-ctl: expected a command: pki, bundle, keygen, "));
  CHECK(absl::EndsWith(none.err, " (run 'ots-ctl --help')\n"));
}

constexpr char kReturn[] =
    "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,STOCK_FLOW\n"
    "AZ,2020,UZ,_T,_T,_T,10,A,F,STK\n"
    "AZ,2020,UZ,_T,F,_T,4,A,F,STK\n"
    "AZ,2020,UZ,_T,M,_T,6,A,F,STK\n";

TEST_CASE("a flag takes its value as --flag=value or --flag value, and a repeated flag keeps all",
          "[cli]") {
  TempDir tmp;
  const std::string data = tmp.File("data"), fed = tmp.File("fed"), csv = tmp.File("AZ_2020.csv");
  const std::string key = fed + "/az/log";
  REQUIRE(WriteNewFile(csv, kReturn, 0644).ok());
  REQUIRE(OtsCtl({"pki", "init", "--out=" + fed, "--states=AZ"}).code == 0);
  const std::string bundle = fed + "/federation/trust-bundle.json";
  const std::string bundle_key = fed + "/federation/bundle.pub.pem";

  Run spaced = OtsCtl({"import", "--dry-run", "--origin", "AZ", "--data-dir", data, csv});
  Run joined = OtsCtl({"import", "--dry-run", "--origin=AZ", "--data-dir=" + data, csv});
  CHECK(spaced.code == 0);
  CHECK(spaced.out == absl::StrCat(csv, ": valid return of AZ for 2020, 3 cells, value sum 20\n"));
  CHECK(joined.out == spaced.out);

  Run imported = OtsCtl({"import", "--data-dir=" + data, "--origin=AZ", "--log-key", key + ".key",
                         "--federation=ots-mx", csv});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  CHECK(absl::StartsWith(imported.out, "imported AZ 2020 revision 1: 3 cells, value sum 20"));

  spaced = OtsCtl({"query", "--data-dir", data, "--filter", "SEX=F,M", "--filter", "CITIZEN=UZ",
                   "--format", "csv"});
  joined = OtsCtl(
      {"query", "--data-dir=" + data, "--filter=SEX=F,M", "--filter=CITIZEN=UZ", "--format=csv"});
  CHECK(spaced.code == 0);
  CHECK(spaced.out ==
        "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
        "STOCK_FLOW\nAZ,2020,UZ,_T,F,_T,4,A,F,STK\nAZ,2020,UZ,_T,M,_T,6,A,F,STK\n");
  CHECK(joined.out == spaced.out);
  // The last of two values of a flag that takes one counts.
  CHECK(OtsCtl({"query", "--data-dir=" + data, "--filter=SEX=F,M", "--filter=CITIZEN=UZ",
                "--format=json", "--format=csv"})
            .out == spaced.out);

  spaced = OtsCtl({"prove", "--data-dir", data, "--origin", "AZ", "--period", "2020", "--cell",
                   "CITIZEN=UZ", "--cell", "SEX=F", "--trust-bundle", bundle, "--bundle-pubkey",
                   bundle_key, "--out", tmp.File("proof1")});
  joined = OtsCtl({"prove", "--data-dir=" + data, "--origin=AZ", "--period=2020",
                   "--cell=CITIZEN=UZ", "--cell=SEX=F", "--trust-bundle=" + bundle,
                   "--bundle-pubkey=" + bundle_key, "--out=" + tmp.File("proof2")});
  INFO(spaced.err);
  CHECK(spaced.code == 0);
  CHECK(joined.code == 0);
  CHECK(absl::StartsWith(spaced.out, "wrote the proof of AZ,2020,UZ,_T,F,_T,4,A,F,STK to "));
  for (const char* file : {"cell.line", "cell.proof", "header.txt", "checkpoint.note"}) {
    INFO(file);
    CHECK(*ReadFile(tmp.File(absl::StrCat("proof1/", file))) ==
          *ReadFile(tmp.File(absl::StrCat("proof2/", file))));
  }

  // Rejected input is exit 1 and no usage hint.
  Run rejected = OtsCtl({"log", "--data-dir=" + tmp.File("missing")});
  CHECK(rejected.code == 1);
  CHECK_FALSE(absl::StrContains(rejected.err, "--help"));
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("the proof writer writes plain file names only, replacing older files", "[cli]") {
  TempDir tmp;
  const std::string out = tmp.File("proof");
  for (const char* bad : {"../escape", "sub/file", ".hidden", ""}) {
    INFO(bad);
    absl::Status s = WriteProofFiles({{"cell.line", "AZ\n"}, {bad, "x"}}, out);
    CHECK(absl::IsInvalidArgument(s));
    CHECK(absl::StrContains(s.message(), absl::StrCat("\"", bad, "\"")));
    // Nothing is written, not even the folder.
    struct stat st {};
    CHECK(stat(out.c_str(), &st) != 0);
  }
  struct stat st {};
  CHECK(stat(tmp.File("escape").c_str(), &st) != 0);

  REQUIRE(WriteProofFiles({{"cell.line", "AZ\n"}, {"verify.sh", "exit 1\n"}}, out).ok());
  REQUIRE(WriteProofFiles({{"cell.line", "KZ\n"}, {"verify.sh", "exit 0\n"}}, out).ok());
  CHECK(*ReadFile(out + "/cell.line") == "KZ\n");
  CHECK(*ReadFile(out + "/verify.sh") == "exit 0\n");
  CHECK(Mode(out + "/cell.line") == 0644);
  CHECK(Mode(out + "/verify.sh") == 0755);
}

}  // namespace
}  // namespace ots
