// Little-endian byte writer and bounds-checked reader for the compact binary
// model formats of the learner families (linear, knn, mlp, oblivious_boost,
// the forests): integers little-endian, floats as their IEEE-754 bits.
// XGBoost models are the exception: their trees are libxgboost's own UBJSON.
//
// ByteReader never reads past its input: every read checks the remaining size
// first and fails with InvalidInput("<error_prefix>: truncated while reading ...").
// Both classes are plain values, not thread-safe; use one per (de)serialization.
//
// Every format starts with the same model header, written by WriteModelHeader
// and read and validated by ReadModelHeader:
//   8-byte magic | u32 format version | u8 task | u32 num_classes
// and (in the current version of every format) ends with a u64 FNV-1a
// checksum of every preceding byte, written by ByteWriter::TakeSealed and
// checked by ByteReader::Unseal, so damaged bytes are rejected rather than
// loaded as a different model.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/hash.h"
#include "data/task.h"

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
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void F32(float v) { U32(std::bit_cast<uint32_t>(v)); }
  void F64(double v) { U64(std::bit_cast<uint64_t>(v)); }
  // The floats of `v` back to back (the same bytes as F32 on each).
  void Floats(const std::vector<float>& v) {
    if constexpr (std::endian::native == std::endian::little) {
      Raw(v.data(), v.size() * sizeof(float));
    } else {
      for (float f : v) F32(f);
    }
  }
  void Reserve(size_t n) { out_.reserve(n); }
  size_t size() const { return out_.size(); }
  std::string Take() { return std::move(out_); }
  // The bytes followed by the u64 FNV-1a checksum of all of them (see Unseal).
  std::string TakeSealed() {
    U64(Fnv1a64(out_));
    return std::move(out_);
  }

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
  int32_t I32(const char* what) { return static_cast<int32_t>(U32(what)); }
  float F32(const char* what) { return std::bit_cast<float>(U32(what)); }
  double F64(const char* what) { return std::bit_cast<double>(U64(what)); }
  std::string_view Raw(size_t n, const char* what) {
    Need(n, what);
    std::string_view v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // `n` floats written by ByteWriter::Floats (or n F32s).
  std::vector<float> Floats(size_t n, const char* what) {
    // Division, not n * 4: a garbage count must not overflow the check.
    if (n > remaining() / sizeof(float)) Fail(std::string("truncated while reading ") + what);
    std::vector<float> v(n);
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(v.data(), bytes_.data() + pos_, n * sizeof(float));
      pos_ += n * sizeof(float);
    } else {
      for (float& f : v) f = F32(what);
    }
    return v;
  }
  // For bytes written by ByteWriter::TakeSealed: checks the trailing checksum
  // against every byte before it (also those already read) and leaves the
  // trailer out of what the reader reads next. Fails with "checksum mismatch"
  // or "truncated".
  void Unseal() {
    if (bytes_.size() - pos_ < 8) Fail("truncated while reading the checksum");
    const std::string_view body = bytes_.substr(0, bytes_.size() - 8);
    uint64_t stored = 0;
    for (int i = 0; i < 8; ++i)
      stored |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[body.size() + i])) << (8 * i);
    if (Fnv1a64(body) != stored) Fail("checksum mismatch (the bytes were damaged or cut short)");
    bytes_ = body;
  }
  size_t remaining() const { return bytes_.size() - pos_; }
  [[noreturn]] void Fail(const std::string& what) const { throw InvalidInput(std::string(prefix_) + ": " + what); }

 private:
  std::string_view bytes_;
  std::string_view prefix_;
  size_t pos_ = 0;
};

// The most classes a serialized multiclass model may declare (guards against
// huge allocations driven by garbage bytes).
inline constexpr uint32_t kMaxSerializedClasses = 1u << 20;

// The header fields shared by the learner formats, once validated.
struct ModelHeader {
  Task task = Task::kBinary;
  uint32_t num_classes = 0;  // 2 for binary, 2..kMaxSerializedClasses for multiclass, 1 for regression
  uint32_t version = 0;      // the format version read
};

// Writes magic | u32 version | u8 task | u32 num_classes.
inline void WriteModelHeader(ByteWriter& w, std::string_view magic, uint32_t version, Task task, int num_classes) {
  w.Raw(magic.data(), magic.size());
  w.U32(version);
  w.U8(static_cast<uint8_t>(task));
  w.U32(static_cast<uint32_t>(num_classes));
}

// Reads the header WriteModelHeader wrote and checks it: the magic must equal
// `magic` (else "bad magic (not <model_name>)", e.g. model_name "a knn model"),
// the version must be in oldest_version..version (just `version` when
// oldest_version is 0; a format that grew keeps reading its older files), the
// task code must be known and the class count must fit the task. Failures go through r.Fail, so they carry r's prefix.
// The checks run as soon as each field is read, before the caller reads the
// family-specific rest of its header.
inline ModelHeader ReadModelHeader(ByteReader& r, std::string_view magic, uint32_t version, std::string_view model_name,
                                   uint32_t oldest_version = 0) {
  if (r.Raw(magic.size(), "magic") != magic) r.Fail("bad magic (not " + std::string(model_name) + ")");
  const uint32_t got_version = r.U32("version");
  const uint32_t oldest = oldest_version == 0 ? version : oldest_version;
  if (got_version > version || got_version < oldest) {
    r.Fail("unsupported format version " + std::to_string(got_version) + " (this build reads " +
           (oldest == version ? std::to_string(version) : std::to_string(oldest) + ".." + std::to_string(version)) +
           ")");
  }
  const uint8_t task_code = r.U8("task");
  if (task_code > static_cast<uint8_t>(Task::kRegression)) r.Fail("unknown task " + std::to_string(task_code));
  ModelHeader h;
  h.task = static_cast<Task>(task_code);
  h.num_classes = r.U32("num_classes");
  h.version = got_version;
  if (h.task == Task::kBinary && h.num_classes != 2) {
    r.Fail("binary model with " + std::to_string(h.num_classes) + " classes");
  }
  if (h.task == Task::kMulticlass && (h.num_classes < 2 || h.num_classes > kMaxSerializedClasses)) {
    r.Fail("bad class count " + std::to_string(h.num_classes));
  }
  if (h.task == Task::kRegression && h.num_classes != 1) r.Fail("regression model with num_classes != 1");
  return h;
}

}  // namespace tabpilot
