// Little-endian byte writer and bounds-checked reader for the compact binary
// model formats of the learner families (the same layout rules as the linear
// and knn formats: integers little-endian, floats as their IEEE-754 bits).
//
// ByteReader never reads past its input: every read checks the remaining size
// first and fails with InvalidInput("<what_prefix>: truncated while reading ...").
// Both classes are plain values, not thread-safe; use one per (de)serialization.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

namespace tabpilot {

class ByteWriter {
 public:
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void F32(float v) { U32(std::bit_cast<uint32_t>(v)); }
  void F64(double v) { U64(std::bit_cast<uint64_t>(v)); }
  void Reserve(size_t n) { out_.reserve(n); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  // `error_prefix` starts every failure message, e.g. "corrupt mlp model".
  // Both views must outlive the reader.
  ByteReader(std::string_view bytes, std::string_view error_prefix) : bytes_(bytes), prefix_(error_prefix) {}

  void Need(size_t n, const char* what) const {
    if (bytes_.size() - pos_ < n) Fail(std::string("truncated while reading ") + what);
  }
  uint8_t U8(const char* what) {
    Need(1, what);
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  uint32_t U32(const char* what) {
    Need(4, what);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes_[pos_++])) << (8 * i);
    return v;
  }
  uint64_t U64(const char* what) {
    Need(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[pos_++])) << (8 * i);
    return v;
  }
  float F32(const char* what) { return std::bit_cast<float>(U32(what)); }
  double F64(const char* what) { return std::bit_cast<double>(U64(what)); }
  std::string_view Raw(size_t n, const char* what) {
    Need(n, what);
    std::string_view v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  size_t remaining() const { return bytes_.size() - pos_; }
  [[noreturn]] void Fail(const std::string& what) const { throw InvalidInput(std::string(prefix_) + ": " + what); }

 private:
  std::string_view bytes_;
  std::string_view prefix_;
  size_t pos_ = 0;
};

}  // namespace tabpilot
