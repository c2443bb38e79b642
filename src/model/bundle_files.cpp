#include "model/bundle_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "core/error.h"

namespace tabpilot {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool IsId(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

bool ConsumePrefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(std::string_view& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return true;
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::vector<std::string> Components(const std::string& rel) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= rel.size()) {
    const size_t slash = rel.find('/', start);
    out.push_back(rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

[[noreturn]] void FailOpen(int err) {
  if (err == ENOENT) throw NotFound("file is missing");
  if (err == ELOOP) throw InvalidInput("file or folder is a symbolic link (a bundle holds regular files only)");
  if (err == ENOTDIR) throw InvalidInput("a folder on the file's path is not a directory");
  throw IoError(std::string("cannot open the file: ") + std::strerror(err));
}

// Opens dir/rel for reading without following a symlink anywhere below
// `dir`, and checks it is a regular file; returns the descriptor and its size.
Fd OpenRegular(const std::filesystem::path& dir, const std::string& rel, uint64_t* size) {
  if (!IsBundleFileName(rel)) throw InvalidInput("not a file name a bundle may hold");
  Fd at(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (at.get() < 0) {
    if (errno == ENOENT) throw NotFound("the bundle folder is missing");
    throw IoError("cannot open " + dir.string() + ": " + std::strerror(errno));
  }
  const std::vector<std::string> parts = Components(rel);
  int current = at.get();
  std::vector<Fd> held;  // the directories opened so far, closed on return
  held.reserve(parts.size());
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const int next = ::openat(current, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      const int err = errno;
      // O_DIRECTORY reports a symlink as "not a directory": say which it is.
      struct stat link {};
      if (err == ENOTDIR && ::fstatat(current, parts[i].c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(link.st_mode)) {
        FailOpen(ELOOP);
      }
      FailOpen(err);
    }
    held.emplace_back(next);
    current = next;
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is rejected below.
  Fd file(::openat(current, parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) FailOpen(errno);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw IoError(std::string("cannot stat the file: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw InvalidInput("file is not a regular file");
  *size = static_cast<uint64_t>(st.st_size);
  return file;
}

std::string ReadAll(const Fd& fd, uint64_t size) {
  std::string bytes(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(std::string("cannot read the file: ") + std::strerror(errno));
    if (n == 0) throw InvalidInput("file is truncated (it changed while being read)");
    done += static_cast<size_t>(n);
  }
  char extra = 0;
  if (::read(fd.get(), &extra, 1) > 0) throw InvalidInput("file changed while being read");
  return bytes;
}

}  // namespace

bool IsBundleFileName(std::string_view rel) {
  if (rel == "manifest.json" || rel == "digest.json" || rel == "leaderboard.json" || rel == "leaderboard.csv" ||
      rel == "background.csv") {
    return true;
  }
  std::string_view s = rel;
  if (ConsumePrefix(s, "features/")) return ConsumeSuffix(s, ".json") && IsId(s);
  if (ConsumePrefix(s, "reports/")) return ConsumeSuffix(s, ".json") && IsId(s);
  if (!ConsumePrefix(s, "members/")) return false;
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos || !IsId(s.substr(0, slash))) return false;
  s.remove_prefix(slash + 1);
  if (s == "full.bin") return true;
  if (!ConsumePrefix(s, "fold_") || !ConsumeSuffix(s, ".bin")) return false;
  if (s.empty() || s.size() > 6) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string ReadBundleFile(const std::filesystem::path& dir, const std::string& rel, uint64_t expected_size) {
  uint64_t size = 0;
  const Fd fd = OpenRegular(dir, rel, &size);
  if (size != expected_size) {
    throw InvalidInput("file is truncated or changed (" + std::to_string(size) + " bytes, expected " +
                       std::to_string(expected_size) + ")");
  }
  return ReadAll(fd, size);
}

std::string ReadBundleFileUpTo(const std::filesystem::path& dir, const std::string& rel, uint64_t max_bytes) {
  uint64_t size = 0;
  const Fd fd = OpenRegular(dir, rel, &size);
  if (size > max_bytes) {
    throw InvalidInput("file has " + std::to_string(size) + " bytes, more than the limit of " +
                       std::to_string(max_bytes));
  }
  return ReadAll(fd, size);
}

}  // namespace tabpilot
