// The release and the git revision the programs were built from, for their --version. The
// definitions are generated at build time (cmake/GitRevision.cmake).
#ifndef OTS_NODE_BASE_VERSION_H_
#define OTS_NODE_BASE_VERSION_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ots {

// The release, e.g. "0.3.0" (the VERSION of project() in CMakeLists.txt).
absl::string_view ProjectVersion();

// The abbreviated hash of the commit built, e.g. "71f43fe"; "unknown" if the sources were not a
// git checkout or git was missing. Uncommitted changes are not marked.
absl::string_view GitRevision();

// What `program --version` prints: "ots-ctl 0.3.0 (git 71f43fe)".
inline std::string VersionLine(absl::string_view program) {
  return absl::StrCat(program, " ", ProjectVersion(), " (git ", GitRevision(), ")");
}

}  // namespace ots

#endif  // OTS_NODE_BASE_VERSION_H_
