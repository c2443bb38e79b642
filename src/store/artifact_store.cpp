#include "store/artifact_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
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
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  if (ec) throw IoError("cannot list " + dir.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw IoError("cannot list " + dir.string() + ": " + ec.message());
    const fs::path& p = it->path();
    std::string rel = fs::relative(p, dir).generic_string();
    if (fs::is_directory(p)) {
      out.emplace_back(rel, true);
    } else if (fs::is_regular_file(p)) {
      out.emplace_back(rel, false);
    } else {
      throw InvalidInput("cannot store " + p.string() + ": not a regular file or folder");
    }
  }
  if (ec) throw IoError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
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
  if (!fs::exists(p, ec)) return false;
  try {
    return (fs::is_directory(p) ? HashDirectory(p) : HashFile(p)) == hash;
  } catch (const Error&) {
    return false;
  }
}

std::string ArtifactStore::HashFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFound("file not found: " + path.string());
  if (!fs::is_regular_file(path, ec)) throw InvalidInput(path.string() + " is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string());
  Sha256 h;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw IoError("cannot read " + path.string());
  return h.FinishHex();
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
      h.Update("f " + rel + "\n" + std::to_string(fs::file_size(file)) + "\n" + HashFile(file) + "\n");
    }
  }
  return h.FinishHex();
}

std::string ArtifactStore::PutDirectory(const fs::path& src) {
  std::error_code ec;
  if (!fs::exists(src, ec)) throw NotFound("folder not found: " + src.string());
  if (!fs::is_directory(src, ec)) throw InvalidInput(src.string() + " is not a folder");
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
      fs::copy_file(src / rel, to, fs::copy_options::overwrite_existing, ec);
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
  if (!fs::exists(src, ec)) throw NotFound("file not found: " + src.string());
  if (!fs::is_regular_file(src, ec)) throw InvalidInput(src.string() + " is not a regular file");
  fs::create_directories(root_, ec);
  if (ec) throw IoError("cannot create artifact store " + root_.string() + ": " + ec.message());
  StagingGuard staging(TempSiblingPath(root_ / "put"));
  fs::copy_file(src, staging.path(), ec);
  if (ec) throw IoError("cannot copy " + src.string() + " into the artifact store: " + ec.message());
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
