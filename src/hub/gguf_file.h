// GGUF, llama.cpp's model file (versions 2 and 3): the metadata (typed
// key/value pairs: architecture, hyperparameters, the tokenizer's
// vocabulary) and the tensor table, read from a memory-mapped file. The file
// is untrusted: every count, length, type, shape and offset is checked
// against the bytes that exist before anything is allocated or read, and a
// bad file is one InvalidInput naming it and what is wrong, never a crash.
//
// Layout (little-endian): "GGUF" | u32 version | u64 tensors | u64 pairs |
// pairs (string key, u32 type, value) | tensor infos (string name, u32
// dims, u64 extent per dim, u32 ggml type, u64 offset) | padding to the
// alignment (general.alignment, default 32) | tensor data, each tensor at
// its offset from there (a multiple of the alignment). A string is u64
// length + bytes; an array is u32 element type + u64 count + elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tabpilot {

// A metadata value's type, as GGUF numbers them.
enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// A tensor's storage type (ggml's numbering); only the ones the engine reads.
enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ8_0 = 8,
  kBF16 = 30,
};

// "f32", "q8_0", ...
const char* GgmlTypeName(GgmlType type);
// Values per block and bytes per block (f32: 1 and 4; q8_0: 32 and 34).
size_t GgmlBlockValues(GgmlType type);
size_t GgmlBlockBytes(GgmlType type);

struct GgufValue {
  GgufType type = GgufType::kUint32;
  // Integers (any width, signed or not; bool as 0/1) and floats both kept
  // as what they hold; `text` for a string.
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;
  double number = 0;
  std::string text;
  // An array: its elements' type and the elements.
  GgufType element_type = GgufType::kUint8;
  std::vector<GgufValue> elements;
};

struct GgufTensor {
  std::string name;
  std::vector<uint64_t> shape;  // ggml order: shape[0] is the innermost (contiguous) extent
  GgmlType type = GgmlType::kF32;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t bytes = 0;
  const unsigned char* data = nullptr;  // into the mapped file
  uint64_t elements() const;
};

class GgufFile {
 public:
  // Maps and reads `path`. Throws NotFound for a missing file and
  // InvalidInput ("<path>: not a GGUF file", "<path>: tensor 'x' ...") for
  // anything malformed or unsupported.
  static GgufFile Open(const std::filesystem::path& path);
  // The same over bytes the caller keeps alive (tests, fuzzing).
  static GgufFile FromBytes(std::string_view bytes, const std::string& name = "<bytes>");

  uint32_t version() const { return version_; }
  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  // Null when absent.
  const GgufValue* Find(const std::string& key) const;
  const GgufTensor* FindTensor(const std::string& name) const;
  // Typed access; a missing key or another type is InvalidInput naming the
  // key (`fallback` versions return it when the key is absent).
  std::string String(const std::string& key) const;
  uint64_t Unsigned(const std::string& key) const;
  uint64_t Unsigned(const std::string& key, uint64_t fallback) const;
  double Number(const std::string& key) const;
  double Number(const std::string& key, double fallback) const;
  std::vector<std::string> Strings(const std::string& key) const;
  std::vector<double> Numbers(const std::string& key) const;

 private:
  void Parse(std::string_view bytes);

  std::string name_;
  std::shared_ptr<const void> mapping_;  // keeps the bytes alive; null for FromBytes
  uint32_t version_ = 0;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
};

}  // namespace tabpilot
