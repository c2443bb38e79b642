// Reading a data file block by block, gunzipping a ".gz" path on the fly
// (zlib's stream: concatenated gzip members are read in sequence), so a
// reader holds one block, not the file. ReadFileBytes (file_bytes.h) and
// the chunk reader (csv_chunk_reader.h) read through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

namespace tabpilot {

// Move-only owner of an open data file. Not thread-safe.
class FileStream {
 public:
  // Opens `path`. Throws NotFound if it does not exist, IoError if it is not
  // a regular file or cannot be opened.
  explicit FileStream(const std::filesystem::path& path);
  ~FileStream();
  FileStream(FileStream&&) noexcept;
  FileStream& operator=(FileStream&&) noexcept;
  FileStream(const FileStream&) = delete;
  FileStream& operator=(const FileStream&) = delete;

  // Reads up to `size` bytes (gunzipped for a ".gz" path) into `out`; 0 at
  // the end of the data. Throws IoError naming the file on a read error or
  // corrupt gzip data.
  size_t Read(char* out, size_t size);

  bool gzip() const { return gzip_; }
  // The file's size on disk (compressed for ".gz"), if the system knows it.
  std::optional<uint64_t> stored_size() const { return stored_size_; }

 private:
  struct Handle;
  std::filesystem::path path_;
  std::unique_ptr<Handle> handle_;
  bool gzip_ = false;
  std::optional<uint64_t> stored_size_;
};

}  // namespace tabpilot
