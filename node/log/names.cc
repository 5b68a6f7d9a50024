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

bool ParseLogName(absl::string_view name, std::string* out_federation, std::string* out_origin) {
  const size_t at = name.rfind("/log/");
  if (at == absl::string_view::npos || at == 0 || at + 5 == name.size()) {
    return false;
  }
  *out_federation = std::string(name.substr(0, at));
  *out_origin = std::string(name.substr(at + 5));
  return true;
}

std::string WitnessMember(absl::string_view federation, absl::string_view key_name) {
  const std::string prefix = WitnessName(federation, "");
  if (!absl::ConsumePrefix(&key_name, prefix) || key_name.empty()) {
    return "";
  }
  return std::string(key_name);
}

}  // namespace ots
