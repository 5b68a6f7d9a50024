// What every private key file of ours promises (STYLE §11), checked the same way for each kind of
// key: written with mode 0600 whatever the umask, never overwritten, read back as the same key,
// and refused, naming the file, once group or others may read it.
#ifndef OTS_TESTS_FAKES_KEY_FILES_H_
#define OTS_TESTS_FAKES_KEY_FILES_H_

#include <sys/stat.h>

#include <string>

#include <catch2/catch.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"

namespace ots {

// The permission bits of `path`.
inline unsigned FileMode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode) & 07777;
}

// Saves `key` as `path` (which must not exist) and checks the file: mode 0600, not overwritten by
// a second save, read back by `load` as a key `same` as `key`, and refused by `load` (naming the
// path) while it is mode 0644. Leaves the file mode 0600.
template <typename Key>
void CheckPrivateKeyFile(const Key& key, const std::string& path,
                         absl::StatusOr<Key> (*load)(const std::string&),
                         bool (*same)(const Key&, const Key&)) {
  REQUIRE(key.SavePemFile(path).ok());
  CHECK(FileMode(path) == 0600);
  const absl::Status again = key.SavePemFile(path);
  CHECK(absl::IsAlreadyExists(again));
  CHECK(absl::StrContains(again.message(), path));
  absl::StatusOr<Key> loaded = load(path);
  REQUIRE(loaded.ok());
  CHECK(same(*loaded, key));

  REQUIRE(chmod(path.c_str(), 0644) == 0);
  absl::StatusOr<Key> open = load(path);
  REQUIRE_FALSE(open.ok());
  CHECK(absl::StrContains(open.status().message(), path));
  CHECK(absl::StrContains(open.status().message(), "readable by group or others"));
  REQUIRE(chmod(path.c_str(), 0600) == 0);
}

}  // namespace ots

#endif  // OTS_TESTS_FAKES_KEY_FILES_H_
