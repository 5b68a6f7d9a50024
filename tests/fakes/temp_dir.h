// A fresh folder under /tmp, removed with everything in it when the object goes away.
#ifndef OTS_TESTS_FAKES_TEMP_DIR_H_
#define OTS_TESTS_FAKES_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ots {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ots-test.XXXXXX";
    char* made = mkdtemp(tmpl);
    path_ = made == nullptr ? std::string() : std::string(made);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ots

#endif  // OTS_TESTS_FAKES_TEMP_DIR_H_
