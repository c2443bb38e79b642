#include "store/artifact_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

bool IsHash(const std::string& hash) {
  return hash.size() == 64 &&
         std::all_of(hash.begin(), hash.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Entries of a folder tree: relative '/'-separated path and whether it is a folder, sorted by path bytes.
std::vector<std::pair<std::string, bool>> ListTree(const fs::path& dir) {
  std::vector<std::pair<std::string, bool>> out;
  std::error_code ec;
  // Links are never followed: a bundle folder holding a link to a private
  // key must not copy the key into a shared store.
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) throw IoError("cannot list " + dir.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw IoError("cannot list " + dir.string() + ": " + ec.message());
    const fs::path& p = it->path();
    std::string rel = fs::relative(p, dir).generic_string();
    const fs::file_status st = it->symlink_status(ec);
    if (ec) throw IoError("cannot inspect " + p.string() + ": " + ec.message());
    if (fs::is_directory(st)) {
      out.emplace_back(rel, true);
    } else if (fs::is_regular_file(st)) {
      out.emplace_back(rel, false);
    } else if (fs::is_symlink(st)) {
      throw InvalidInput(p.string() + " is a symbolic link; the artifact store copies only regular files and folders");
    } else {
      throw InvalidInput(p.string() + " is not a regular file or folder");
    }
  }
  if (ec) throw IoError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Opens a regular file for reading, by default without following a link at
// its last component; the type is checked on the open descriptor, so swapping
// the file for a link or a FIFO after a listing does not get it read.
int OpenRegularFile(const fs::path& p, bool follow_link = false) {
  const int fd = ::open(p.c_str(), O_RDONLY | (follow_link ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP)
      throw InvalidInput(p.string() + " is a symbolic link; the artifact store reads only regular files");
    if (errno == ENOENT) throw NotFound("file not found: " + p.string());
    throw IoError("cannot open " + p.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InvalidInput(p.string() + " is not a regular file");
  }
  return fd;
}

// Copies `from` to a new file `to` (which must not exist), streaming bytes
// from the descriptor OpenRegularFile checked.
void CopyRegularFile(const fs::path& from, const fs::path& to) {
  const int in = OpenRegularFile(from);
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0) {
    const int err = errno;
    ::close(in);
    throw IoError("cannot create " + to.string() + ": " + std::strerror(err));
  }
  std::vector<char> buf(1 << 20);
  std::string failure;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failure = "cannot read " + from.string() + ": " + std::strerror(errno);
      break;
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        failure = "cannot write " + to.string() + ": " + std::strerror(errno);
        break;
      }
      done += w;
    }
    if (!failure.empty()) break;
  }
  ::close(in);
  if (::close(out) != 0 && failure.empty()) failure = "cannot write " + to.string() + ": " + std::strerror(errno);
  if (!failure.empty()) throw IoError(failure);
}

