// Content fingerprints of input files and folders, for step cache keys and
// lineage. A folder's hash covers its files' relative paths and contents
// (sorted), so a copy elsewhere hashes the same.
#pragma once

#include <filesystem>
#include <string>

namespace tabpilot {

// 16 hex digits. Throws NotFound when `path` does not exist, IoError when it
// cannot be read.
std::string HashPath(const std::filesystem::path& path);

// 16 hex digits of FNV-1a over `text`.
std::string HashText(const std::string& text);

}  // namespace tabpilot
