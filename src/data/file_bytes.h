// Whole-file reading for the data readers, with transparent gzip.
#pragma once

#include <filesystem>
#include <string>

#include "core/input_limits.h"

namespace tabpilot {

// The file's bytes. A path ending in ".gz" is gunzipped (concatenated gzip
// members are read in sequence). Throws NotFound if the path does not exist,
// IoError if it is not a regular file, cannot be read, or is corrupt gzip;
// InvalidInput naming the limit when the file holds more than
// limits.file_bytes or inflates to more than limits.decompressed_bytes (found
// while reading: at most that much plus one buffer is ever allocated).
std::string ReadFileBytes(const std::filesystem::path& path, const InputLimits& limits = {});

// True if the path's extension is ".gz" (case-insensitive).
bool IsGzipPath(const std::filesystem::path& path);

// The path without a trailing ".gz", so "x.arff.gz" -> "x.arff".
std::filesystem::path WithoutGzipExtension(const std::filesystem::path& path);

}  // namespace tabpilot
