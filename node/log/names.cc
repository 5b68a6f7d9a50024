#include "node/log/names.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ots {

std::string LogName(absl::string_view federation, absl::string_view origin) {
  return absl::StrCat(federation, "/log/", origin);
}

std::string WitnessName(absl::string_view federation, absl::string_view member) {
  return absl::StrCat(federation, "/witness/", member);
}

std::string WitnessMember(absl::string_view federation, absl::string_view key_name) {
  const std::string prefix = WitnessName(federation, "");
  if (!absl::ConsumePrefix(&key_name, prefix) || key_name.empty()) {
    return "";
  }
  return std::string(key_name);
}

}  // namespace ots
