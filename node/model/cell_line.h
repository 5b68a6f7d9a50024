// The canonical cell line (DESIGN §3.1, docs/formats.md §1): the ten fields of one cell,
// "REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,STOCK_FLOW",
// joined by commas. Codes never contain a comma, so a line splits at its nine commas.
#ifndef OTS_NODE_MODEL_CELL_LINE_H_
#define OTS_NODE_MODEL_CELL_LINE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace ots {

// The columns of a cell line, in their order.
enum CellColumn : int {
  kRefArea = 0,
  kTimePeriod,
  kCitizen,
  kStayCat,
  kSex,
  kAge,
  kObsValue,
  kObsStatus,
  kConfStatus,
  kStockFlow,
};
constexpr size_t kCellColumnCount = 10;
// Their names, as SDMX-CSV headers.
constexpr const char* kCellColumns[kCellColumnCount] = {
    "REF_AREA", "TIME_PERIOD", "CITIZEN",    "STAY_CAT",    "SEX",
    "AGE",      "OBS_VALUE",   "OBS_STATUS", "CONF_STATUS", "STOCK_FLOW"};

// The column named `name` (as in kCellColumns), or -1.
int CellColumnIndex(absl::string_view name);

// The ten fields of one cell line, as views into the line's bytes (which must outlive it).
// A value type; cheap to copy.
class CellLineView {
 public:
  // Splits `line` at its commas. False, leaving `*out` unspecified, unless it has exactly ten
  // fields.
  static bool Parse(absl::string_view line, CellLineView* out);

  absl::string_view operator[](int column) const { return fields_[column]; }
  absl::string_view ref_area() const { return fields_[kRefArea]; }
  absl::string_view time_period() const { return fields_[kTimePeriod]; }
  absl::string_view citizen() const { return fields_[kCitizen]; }
  absl::string_view stay_cat() const { return fields_[kStayCat]; }
  absl::string_view sex() const { return fields_[kSex]; }
  absl::string_view age() const { return fields_[kAge]; }
  absl::string_view obs_value_text() const { return fields_[kObsValue]; }
  absl::string_view obs_status() const { return fields_[kObsStatus]; }
  absl::string_view conf_status() const { return fields_[kConfStatus]; }
  absl::string_view stock_flow() const { return fields_[kStockFlow]; }
  bool is_flow() const { return fields_[kStockFlow] == "FLW"; }

  // OBS_VALUE as a number: false unless it is a canonical decimal (digits only, no leading
  // zero) that fits in 64 bits.
  bool ObsValue(uint64_t* out) const;

 private:
  std::array<absl::string_view, kCellColumnCount> fields_;
};

}  // namespace ots

#endif  // OTS_NODE_MODEL_CELL_LINE_H_
