#include "data/file_bytes.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "core/error.h"
#include "data/file_stream.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void TooLarge(const fs::path& path, const char* what, uint64_t limit, const char* variable) {
  throw InvalidInput(path.string() + ": " + what + " more than the limit of " + std::to_string(limit) + " bytes (" +
                     variable + ")");
}

// Reads everything up to `limit` bytes; one byte more is an error, so a small
// file that inflates without end (a "gzip bomb") costs at most the limit.
std::string ReadAll(FileStream& in, const fs::path& path, uint64_t limit, const ReadBytesProgress& progress) {
  const bool gzip = in.gzip();
  const char* what = gzip ? "inflates to" : "holds";
  const char* variable = gzip ? "TABPILOT_LIMIT_DECOMPRESSED_BYTES" : "TABPILOT_LIMIT_FILE_BYTES";
  // The buffer never grows past limit + 1: reading that last byte proves the
  // data is longer than the limit. A plain file's size is known up front (one
  // byte more finds out that it grew since).
  const uint64_t cap = limit == UINT64_MAX ? limit : limit + 1;
  uint64_t first = 1 << 20;
  if (!gzip && in.stored_size()) first = *in.stored_size() + 1;
  std::string out;
  size_t used = 0;
  uint64_t told = 0;
  const uint64_t stored = in.stored_size().value_or(0);
  out.resize(static_cast<size_t>(std::min<uint64_t>(cap, first)));
  while (true) {
    if (used == out.size()) {
      if (used >= cap) TooLarge(path, what, limit, variable);
      out.resize(static_cast<size_t>(std::min<uint64_t>(cap, uint64_t{out.size()} * 2)));
    }
    // Reads of at most kProgressBytes, so the reader hears of each.
    const size_t want = progress ? std::min<size_t>(out.size() - used, kProgressBytes) : out.size() - used;
    const size_t n = in.Read(out.data() + used, want);
    if (n == 0) break;
    used += n;
    if (progress && used - told >= kProgressBytes) {
      told = used;
      progress(used, stored);
    }
  }
  out.resize(used);
  if (progress) progress(used, stored);
  return out;
}

}  // namespace

bool IsGzipPath(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".gz";
}

fs::path WithoutGzipExtension(const fs::path& path) {
  if (!IsGzipPath(path)) return path;
  fs::path p = path;
  p.replace_extension();
  return p;
}

void CheckStoredBytes(const fs::path& path, uint64_t stored, const InputLimits& limits) {
  if (stored > limits.file_bytes) TooLarge(path, "holds", limits.file_bytes, "TABPILOT_LIMIT_FILE_BYTES");
}

void CheckInflatedBytes(const fs::path& path, uint64_t inflated, const InputLimits& limits) {
  if (inflated > limits.decompressed_bytes) {
    TooLarge(path, "inflates to", limits.decompressed_bytes, "TABPILOT_LIMIT_DECOMPRESSED_BYTES");
  }
}

std::string ReadFileBytes(const fs::path& path, const InputLimits& limits, const ReadBytesProgress& progress) {
  FileStream in(path);
  if (in.stored_size()) CheckStoredBytes(path, *in.stored_size(), limits);
  return ReadAll(in, path, in.gzip() ? limits.decompressed_bytes : limits.file_bytes, progress);
}

}  // namespace tabpilot
