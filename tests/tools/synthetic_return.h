// A synthetic statistical return of any size, for benchmarks and integration tests.
#ifndef OTS_TESTS_TOOLS_SYNTHETIC_RETURN_H_
#define OTS_TESTS_TOOLS_SYNTHETIC_RETURN_H_

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ots {

// A valid return of `cells` cells for `origin` and `period`: every citizenship, category of stay
// and sex, by single year of age, each group closed by its AGE=_T total. Empty if `cells` is more
// than the code lists allow (about 1.4 million).
inline std::string SyntheticReturn(absl::string_view origin, absl::string_view period,
                                   size_t cells) {
  static const char* kCitizens[] = {
#include "node/model/iso3166_alpha2.inc"
      "STLS", "_U"};
  static const char* kStay[] = {"VISA",     "VISA_FREE",   "RES_TEMP",    "RES_PERM", "WORK_PERM",
                                "STUDY",    "LAB_MIG",     "LAB_MIG_IRR", "STRANDED", "TRANSIT",
                                "OVERSTAY", "EXT_GRANTED", "LEGALISED",   "_O"};
  static const char* kSex[] = {"F", "M", "_U"};
  constexpr size_t kPerGroup = 142;  // 141 single years and their total
  std::string out =
      "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,"
      "STOCK_FLOW\n";
  out.reserve(cells * 48);
  size_t made = 0;
  uint64_t seed = 12345;
  for (const char* citizen : kCitizens) {
    for (const char* stay : kStay) {
      for (const char* sex : kSex) {
        if (made == cells) {
          return out;
        }
        size_t n = std::min(kPerGroup, cells - made);
        uint64_t sum = 0;
        for (size_t age = 0; age + 1 < n; ++age) {
          seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
          uint64_t v = (seed >> 33) % 5000;
          sum += v;
          absl::StrAppend(&out, origin, ",", period, ",", citizen, ",", stay, ",", sex, ",Y", age,
                          ",", v, ",A,F,STK\n");
        }
        absl::StrAppend(&out, origin, ",", period, ",", citizen, ",", stay, ",", sex, ",_T,", sum,
                        ",A,F,STK\n");
        made += n;
      }
    }
  }
  return "";
}

}  // namespace ots

#endif  // OTS_TESTS_TOOLS_SYNTHETIC_RETURN_H_
