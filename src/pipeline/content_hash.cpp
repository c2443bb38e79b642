#include "pipeline/content_hash.h"

#include "core/error.h"
#include "core/sha256.h"
#include "store/artifact_store.h"

namespace tabpilot {
namespace fs = std::filesystem;

std::string HashText(const std::string& text) { return Sha256Hex(text); }

std::string HashPath(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFound("no such file or folder " + path.string());
  return fs::is_directory(path, ec) ? ArtifactStore::HashDirectory(path) : ArtifactStore::HashFile(path);
}

}  // namespace tabpilot
