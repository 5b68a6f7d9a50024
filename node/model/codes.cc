#include "node/model/codes.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace ots {
namespace {

constexpr const char* kIso3166Alpha2[] = {
#include "node/model/iso3166_alpha2.inc"
};

// Index of `code` in an unsorted short list, or -1.
template <size_t N>
int FindLinear(const absl::string_view (&list)[N], absl::string_view code) {
  for (size_t i = 0; i < N; ++i) {
    if (code == list[i]) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// `_T` first in each list so that its id is kTotalCodeId.
constexpr absl::string_view kStayCats[] = {"_T",          "VISA",      "VISA_FREE", "RES_TEMP",
                                           "RES_PERM",    "WORK_PERM", "STUDY",     "LAB_MIG",
                                           "LAB_MIG_IRR", "STRANDED",  "TRANSIT",   "OVERSTAY",
                                           "EXT_GRANTED", "LEGALISED", "_O"};
constexpr absl::string_view kSexes[] = {"_T", "F", "M", "_U"};
constexpr absl::string_view kStates[] = {"AZ", "KZ", "KG", "TR", "UZ", "HU", "TM"};
// CL_OBS_STATUS codes that qualify a reported number (the "missing value" codes are not
// usable: every cell carries a count).
constexpr absl::string_view kObsStatuses[] = {"A", "B", "D", "E", "F", "G", "I",
                                              "K", "N", "P", "U", "V", "W"};
constexpr absl::string_view kConfStatuses[] = {"F", "N", "C", "D", "S", "A", "O", "T", "G", "M"};
constexpr absl::string_view kStockFlows[] = {"STK", "FLW"};

// Canonical decimal (no sign, no leading zero) not above kMaxAge.
bool ParseAgeNumber(absl::string_view s, uint16_t* out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) {
    return false;
  }
  uint32_t v = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > kMaxAge) {
    return false;
  }
  *out = static_cast<uint16_t>(v);
  return true;
}

bool ParseFixedDigits(absl::string_view s, int* out) {
  int v = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  *out = v;
  return !s.empty();
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool IsFederationState(absl::string_view code) { return FindLinear(kStates, code) >= 0; }

int CitizenCodeId(absl::string_view code) {
  if (code == "_T") {
    return kTotalCodeId;
  }
  if (code == "_U") {
    return 1;
  }
  if (code == "STLS") {
    return 2;
  }
  // Two capital letters index a table of ids built once from the sorted list.
  static const std::array<int16_t, 26 * 26>* const kTable = [] {
    auto* table = new std::array<int16_t, 26 * 26>;
    table->fill(-1);
    for (size_t i = 0; i < sizeof(kIso3166Alpha2) / sizeof(kIso3166Alpha2[0]); ++i) {
      const char* c = kIso3166Alpha2[i];
      (*table)[(c[0] - 'A') * 26 + (c[1] - 'A')] = static_cast<int16_t>(3 + i);
    }
    return table;
  }();
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') {
    return -1;
  }
  return (*kTable)[(code[0] - 'A') * 26 + (code[1] - 'A')];
}

int StayCatCodeId(absl::string_view code) { return FindLinear(kStayCats, code); }
int SexCodeId(absl::string_view code) { return FindLinear(kSexes, code); }

int AgeCode::Id() const {
  switch (kind) {
    case kTotal:
      return 0;
    case kUnknown:
      return 1;
    case kRange:
      break;
  }
  return 2 + lo * 256 + hi;
}

bool ParseAgeCode(absl::string_view code, AgeCode* out) {
  AgeCode a;
  if (code == "_T") {
    a.kind = AgeCode::kTotal;
  } else if (code == "_U") {
    a.kind = AgeCode::kUnknown;
  } else if (absl::ConsumePrefix(&code, "Y_LT")) {
    uint16_t n;
    if (!ParseAgeNumber(code, &n) || n == 0) {
      return false;
    }
    a = {AgeCode::kRange, 0, n};
  } else if (absl::ConsumePrefix(&code, "Y_GE")) {
    uint16_t n;
    if (!ParseAgeNumber(code, &n)) {
      return false;
    }
    a = {AgeCode::kRange, n, kAgeOpen};
  } else if (absl::ConsumePrefix(&code, "Y")) {
    size_t t = code.find('T');
    uint16_t lo, hi;
    if (t == absl::string_view::npos) {
      if (!ParseAgeNumber(code, &lo)) {
        return false;
      }
      hi = lo + 1;
    } else {
      if (!ParseAgeNumber(code.substr(0, t), &lo) || !ParseAgeNumber(code.substr(t + 1), &hi) ||
          hi <= lo) {
        return false;
      }
      hi = hi + 1;
    }
    a = {AgeCode::kRange, lo, hi};
  } else {
    return false;
  }
  *out = a;
  return true;
}

bool IsObsStatusCode(absl::string_view code) { return FindLinear(kObsStatuses, code) >= 0; }
bool IsConfStatusCode(absl::string_view code) { return FindLinear(kConfStatuses, code) >= 0; }
bool IsStockFlowCode(absl::string_view code) { return FindLinear(kStockFlows, code) >= 0; }

bool IsTimePeriod(absl::string_view p) {
  int year = 0;
  if (p.size() < 4 || !ParseFixedDigits(p.substr(0, 4), &year) || year < 1900 || year > 2199) {
    return false;
  }
  p.remove_prefix(4);
  if (p.empty()) {
    return true;
  }
  if (p.size() == 3 && p[0] == '-' && p[1] == 'Q') {
    return p[2] >= '1' && p[2] <= '4';
  }
  int month = 0;
  if (p.size() < 3 || p[0] != '-' || !ParseFixedDigits(p.substr(1, 2), &month) || month < 1 ||
      month > 12) {
    return false;
  }
  p.remove_prefix(3);
  if (p.empty()) {
    return true;
  }
  int day = 0;
  return p.size() == 3 && p[0] == '-' && ParseFixedDigits(p.substr(1, 2), &day) && day >= 1 &&
         day <= DaysInMonth(year, month);
}

}  // namespace ots
