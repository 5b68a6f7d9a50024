// Code lists of DESIGN §2 and their validators. Every code maps to a small integer so that
// validation of a million-cell return can key cells by one uint64_t.
//
// All functions are pure and thread-safe.
#ifndef OTS_NODE_MODEL_CODES_H_
#define OTS_NODE_MODEL_CODES_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace ots {

// The code of the Secretariat among the federation's members.
constexpr absl::string_view kSecretariatCode = "OTS";

// The reporting states of the federation: AZ KZ KG TR UZ (members), HU TM (observers).
bool IsFederationState(absl::string_view code);

// Returns a non-negative id for a valid code, or -1. Ids are stable only within one process.
int CitizenCodeId(absl::string_view code);  // ISO 3166-1 alpha-2, STLS, _U, _T
int StayCatCodeId(absl::string_view code);  // VISA ... _O, _T
int SexCodeId(absl::string_view code);      // F, M, _U, _T

// The id every dimension gives to `_T` (not broken down).
constexpr int kTotalCodeId = 0;

// An SDMX CL_AGE code as a half-open interval of completed years [lo, hi). Accepted forms
// (canonical decimal, no leading zeros): `Y<n>` one year; `Y<a>T<b>` years a..b (a < b);
// `Y_LT<n>` under n; `Y_GE<n>` n and over; `_U` unknown; `_T` all ages. Ages stop at 150.
struct AgeCode {
  enum Kind : uint8_t { kTotal = 0, kUnknown = 1, kRange = 2 };
  Kind kind = kTotal;
  uint16_t lo = 0;
  uint16_t hi = 0;  // kAgeOpen for open-ended ranges
  // A dense id: 0 for _T, 1 for _U, otherwise 2 + lo * 256 + hi.
  int Id() const;
};
constexpr uint16_t kMaxAge = 150;
constexpr uint16_t kAgeOpen = 255;
bool ParseAgeCode(absl::string_view code, AgeCode* out);

bool IsObsStatusCode(absl::string_view code);   // SDMX CL_OBS_STATUS, codes usable with a value
bool IsConfStatusCode(absl::string_view code);  // SDMX CL_CONF_STATUS
bool IsStockFlowCode(absl::string_view code);   // STK, FLW

// ISO 8601 reference period in one of the forms `2020`, `2020-Q2`, `2020-05`, `2020-05-14`
// (a real calendar date), years 1900..2199.
bool IsTimePeriod(absl::string_view period);

}  // namespace ots

#endif  // OTS_NODE_MODEL_CODES_H_
