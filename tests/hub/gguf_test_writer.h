// A GGUF writer for tests: the files the engine's tests read are made by the
// tests (GGUF v3 as llama.cpp writes it: little-endian, 32-byte alignment
// unless general.alignment says otherwise, tensors in the order added).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace tabpilot::testing {

class GgufWriter {
 public:
  void U8(uint8_t v) { meta_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Raw(&meta_, &v, 4); }
  void U64(uint64_t v) { Raw(&meta_, &v, 8); }
  void Str(const std::string& s) {
    U64(s.size());
    meta_ += s;
  }

  // Metadata pairs (GGUF value types 4, 6, 8, 9 of 8, 10, 5).
  void KeyU32(const std::string& key, uint32_t v) {
    Key(key, 4);
    U32(v);
    ++pairs_;
  }
  void KeyF32(const std::string& key, float v) {
    Key(key, 6);
    Raw(&meta_, &v, 4);
    ++pairs_;
  }
  void KeyI32(const std::string& key, int32_t v) {
    Key(key, 5);
    Raw(&meta_, &v, 4);
    ++pairs_;
  }
  void KeyU64(const std::string& key, uint64_t v) {
    Key(key, 10);
    U64(v);
    ++pairs_;
  }
  void KeyStr(const std::string& key, const std::string& v) {
    Key(key, 8);
    Str(v);
    ++pairs_;
  }
  void KeyStrings(const std::string& key, const std::vector<std::string>& v) {
    Key(key, 9);
    U32(8);
    U64(v.size());
    for (const std::string& s : v) Str(s);
    ++pairs_;
  }
  void KeyFloats(const std::string& key, const std::vector<float>& v) {
    Key(key, 9);
    U32(6);
    U64(v.size());
    for (float f : v) Raw(&meta_, &f, 4);
    ++pairs_;
  }

  // A tensor of ggml `type` with `shape` (innermost first) and its bytes.
  void Tensor(const std::string& name, const std::vector<uint64_t>& shape, uint32_t type, const std::string& bytes) {
    std::string info;
    AppendStr(&info, name);
    const auto dims = static_cast<uint32_t>(shape.size());
    Raw(&info, &dims, 4);
    for (uint64_t d : shape) Raw(&info, &d, 8);
    Raw(&info, &type, 4);
    const uint64_t offset = data_.size();
    Raw(&info, &offset, 8);
    infos_ += info;
    data_ += bytes;
    while (data_.size() % alignment_ != 0) data_.push_back('\0');
    ++tensors_;
  }
  void Alignment(uint32_t a) {
    KeyU32("general.alignment", a);
    alignment_ = a;
  }

  std::string Bytes(uint32_t version = 3) const {
    std::string out = "GGUF";
    Raw(&out, &version, 4);
    Raw(&out, &tensors_, 8);
    Raw(&out, &pairs_, 8);
    out += meta_;
    out += infos_;
    while (out.size() % alignment_ != 0) out.push_back('\0');
    return out + data_;
  }

  static std::string Floats(const std::vector<float>& v) {
    std::string out(v.size() * 4, '\0');
    std::memcpy(out.data(), v.data(), out.size());
    return out;
  }

 private:
  void Key(const std::string& key, uint32_t type) {
    Str(key);
    U32(type);
  }
  static void Raw(std::string* out, const void* p, size_t n) { out->append(static_cast<const char*>(p), n); }
  static void AppendStr(std::string* out, const std::string& s) {
    const uint64_t n = s.size();
    Raw(out, &n, 8);
    *out += s;
  }

  std::string meta_, infos_, data_;
  uint64_t pairs_ = 0, tensors_ = 0;
  uint32_t alignment_ = 32;
};

}  // namespace tabpilot::testing
