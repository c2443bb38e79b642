// A bundle's files read as untrusted input: a name must follow the bundle's
// own layout, every path component below the bundle folder must be a real
// directory or a regular file (no symlink, device or FIFO), and a file's
// size is checked against what the manifest says before it is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tabpilot {

// Whether `rel` is a name a bundle may hold: "manifest.json", "digest.json",
// "leaderboard.json", "leaderboard.csv", "features/<id>.json" or
// "members/<name>/fold_<k>.bin" or "members/<name>/full.bin", where <id> and <name> are 1-128 characters
// of [A-Za-z0-9_-] and <k> is 1-6 digits.
bool IsBundleFileName(std::string_view rel);

// Reads `dir`/`rel` (`rel` must pass IsBundleFileName), opening each
// component without following symlinks. Throws InvalidInput when a component
// is a symlink or not a directory, the file is not a regular file, or its
// size is not `expected_size` (checked before reading); NotFound when it is
// missing; IoError when reading fails. Messages do not repeat `rel`: the
// caller says which file.
std::string ReadBundleFile(const std::filesystem::path& dir, const std::string& rel, uint64_t expected_size);

// Like ReadBundleFile for a file whose size is not known beforehand: any
// size up to `max_bytes` (larger is an InvalidInput).
std::string ReadBundleFileUpTo(const std::filesystem::path& dir, const std::string& rel, uint64_t max_bytes);

}  // namespace tabpilot
