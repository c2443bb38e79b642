#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.h"

namespace tabpilot {
namespace fs = std::filesystem;

namespace {

std::string Errno() { return std::strerror(errno); }

void FsyncPath(const fs::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return;  // best effort: fsync is durability, not correctness
  ::fsync(fd);
  ::close(fd);
}

// fsync whose failure is an error: the bytes renamed into place must be on
// disk (a late ENOSPC or EIO shows up here, not in write).
void FsyncChecked(int fd, const fs::path& shown) {
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
    throw IoError("cannot write " + shown.string() + ": " + Errno());
  }
}

void FsyncFileChecked(const fs::path& p, const fs::path& shown) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError("cannot write " + shown.string() + ": " + Errno());
  try {
    FsyncChecked(fd, shown);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

void FsyncTree(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    FsyncPath(it->path(), it->is_directory());
  }
  FsyncPath(dir, true);
}

fs::path ParentOrDot(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

}  // namespace

fs::path TempSiblingPath(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  fs::path name = target.filename();
  if (name.empty()) name = target.parent_path().filename();
  return ParentOrDot(target) /
         ("." + name.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

void WriteFileAtomic(const fs::path& path, std::string_view content) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  fs::path tmp = TempSiblingPath(path);
  // O_EXCL | O_NOFOLLOW: never write through a file or symlink someone put
  // at the temporary name.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError("cannot write " + path.string() + ": " + Errno());
  auto fail = [&](const std::string& why) {
    if (fd >= 0) ::close(fd);
    fs::remove(tmp, ec);
    throw IoError("cannot write " + path.string() + ": " + why);
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(Errno());
    }
    done += static_cast<size_t>(n);
  }
  // A failed fsync or close means the bytes may not be there: the old file stays.
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) fail(Errno());
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) fail(Errno());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = Errno();
    fs::remove(tmp, ec);
    throw IoError("cannot write " + path.string() + ": " + why);
  }
  FsyncPath(ParentOrDot(path), true);
}

std::string ReadFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFound("file not found: " + path.string());
  if (fs::is_directory(path, ec)) throw InvalidInput(path.string() + " is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string() + ": " + Errno());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError("cannot read " + path.string());
  return std::move(ss).str();
}

AtomicDirectory::AtomicDirectory(fs::path target) : target_(std::move(target)) {
  std::error_code ec;
  if (target_.has_parent_path()) fs::create_directories(target_.parent_path(), ec);
  staging_ = TempSiblingPath(target_);
  fs::create_directories(staging_, ec);
  if (ec) throw IoError("cannot create " + staging_.string() + ": " + ec.message());
}

AtomicDirectory::~AtomicDirectory() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

void AtomicDirectory::Commit() {
  FsyncTree(staging_);
  std::error_code ec;
  fs::path old;
  // An existing folder is swapped with the new one in one step (readers see
  // the old or the new, never neither); the old one then sits at the staging
  // name and is removed.
  if (fs::is_directory(target_, ec) &&
      ::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
    committed_ = true;
    fs::remove_all(staging_, ec);
    FsyncPath(ParentOrDot(target_), true);
    return;
  }
  if (fs::exists(target_, ec)) {
    // No RENAME_EXCHANGE on this file system: two renames.
    // rename(2) cannot replace a non-empty directory: move the old one aside first.
    old = TempSiblingPath(target_);
    fs::rename(target_, old, ec);
    if (ec) throw IoError("cannot replace " + target_.string() + ": " + ec.message());
  }
  fs::rename(staging_, target_, ec);
  if (ec) {
    std::error_code ignored;
    if (!old.empty()) fs::rename(old, target_, ignored);
    throw IoError("cannot write " + target_.string() + ": " + ec.message());
  }
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
  FsyncPath(ParentOrDot(target_), true);
}

AtomicOutputFile::AtomicOutputFile(fs::path target) : target_(std::move(target)) {
  std::error_code ec;
  if (target_.has_parent_path()) fs::create_directories(target_.parent_path(), ec);
  temp_ = TempSiblingPath(target_);
}

AtomicOutputFile::~AtomicOutputFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicOutputFile::Commit() {
  FsyncFileChecked(temp_, target_);
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw IoError("cannot write " + target_.string() + ": " + ec.message());
  committed_ = true;
  FsyncPath(ParentOrDot(target_), true);
}

}  // namespace tabpilot
