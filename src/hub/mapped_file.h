// A file mapped read-only into memory for the model readers (GGUF,
// safetensors): its pages are read at open (MAP_POPULATE), since every
// generated token reads every weight. Unmapped when the last holder goes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

namespace tabpilot {

class MappedFile {
 public:
  // NotFound for a missing file, InvalidInput for one that is not a regular
  // file, IoError when it cannot be read or mapped.
  static std::shared_ptr<const MappedFile> Open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const;

 private:
  MappedFile() = default;
  void* address_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tabpilot
