// Whole-file reading for the data readers, with transparent gzip.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/input_limits.h"

namespace tabpilot {

// The file's bytes. A path ending in ".gz" is gunzipped (concatenated gzip
// members are read in sequence). Throws NotFound if the path does not exist,
// IoError if it is not a regular file, cannot be read, or is corrupt gzip;
// InvalidInput naming the limit when the file holds more than
// limits.file_bytes or inflates to more than limits.decompressed_bytes (found
// while reading: at most that much plus one buffer is ever allocated).
// `progress`, when set, is told the bytes read so far (decompressed for
// ".gz") and the file's size on disk (0 when unknown) every
// kProgressBytes and once at the end.
using ReadBytesProgress = std::function<void(uint64_t read, uint64_t stored_size)>;
inline constexpr uint64_t kProgressBytes = uint64_t{64} << 20;
std::string ReadFileBytes(const std::filesystem::path& path, const InputLimits& limits = {},
                          const ReadBytesProgress& progress = nullptr);

// The limits ReadFileBytes applies, for readers that stream a file instead:
// InvalidInput naming the file and the limit when `stored` (its size on disk)
// exceeds limits.file_bytes, or when `inflated` (bytes a ".gz" file gave so
// far) exceeds limits.decompressed_bytes.
void CheckStoredBytes(const std::filesystem::path& path, uint64_t stored, const InputLimits& limits);
void CheckInflatedBytes(const std::filesystem::path& path, uint64_t inflated, const InputLimits& limits);

// True if the path's extension is ".gz" (case-insensitive).
bool IsGzipPath(const std::filesystem::path& path);

// The path without a trailing ".gz", so "x.arff.gz" -> "x.arff".
std::filesystem::path WithoutGzipExtension(const std::filesystem::path& path);

}  // namespace tabpilot
