#include "pipeline/content_hash.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/hash.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

std::string Hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

uint64_t HashFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string());
  uint64_t h = 0xcbf29ce484222325ULL;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    h = Fnv1a64(std::string_view(buf.data(), static_cast<size_t>(n)), h);
  }
  return h;
}

}  // namespace

std::string HashText(const std::string& text) { return Hex(Fnv1a64(text)); }

std::string HashPath(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFound("no such file or folder " + path.string());
  if (!fs::is_directory(path, ec)) return Hex(HashFile(path));
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), path));
  }
  if (ec) throw IoError("cannot list " + path.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  uint64_t h = Fnv1a64("dir");
  for (const auto& rel : files) {
    h = Fnv1a64(rel.generic_string(), h);
    h = Mix64(h ^ HashFile(path / rel));
  }
  return Hex(h);
}

}  // namespace tabpilot
