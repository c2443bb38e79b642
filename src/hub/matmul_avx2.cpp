// The AVX2 + FMA + F16C kernels. This file alone is compiled with those
// instruction sets (src/hub/CMakeLists.txt); matmul.cpp calls into it only
// after asking the CPU, so the binary still runs on any x86-64.
#include <immintrin.h>

#include <cstring>

#include "hub/matmul.h"

namespace tabpilot {
namespace {

float Sum(__m256 v) {
  const __m128 lo = _mm256_castps256_ps128(v);
  const __m128 hi = _mm256_extractf128_ps(v, 1);
  __m128 s = _mm_add_ps(lo, hi);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

float DotF32(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  return Sum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))) + tail;
}

__m256 LoadF16(const unsigned char* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

__m256 LoadBf16(const unsigned char* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

float DotF16(const unsigned char* row, const float* x, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(LoadF16(row + 2 * i), _mm256_loadu_ps(x + i), s0);
    s1 = _mm256_fmadd_ps(LoadF16(row + 2 * i + 16), _mm256_loadu_ps(x + i + 8), s1);
  }
  float tail = 0;
  for (; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, row + 2 * i, 2);
    tail += _cvtsh_ss(h) * x[i];
  }
  return Sum(_mm256_add_ps(s0, s1)) + tail;
}

float DotBf16(const unsigned char* row, const float* x, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(LoadBf16(row + 2 * i), _mm256_loadu_ps(x + i), s0);
    s1 = _mm256_fmadd_ps(LoadBf16(row + 2 * i + 16), _mm256_loadu_ps(x + i + 8), s1);
  }
  float tail = 0;
  for (; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, row + 2 * i, 2);
    tail += Bf16ToFloat(h) * x[i];
  }
  return Sum(_mm256_add_ps(s0, s1)) + tail;
}

__m256 Int8ToFloat(__m128i eight_bytes) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(eight_bytes)); }

float DotQ8(const unsigned char* row, const float* x, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / 32; ++b) {
    const unsigned char* block = row + b * 34;
    uint16_t h;
    std::memcpy(&h, block, 2);
    const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
    const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 18));
    const float* xb = x + b * 32;
    __m256 s = _mm256_mul_ps(Int8ToFloat(q0), _mm256_loadu_ps(xb));
    s = _mm256_fmadd_ps(Int8ToFloat(_mm_srli_si128(q0, 8)), _mm256_loadu_ps(xb + 8), s);
    s = _mm256_fmadd_ps(Int8ToFloat(q1), _mm256_loadu_ps(xb + 16), s);
    s = _mm256_fmadd_ps(Int8ToFloat(_mm_srli_si128(q1, 8)), _mm256_loadu_ps(xb + 24), s);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(h)), s, acc);
  }
  return Sum(acc);
}

float DotQ4(const unsigned char* row, const float* x, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  const __m128i low_mask = _mm_set1_epi8(0x0F);
  const __m128i eight = _mm_set1_epi8(8);
  for (int64_t b = 0; b < n / 32; ++b) {
    const unsigned char* block = row + b * 18;
    uint16_t h;
    std::memcpy(&h, block, 2);
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(packed, low_mask), eight);                     // values 0-15
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(packed, 4), low_mask), eight);  // values 16-31
    const float* xb = x + b * 32;
    __m256 s = _mm256_mul_ps(Int8ToFloat(lo), _mm256_loadu_ps(xb));
    s = _mm256_fmadd_ps(Int8ToFloat(_mm_srli_si128(lo, 8)), _mm256_loadu_ps(xb + 8), s);
    s = _mm256_fmadd_ps(Int8ToFloat(hi), _mm256_loadu_ps(xb + 16), s);
    s = _mm256_fmadd_ps(Int8ToFloat(_mm_srli_si128(hi, 8)), _mm256_loadu_ps(xb + 24), s);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(h)), s, acc);
  }
  return Sum(acc);
}

void Avx2RowDots(const WeightMatrix& w, int64_t r, const float* x, int64_t n, float* y, int64_t y_stride,
                 float* scratch) {
  const unsigned char* row = w.Row(r);
  const int64_t cols = w.cols;
  if (n > 1 && w.type != GgmlType::kF32) {
    // A batch: expand the row once, then plain dots.
    DequantizeRow(w, r, scratch);
    for (int64_t t = 0; t < n; ++t) y[t * y_stride] = DotF32(scratch, x + t * cols, cols);
    return;
  }
  for (int64_t t = 0; t < n; ++t) {
    const float* xt = x + t * cols;
    float v = 0;
    switch (w.type) {
      case GgmlType::kF32:
        v = DotF32(reinterpret_cast<const float*>(row), xt, cols);
        break;
      case GgmlType::kF16:
        v = DotF16(row, xt, cols);
        break;
      case GgmlType::kBF16:
        v = DotBf16(row, xt, cols);
        break;
      case GgmlType::kQ8_0:
        v = DotQ8(row, xt, cols);
        break;
      case GgmlType::kQ4_0:
        v = DotQ4(row, xt, cols);
        break;
    }
    y[t * y_stride] = v;
  }
}

}  // namespace

const MatMulKernels& Avx2Kernels() {
  static const MatMulKernels kKernels{"avx2", &Avx2RowDots};
  return kKernels;
}

}  // namespace tabpilot
