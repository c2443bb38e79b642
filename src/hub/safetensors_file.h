// safetensors, Hugging Face's tensor file: u64 header length | a JSON
// header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
// "__metadata__": {...}} | the data. Read from a memory map as untrusted
// bytes: the header's size, every dtype, shape and offset are checked
// against the file before a tensor is used; a tensor is a view, never a copy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/gguf_file.h"

namespace tabpilot {

struct SafeTensor {
  std::string name;
  GgmlType type = GgmlType::kF32;  // F32, F16 and BF16 are read; other dtypes are refused by name
  std::vector<uint64_t> shape;     // outermost first (row-major), as the file says
  const unsigned char* data = nullptr;
  uint64_t bytes = 0;
};

class SafetensorsFile {
 public:
  // NotFound for a missing file; InvalidInput naming the file for anything malformed.
  static SafetensorsFile Open(const std::filesystem::path& path);
  // The same over bytes the caller keeps alive (tests, fuzzing).
  static SafetensorsFile FromBytes(std::string_view bytes, const std::string& name = "<bytes>");

  const std::map<std::string, SafeTensor>& tensors() const { return tensors_; }
  const SafeTensor* Find(const std::string& name) const;

 private:
  void Parse(std::string_view bytes);

  std::string name_;
  std::shared_ptr<const void> mapping_;  // keeps the bytes alive; null for FromBytes
  std::map<std::string, SafeTensor> tensors_;
};

}  // namespace tabpilot
