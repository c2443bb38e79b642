// Content fingerprints of input files and folders, for step cache keys and
// lineage: SHA-256, as the artifact store names content (a folder's hash
// covers its files' relative paths, sizes and contents, sorted, so a copy
// elsewhere hashes the same). A shared store's cache is keyed by these: a
// 64-bit hash would let a crafted input collide with another's key.
#pragma once

#include <filesystem>
#include <string>

namespace tabpilot {

// 64 hex digits (ArtifactStore::HashFile / HashDirectory). Throws NotFound
// when `path` does not exist, IoError when it cannot be read.
std::string HashPath(const std::filesystem::path& path);

// 64 hex digits: the SHA-256 of `text`.
std::string HashText(const std::string& text);

}  // namespace tabpilot
