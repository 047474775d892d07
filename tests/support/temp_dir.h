// TempDir: a fresh directory under $TMPDIR (mkdtemp), removed with everything in it when the
// object dies. Owns the directory; not copyable.
#pragma once

#include <filesystem>
#include <string>

namespace patbot::testing {

class TempDir {
 public:
  // Throws std::runtime_error when no directory can be made.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory (nothing is created).
  std::string file(const std::string& name) const;
  // Writes `content` to `name` with mode 0600 whatever the umask (patbot refuses secret files
  // that group or others may write) and returns its path. The parent directory must exist.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace patbot::testing
