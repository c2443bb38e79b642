// Atomic writes: data goes to a temporary sibling, is fsync'ed, then renamed
// over the destination, so readers see the old file or the new one, never half.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace tabpilot {

// Writes `content` to `path` atomically. Throws IoError naming the path.
void WriteFileAtomic(const std::filesystem::path& path, std::string_view content);

// Reads a whole file. Throws NotFound if it does not exist, IoError otherwise.
std::string ReadFile(const std::filesystem::path& path);

// A temporary sibling path "<name>.tmp-<pid>-<n>" of `target`, in the same folder
// (so rename is atomic). Unique within this process.
std::filesystem::path TempSiblingPath(const std::filesystem::path& target);

// Builds a directory atomically: files are written into a temporary sibling
// folder, and Commit() renames it over `target` (replacing an old one). If the
// object dies without Commit() the temporary folder is removed.
class AtomicDirectory {
 public:
  explicit AtomicDirectory(std::filesystem::path target);
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  // Where to write the files while building.
  const std::filesystem::path& staging() const { return staging_; }
  // fsyncs the staged files and moves them into place.
  void Commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

// An output file written through a temp path: write to path(), then Commit().
// Destroyed without Commit() it removes the temp file.
class AtomicOutputFile {
 public:
  explicit AtomicOutputFile(std::filesystem::path target);
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;
  const std::filesystem::path& path() const { return temp_; }
  void Commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

}  // namespace tabpilot
