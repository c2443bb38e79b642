// A weight matrix as the model file stores it: rows of `cols` values in one
// of ggml's storage types (f32, f16, bf16, or the block-quantized q8_0 and
// q4_0), viewed in place in the mapped file, never copied. Row r is the
// weights of output r; a product reads each row once and converts its
// values inside the kernel (matmul.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hub/gguf_file.h"

namespace tabpilot {

struct WeightMatrix {
  GgmlType type = GgmlType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;
  const unsigned char* data = nullptr;  // rows * row_bytes bytes, owned by the file's mapping
  std::string name;

  const unsigned char* Row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
  // Bytes a full pass over the matrix reads.
  size_t bytes() const { return static_cast<size_t>(rows) * row_bytes; }
};

// The view of a 1- or 2-dimensional GGUF tensor (a vector is one row).
WeightMatrix ViewOf(const GgufTensor& tensor);

// f16 and bf16 bit patterns to float.
float HalfToFloat(uint16_t h);
inline float Bf16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  __builtin_memcpy(&f, &bits, 4);
  return f;
}

// Row `r` of `w` as floats (cols of them) into `out`.
void DequantizeRow(const WeightMatrix& w, int64_t r, float* out);
// A whole matrix as floats (rows * cols): small vectors (norms, biases).
std::vector<float> Dequantize(const WeightMatrix& w);

// Block layouts (ggml): 32 values with one f16 scale each.
struct BlockQ8_0 {
  uint16_t scale;  // f16
  int8_t q[32];    // value = q * scale
};
struct BlockQ4_0 {
  uint16_t scale;  // f16
  uint8_t q[16];   // value i (< 16): low nibble of q[i]; value 16 + i: high nibble; value = (nibble - 8) * scale
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18);

}  // namespace tabpilot
