// Benchmark: import of a synthetic 1,000,000-cell return (parse and validate, then sign and
// append in one synced write) beside RocksDB's own batched write rate on this machine, measured
// in the same run with `db_bench --benchmarks=fillseq --batch_size=1000`.
//
//   ots_import_bench [--cells N] [--dir DIR] [--db-bench PATH]
//
// Prints both rates and their ratio (aim: >= 0.5). Not a test: it asserts nothing about time.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crypto/ed25519.h"
#include "node/base/clock.h"
#include "node/log/origin_log.h"
#include "node/log/publisher.h"
#include "node/model/return_csv.h"
#include "node/query/query.h"
#include "node/store/store.h"
#include "tests/tools/synthetic_return.h"

namespace ots {
namespace {

using Seconds = std::chrono::duration<double>;

// Runs db_bench fillseq with batches of 1000 in `dir`; returns its ops/sec, or -1.
double DbBenchFillseq(const std::string& db_bench, const std::string& dir, size_t num) {
  std::string cmd = absl::StrCat(db_bench, " --benchmarks=fillseq --batch_size=1000 --num=", num,
                                 " --db=", dir, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    return -1;
  }
  char buf[4096];
  double ops = -1;
  while (std::fgets(buf, sizeof(buf), p) != nullptr) {
    std::string line(buf);
    // "fillseq      :       1.234 micros/op 810372 ops/sec ..."
    if (line.rfind("fillseq", 0) == 0) {
      size_t end = line.find(" ops/sec");
      size_t start = line.rfind(' ', end - 1);
      if (end != std::string::npos && start != std::string::npos &&
          !absl::SimpleAtod(line.substr(start + 1, end - start - 1), &ops)) {
        ops = -1;
      }
    }
  }
  pclose(p);
  return ops;
}

int Main(int argc, char** argv) {
  size_t cells = 1000000;
  std::string dir = "/tmp/ots-import-bench";
  std::string db_bench = "db_bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--cells") {
      cells = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (flag == "--dir") {
      dir = argv[i + 1];
    } else if (flag == "--db-bench") {
      db_bench = argv[i + 1];
    }
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  const std::string csv = SyntheticReturn("AZ", "2024", cells);
  if (csv.empty()) {
    std::cerr << cells << " cells do not fit the code lists\n";
    return 2;
  }
  auto key = PrivateKey::Generate();
  if (!key.ok()) {
    std::cerr << key.status() << "\n";
    return 1;
  }
  Store::Options options;
  options.create_if_missing = true;
  auto store = Store::Open(dir + "/node", options);
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return 1;
  }
  SystemClock clock;
  OriginLogs logs(store->get(), "bench");
  Publisher publisher(&logs, &*key, &clock);

  auto t0 = std::chrono::steady_clock::now();
  auto ret = ParseReturnCsv("synthetic.csv", csv, "AZ", nullptr);
  auto t1 = std::chrono::steady_clock::now();
  if (!ret.ok()) {
    std::cerr << ret.status() << "\n";
    return 1;
  }
  auto published = publisher.Publish(*ret);
  auto t2 = std::chrono::steady_clock::now();
  if (!published.ok()) {
    std::cerr << published.status() << "\n";
    return 1;
  }
  // Reads verify (docs/audit.md): the first query of a return hashes every stored cell against
  // its signed cells root; later ones use the verified-return cache. Beside them, a bare scan of
  // the stored cells: the store's own read limit for this return.
  OriginLogs fresh(store->get(), "bench");
  const CellFilter filter = *ParseCellFilter({"AGE=_T"});
  auto q0 = std::chrono::steady_clock::now();
  absl::StatusOr<Table> first = QueryCells(fresh, filter);
  auto q1 = std::chrono::steady_clock::now();
  absl::StatusOr<Table> again = QueryCells(fresh, filter);
  auto q2 = std::chrono::steady_clock::now();
  uint64_t scanned = 0;
  absl::Status scan = (*store)->ForEachCell("AZ", "2024", 1, [&](absl::string_view) {
    ++scanned;
    return absl::OkStatus();
  });
  auto q3 = std::chrono::steady_clock::now();
  if (!first.ok() || !again.ok() || !scan.ok() || first->rows != again->rows) {
    std::cerr << "query: " << first.status() << " " << again.status() << " " << scan << "\n";
    return 1;
  }
  store->reset();

  const double parse_s = Seconds(t1 - t0).count();
  const double publish_s = Seconds(t2 - t1).count();
  const double import_rate = cells / (parse_s + publish_s);
  const double db_rate = DbBenchFillseq(db_bench, dir + "/db_bench", 1000000);

  std::cout << absl::StrFormat("cells                       %d (%.1f MB of CSV)\n", cells,
                               csv.size() / 1e6);
  std::cout << absl::StrFormat("parse + validate            %.3f s\n", parse_s);
  std::cout << absl::StrFormat("sign + append (synced)      %.3f s\n", publish_s);
  std::cout << absl::StrFormat("import rate                 %.0f cells/s\n", import_rate);
  if (db_rate > 0) {
    std::cout << absl::StrFormat("db_bench fillseq batch 1000 %.0f ops/s\n", db_rate);
    std::cout << absl::StrFormat("ratio                       %.2f (aim >= 0.50)\n",
                                 import_rate / db_rate);
  } else {
    std::cout << "db_bench fillseq            not measured (is rocksdb-tools installed?)\n";
  }
  const double first_s = Seconds(q1 - q0).count(), again_s = Seconds(q2 - q1).count();
  std::cout << absl::StrFormat("query, first (verifies)     %.3f s (%d cells match)\n", first_s,
                               first->rows.size());
  std::cout << absl::StrFormat("query, again (verified)     %.3f s\n", again_s);
  std::cout << absl::StrFormat("bare scan of the cells      %.3f s (%d cells)\n",
                               Seconds(q3 - q2).count(), scanned);
  std::cout << absl::StrFormat(
      "verification                %.3f s once per return (%.0f ns/cell)\n", first_s - again_s,
      (first_s - again_s) * 1e9 / cells);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace ots

int main(int argc, char** argv) { return ots::Main(argc, argv); }
