// The integer kernels for 8- and 4-bit weights (hub/matmul.h): for every
// kernel set this CPU runs, a product of q8_0 / q4_0 rows with several
// vectors equals the exact product of the dequantized rows with the vectors
// as the kernel quantized them (the integer part is exact; only the float
// sums round), whatever the number of vectors (a prompt) and with an odd
// last block; one vector alone gives the same bits as in a batch.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "hub/matmul.h"
#include "hub/spin_pool.h"
#include "hub/weight_matrix.h"

namespace tabpilot {
namespace {

// f16 bits of a small positive scale, exactly representable.
uint16_t HalfOf(float v) {
  // v = m * 2^e with m in [1, 2): sign 0, exponent e + 15, 10 mantissa bits.
  int e = 0;
  const float m = std::frexp(v, &e) * 2.0f;  // [1, 2)
  const auto mantissa = static_cast<uint16_t>(std::lround((m - 1.0f) * 1024.0f));
  return static_cast<uint16_t>(((e - 1 + 15) << 10) | mantissa);
}

// rows x cols weights of `type` with random scales and values (q8_0 from
// -128 to 127, the most negative included).
std::vector<unsigned char> RandomRows(GgmlType type, int64_t rows, int64_t cols, std::mt19937& rng) {
  const int64_t blocks = cols / 32;
  const size_t block_bytes = type == GgmlType::kQ8_0 ? 34 : 18;
  std::vector<unsigned char> bytes(static_cast<size_t>(rows * blocks) * block_bytes);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.002f, 0.05f);
  for (size_t b = 0; b < static_cast<size_t>(rows * blocks); ++b) {
    unsigned char* block = bytes.data() + b * block_bytes;
    const uint16_t h = HalfOf(scale(rng));
    std::memcpy(block, &h, 2);
    for (size_t i = 2; i < block_bytes; ++i) block[i] = static_cast<unsigned char>(byte(rng));
  }
  return bytes;
}

TEST(QuantizedMatMul, EveryKernelSetGivesTheExactProductOfWhatItQuantized) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  SpinPool pool(2);
  const int64_t rows = 37;
  for (const int64_t cols : {int64_t{64}, int64_t{96}, int64_t{352}}) {  // 2, 3 and 11 blocks
    for (const GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0}) {
      std::vector<unsigned char> bytes = RandomRows(type, rows, cols, rng);
      WeightMatrix w;
      w.type = type;
      w.rows = rows;
      w.cols = cols;
      w.row_bytes = bytes.size() / static_cast<size_t>(rows);
      w.data = bytes.data();
      std::vector<float> dequantized(static_cast<size_t>(rows * cols));
      for (int64_t r = 0; r < rows; ++r) DequantizeRow(w, r, dequantized.data() + r * cols);
      for (const int64_t n : {int64_t{1}, int64_t{6}}) {  // a generated token; a prompt (a group of 4 and 2)
        std::vector<float> x(static_cast<size_t>(n * cols));
        for (float& v : x) v = normal(rng);
        for (const MatMulKernels* k : AvailableKernels()) {
          if (k->quantized_row_dots == nullptr) continue;
          std::vector<float> y(static_cast<size_t>(n * rows));
          MatMul(w, x.data(), n, y.data(), pool, *k);
          for (int64_t v = 0; v < n; ++v) {
            QuantizedVector q;
            k->quantize(x.data() + v * cols, cols, &q);
            for (int64_t r = 0; r < rows; ++r) {
              double exact = 0;
              double magnitude = 0;
              for (int64_t i = 0; i < cols; ++i) {
                const double term = static_cast<double>(dequantized[static_cast<size_t>(r * cols + i)]) *
                                    q.scale[static_cast<size_t>(i / 32)] * q.q[static_cast<size_t>(i)];
                exact += term;
                magnitude += std::fabs(term);
              }
              EXPECT_NEAR(y[static_cast<size_t>(v * rows + r)], exact, 1e-5 * magnitude + 1e-6)
                  << k->name << " " << (type == GgmlType::kQ8_0 ? "q8_0" : "q4_0") << " cols " << cols << " row " << r
                  << " vector " << v;
            }
            // The vector alone: the same bits as in the batch.
            std::vector<float> alone(static_cast<size_t>(rows));
            MatMul(w, x.data() + v * cols, 1, alone.data(), pool, *k);
            for (int64_t r = 0; r < rows; ++r) {
              ASSERT_EQ(alone[static_cast<size_t>(r)], y[static_cast<size_t>(v * rows + r)]) << k->name << " " << r;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tabpilot