// SHA-256 of what is left to read from `fd`, which it closes.
std::string HashOpenFile(int fd, const fs::path& path) {
  Sha256 h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw IoError("cannot read " + path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return h.FinishHex();
}

void FsyncPath(const fs::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw IoError("cannot open " + p.string() + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw IoError("cannot sync " + p.string());
}

void MakeReadOnly(const fs::path& p) {
  std::error_code ec;
  fs::permissions(p, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read, ec);
}

// Removes a staging path if the Put did not finish.
class StagingGuard {
 public:
  explicit StagingGuard(fs::path p) : path_(std::move(p)) {}
  ~StagingGuard() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  StagingGuard(const StagingGuard&) = delete;
  StagingGuard& operator=(const StagingGuard&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Moves a finished staging copy to its content address; if an identical copy
// got there first, the staging copy is dropped by the guard.
void Publish(const StagingGuard& staging, const fs::path& final_path) {
  std::error_code ec;
  fs::rename(staging.path(), final_path, ec);
  if (ec && !fs::exists(final_path)) {
    throw IoError("cannot move artifact into " + final_path.string() + ": " + ec.message());
  }
  FsyncPath(final_path.parent_path(), true);
}

}  // namespace

ArtifactStore::ArtifactStore(fs::path root) : root_(std::move(root)) {}

fs::path ArtifactStore::Path(const std::string& hash) const {
  if (!IsHash(hash)) throw InvalidInput("'" + hash + "' is not an artifact hash (64 lowercase hex characters)");
  return root_ / hash.substr(0, 2) / hash;
}

bool ArtifactStore::Exists(const std::string& hash) const {
  std::error_code ec;
  return fs::exists(Path(hash), ec);
}

bool ArtifactStore::Verify(const std::string& hash) const {
  const fs::path p = Path(hash);
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(p, ec);
  if (!fs::exists(st) || fs::is_symlink(st)) return false;
  try {
    return (fs::is_directory(st) ? HashDirectory(p) : HashFile(p)) == hash;
  } catch (const Error&) {
    return false;
  }
}

fs::path ArtifactStore::VerifiedPath(const std::string& hash) const {
  const fs::path p = Path(hash);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(p, ec))) throw NotFound("artifact " + hash + " is missing from " + root_.string());
  if (!Verify(hash)) {
    throw InvalidInput("artifact " + p.string() + " no longer matches its hash (damaged or tampered with); not used");
  }
  return p;
}

std::string ArtifactStore::HashFile(const fs::path& path) {
  return HashOpenFile(OpenRegularFile(path, /*follow_link=*/true), path);
}

std::string ArtifactStore::HashDirectory(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFound("folder not found: " + path.string());
  if (!fs::is_directory(path, ec)) throw InvalidInput(path.string() + " is not a folder");
  Sha256 h;
  for (const auto& [rel, is_dir] : ListTree(path)) {
    if (is_dir) {
      h.Update("d " + rel + "\n");
    } else {
      const fs::path file = path / rel;
      h.Update("f " + rel + "\n" + std::to_string(fs::file_size(file)) + "\n" +
               HashOpenFile(OpenRegularFile(file), file) + "\n");
    }
  }
  return h.FinishHex();
}

std::string ArtifactStore::PutDirectory(const fs::path& src) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(src, ec);
  if (!fs::exists(st)) throw NotFound("folder not found: " + src.string());
  if (fs::is_symlink(st)) {
    throw InvalidInput(src.string() + " is a symbolic link; the artifact store copies only regular files and folders");
  }
  if (!fs::is_directory(st)) throw InvalidInput(src.string() + " is not a folder");
  fs::create_directories(root_, ec);
  if (ec) throw IoError("cannot create artifact store " + root_.string() + ": " + ec.message());
  // Copying a folder that holds the store would copy the copy being made.
  const fs::path src_abs = fs::weakly_canonical(src), root_abs = fs::weakly_canonical(root_);
  if (std::mismatch(src_abs.begin(), src_abs.end(), root_abs.begin(), root_abs.end()).first == src_abs.end()) {
    throw InvalidInput("cannot store " + src.string() + ": it contains the artifact store " + root_.string());
  }
  // Stage at the root, so the final rename stays within one file system.
  StagingGuard staging(TempSiblingPath(root_ / "put"));
  fs::create_directory(staging.path(), ec);
  if (ec) throw IoError("cannot create " + staging.path().string() + ": " + ec.message());
  const auto entries = ListTree(src);
  for (const auto& [rel, is_dir] : entries) {
    const fs::path to = staging.path() / rel;
    if (is_dir) {
      fs::create_directories(to, ec);
    } else {
      CopyRegularFile(src / rel, to);
    }
    if (ec) throw IoError("cannot copy " + (src / rel).string() + " into the artifact store: " + ec.message());
  }
  // Name the copy by what was actually copied (src could change meanwhile).
  std::string hash = HashDirectory(staging.path());
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const fs::path p = staging.path() / it->first;
    FsyncPath(p, it->second);
    if (!it->second) MakeReadOnly(p);
  }
  FsyncPath(staging.path(), true);
  const fs::path final_path = Path(hash);
  if (fs::exists(final_path, ec)) return hash;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) throw IoError("cannot create " + final_path.parent_path().string() + ": " + ec.message());
  Publish(staging, final_path);
  return hash;
}

std::string ArtifactStore::PutFile(const fs::path& src) {
  std::error_code ec;
  ::close(OpenRegularFile(src));  // NotFound, or InvalidInput for a link or a non-regular file
  fs::create_directories(root_, ec);
  if (ec) throw IoError("cannot create artifact store " + root_.string() + ": " + ec.message());
  StagingGuard staging(TempSiblingPath(root_ / "put"));
  CopyRegularFile(src, staging.path());
  std::string hash = HashFile(staging.path());
  FsyncPath(staging.path(), false);
  MakeReadOnly(staging.path());
  const fs::path final_path = Path(hash);
  if (fs::exists(final_path, ec)) return hash;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) throw IoError("cannot create " + final_path.parent_path().string() + ": " + ec.message());
  Publish(staging, final_path);
  return hash;
}

}  // namespace tabpilot
