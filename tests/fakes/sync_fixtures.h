// Helpers the sync tests share: stores in a temporary folder, a small valid return, and a
// logger that records its lines.
#ifndef OTS_TESTS_FAKES_SYNC_FIXTURES_H_
#define OTS_TESTS_FAKES_SYNC_FIXTURES_H_

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "node/base/event_log.h"
#include "node/model/return_csv.h"
#include "node/store/store.h"
#include "tests/fakes/temp_dir.h"

namespace ots {

class RecordingLogger : public Logger {
 public:
  void Log(LogLevel /*level*/, absl::string_view peer, absl::string_view message) override {
    absl::MutexLock lock(&mu_);
    lines_.push_back(absl::StrCat(peer, ": ", message));
  }
  // Lines containing `text`.
  int Count(absl::string_view text) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const std::string& line : lines_) {
      n += absl::StrContains(line, text) ? 1 : 0;
    }
    return n;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

// A new store in `dir`/`name`.
inline std::unique_ptr<Store> OpenStore(const TempDir& dir, const std::string& name) {
  Store::Options options;
  options.create_if_missing = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir.File(name), options);
  REQUIRE(store.ok());
  return std::move(*store);
}

// A valid three-cell return of `origin` for `period`; `value` is its first cell's.
inline ParsedReturn Return(const std::string& origin, const std::string& period, int value) {
  const std::string csv = absl::StrCat(
      "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
      "STOCK_FLOW\n",
      origin, ",", period, ",TJ,_T,F,_T,", value, ",A,F,STK\n",  //
      origin, ",", period, ",TJ,_T,M,_T,7856,A,F,STK\n",         //
      origin, ",", period, ",KG,_T,_T,_T,3456,A,F,STK\n");
  absl::StatusOr<ParsedReturn> ret = ParseReturnCsv("r.csv", csv, origin, nullptr);
  REQUIRE(ret.ok());
  return *ret;
}

}  // namespace ots

#endif  // OTS_TESTS_FAKES_SYNC_FIXTURES_H_
