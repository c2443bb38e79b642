#include "data/file_stream.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.h"
#include "data/file_bytes.h"

namespace tabpilot {

namespace fs = std::filesystem;

// One of the two is open: a plain FILE or a zlib gzip stream.
struct FileStream::Handle {
  std::FILE* plain = nullptr;
  gzFile gz = nullptr;
  ~Handle() {
    if (plain) std::fclose(plain);
    if (gz) gzclose(gz);
  }
};

FileStream::FileStream(const fs::path& path) : path_(path), handle_(std::make_unique<Handle>()) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw NotFound(path.string() + ": no such file");
  if (!fs::is_regular_file(status)) throw IoError(path.string() + ": not a regular file");
  const auto size = fs::file_size(path, ec);
  if (!ec) stored_size_ = size;
  gzip_ = IsGzipPath(path);
  if (gzip_) {
    handle_->gz = gzopen(path.c_str(), "rb");
    if (!handle_->gz) throw IoError(path.string() + ": cannot open");
    gzbuffer(handle_->gz, 1 << 18);
  } else {
    handle_->plain = std::fopen(path.c_str(), "rb");
    if (!handle_->plain) throw IoError(path.string() + ": cannot open: " + std::strerror(errno));
  }
}

FileStream::~FileStream() = default;
FileStream::FileStream(FileStream&&) noexcept = default;
FileStream& FileStream::operator=(FileStream&&) noexcept = default;

size_t FileStream::Read(char* out, size_t size) {
  if (!gzip_) {
    const size_t n = std::fread(out, 1, size, handle_->plain);
    if (n < size && std::ferror(handle_->plain)) throw IoError(path_.string() + ": read failed");
    return n;
  }
  // gzread takes an unsigned count and returns an int.
  const int n = gzread(handle_->gz, out, static_cast<unsigned>(std::min<size_t>(size, 1u << 30)));
  if (n < 0) {
    int code = 0;
    const char* msg = gzerror(handle_->gz, &code);
    throw IoError(path_.string() + ": corrupt gzip data (" + (msg ? msg : "unknown error") + ")");
  }
  return static_cast<size_t>(n);
}

}  // namespace tabpilot
