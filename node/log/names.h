// The key names the federation gives its logs and witnesses (C2SP signed-note key names): the
// first line of every checkpoint and the name on its signature lines. The federation's name
// comes from the trust bundle (or, offline, from the data folder that holds its logs).
#ifndef OTS_NODE_LOG_NAMES_H_
#define OTS_NODE_LOG_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ots {

// "<federation>/log/<origin>", e.g. "ots-mx/log/AZ".
std::string LogName(absl::string_view federation, absl::string_view origin);
// "<federation>/witness/<member>", e.g. "ots-mx/witness/KZ".
std::string WitnessName(absl::string_view federation, absl::string_view member);
// Splits a log name into its federation and origin; false if `name` is no log name.
bool ParseLogName(absl::string_view name, std::string* out_federation, std::string* out_origin);
// The member whose witness name `key_name` is, or "" if it is no witness name of `federation`.
std::string WitnessMember(absl::string_view federation, absl::string_view key_name);

}  // namespace ots

#endif  // OTS_NODE_LOG_NAMES_H_
