#include "hub/weight_matrix.h"

#include <cstring>

#include "core/error.h"

namespace tabpilot {

WeightMatrix ViewOf(const GgufTensor& tensor) {
  if (tensor.shape.empty() || tensor.shape.size() > 2) {
    throw InvalidInput("tensor '" + tensor.name + "' has " + std::to_string(tensor.shape.size()) +
                       " dimensions; a weight has 1 or 2");
  }
  WeightMatrix w;
  w.type = tensor.type;
  w.cols = static_cast<int64_t>(tensor.shape[0]);
  w.rows = tensor.shape.size() == 2 ? static_cast<int64_t>(tensor.shape[1]) : 1;
  w.row_bytes = static_cast<size_t>(w.cols) / GgmlBlockValues(w.type) * GgmlBlockBytes(w.type);
  w.data = tensor.data;
  w.name = tensor.name;
  return w;
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits = 0;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
    }
  } else if (exponent == 0x1F) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void DequantizeRow(const WeightMatrix& w, int64_t r, float* out) {
  const unsigned char* row = w.Row(r);
  switch (w.type) {
    case GgmlType::kF32:
      std::memcpy(out, row, static_cast<size_t>(w.cols) * 4);
      return;
    case GgmlType::kF16:
      for (int64_t c = 0; c < w.cols; ++c) {
        uint16_t h;
        std::memcpy(&h, row + 2 * c, 2);
        out[c] = HalfToFloat(h);
      }
      return;
    case GgmlType::kBF16:
      for (int64_t c = 0; c < w.cols; ++c) {
        uint16_t h;
        std::memcpy(&h, row + 2 * c, 2);
        out[c] = Bf16ToFloat(h);
      }
      return;
    case GgmlType::kQ8_0:
      for (int64_t b = 0; b < w.cols / 32; ++b) {
        BlockQ8_0 block;
        std::memcpy(&block, row + b * 34, 34);
        const float d = HalfToFloat(block.scale);
        for (int i = 0; i < 32; ++i) out[b * 32 + i] = static_cast<float>(block.q[i]) * d;
      }
      return;
    case GgmlType::kQ4_0:
      for (int64_t b = 0; b < w.cols / 32; ++b) {
        BlockQ4_0 block;
        std::memcpy(&block, row + b * 18, 18);
        const float d = HalfToFloat(block.scale);
        for (int i = 0; i < 16; ++i) {
          out[b * 32 + i] = static_cast<float>((block.q[i] & 0x0F) - 8) * d;
          out[b * 32 + 16 + i] = static_cast<float>((block.q[i] >> 4) - 8) * d;
        }
      }
      return;
  }
  throw Internal("DequantizeRow: unknown storage type");
}

std::vector<float> Dequantize(const WeightMatrix& w) {
  std::vector<float> out(static_cast<size_t>(w.rows * w.cols));
  for (int64_t r = 0; r < w.rows; ++r) DequantizeRow(w, r, out.data() + r * w.cols);
  return out;
}

}  // namespace tabpilot
