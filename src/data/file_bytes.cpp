#include "data/file_bytes.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

void CheckRegularFile(const fs::path& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw NotFound(path.string() + ": no such file");
  if (!fs::is_regular_file(status)) throw IoError(path.string() + ": not a regular file");
}

[[noreturn]] void TooLarge(const fs::path& path, const char* what, uint64_t limit, const char* variable) {
  throw InvalidInput(path.string() + ": " + what + " more than the limit of " + std::to_string(limit) + " bytes (" +
                     variable + ")");
}

std::string ReadPlain(const fs::path& path, uint64_t limit) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw IoError(path.string() + ": cannot open: " + std::strerror(errno));
  std::string out;
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (!ec && size > limit) TooLarge(path, "holds", limit, "TABPILOT_LIMIT_FILE_BYTES");
  if (!ec) out.resize(static_cast<size_t>(size));
  size_t got = out.empty() ? 0 : std::fread(out.data(), 1, out.size(), f.get());
  if (got != out.size()) throw IoError(path.string() + ": read failed");
  // The file may have grown since we asked its size (or size was unknown).
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (n > limit - out.size()) TooLarge(path, "holds", limit, "TABPILOT_LIMIT_FILE_BYTES");
    out.append(buf, n);
  }
  if (std::ferror(f.get())) throw IoError(path.string() + ": read failed");
  return out;
}

// Inflates up to `limit` bytes; one byte more is an error, so a small file
// that inflates without end (a "gzip bomb") costs at most the limit.
std::string ReadGzip(const fs::path& path, uint64_t stored_limit, uint64_t limit) {
  std::error_code ec;
  const auto stored = fs::file_size(path, ec);
  if (!ec && stored > stored_limit) TooLarge(path, "holds", stored_limit, "TABPILOT_LIMIT_FILE_BYTES");
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw IoError(path.string() + ": cannot open");
  gzbuffer(f.get(), 1 << 18);
  // The buffer never grows past limit + 1: reading that last byte proves the
  // data is longer than the limit.
  const uint64_t cap = limit + 1;
  std::string out;
  size_t used = 0;
  out.resize(static_cast<size_t>(std::min<uint64_t>(cap, 1 << 20)));
  while (true) {
    if (used == out.size()) {
      if (used >= cap) TooLarge(path, "inflates to", limit, "TABPILOT_LIMIT_DECOMPRESSED_BYTES");
      out.resize(static_cast<size_t>(std::min<uint64_t>(cap, uint64_t{out.size()} * 2)));
    }
    size_t room = std::min<size_t>(out.size() - used, 1u << 30);
    int n = gzread(f.get(), out.data() + used, static_cast<unsigned>(room));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(f.get(), &code);
      throw IoError(path.string() + ": corrupt gzip data (" + (msg ? msg : "unknown error") + ")");
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  out.resize(used);
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

std::string ReadFileBytes(const fs::path& path, const InputLimits& limits) {
  CheckRegularFile(path);
  return IsGzipPath(path) ? ReadGzip(path, limits.file_bytes, limits.decompressed_bytes)
                          : ReadPlain(path, limits.file_bytes);
}

}  // namespace tabpilot
