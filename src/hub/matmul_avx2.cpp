// The AVX2 + FMA + F16C kernels. This file alone is compiled with those
// instruction sets (src/hub/CMakeLists.txt); matmul.cpp calls into it only
// after asking the CPU, so the binary still runs on any x86-64.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "hub/matmul.h"

namespace tabpilot {
namespace {

// Bytes ahead of the ones being read that are asked for: the hardware
// prefetcher alone leaves these kernels waiting on memory (measured on a
// 260 MB matrix: 4-bit weights went from 13 to 23 billion values a second).
constexpr int kPrefetchAhead = 2048;

void Prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p) + kPrefetchAhead, _MM_HINT_T0); }

float Sum(__m256 v) {
  const __m128 lo = _mm256_castps256_ps128(v);
  const __m128 hi = _mm256_extractf128_ps(v, 1);
  __m128 s = _mm_add_ps(lo, hi);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

__m256 LoadF16(const unsigned char* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

__m256 LoadBf16(const unsigned char* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

// A row of f32, f16 or bf16 weights: 8 values at a time as floats, and one.
struct F32Row {
  const float* p;
  __m256 Load(int64_t i) const { return _mm256_loadu_ps(p + i); }
  float At(int64_t i) const { return p[i]; }
  const void* Address(int64_t i) const { return p + i; }
};
struct F16Row {
  const unsigned char* p;
  __m256 Load(int64_t i) const { return LoadF16(p + 2 * i); }
  float At(int64_t i) const {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    return _cvtsh_ss(h);
  }
  const void* Address(int64_t i) const { return p + 2 * i; }
};
struct Bf16Row {
  const unsigned char* p;
  __m256 Load(int64_t i) const { return LoadBf16(p + 2 * i); }
  float At(int64_t i) const {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    return Bf16ToFloat(h);
  }
  const void* Address(int64_t i) const { return p + 2 * i; }
};

// The dot products of one row with `count` (1 or 2) vectors, each summed in
// the same order (four accumulators over steps of 32, then steps of 8, then
// the tail): a vector's result is the same whichever vectors share the pass,
// and the row is read and converted once for both.
template <int count, typename Row>
void Dots(const Row& row, const float* const* x, int64_t n, float* out) {
  __m256 s[count][4];
  for (auto& v : s) {
    for (auto& a : v) a = _mm256_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    Prefetch(row.Address(i));
    Prefetch(row.Address(i + 16));
    const __m256 w[4] = {row.Load(i), row.Load(i + 8), row.Load(i + 16), row.Load(i + 24)};
    for (int v = 0; v < count; ++v) {
      for (int k = 0; k < 4; ++k) s[v][k] = _mm256_fmadd_ps(w[k], _mm256_loadu_ps(x[v] + i + 8 * k), s[v][k]);
    }
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 w = row.Load(i);
    for (int v = 0; v < count; ++v) s[v][0] = _mm256_fmadd_ps(w, _mm256_loadu_ps(x[v] + i), s[v][0]);
  }
  for (int v = 0; v < count; ++v) {
    float tail = 0;
    for (int64_t k = i; k < n; ++k) tail += row.At(k) * x[v][k];
    out[v] = Sum(_mm256_add_ps(_mm256_add_ps(s[v][0], s[v][1]), _mm256_add_ps(s[v][2], s[v][3]))) + tail;
  }
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

// Row r as floats: a view of an f32 row, else expanded into `out`.
const float* RowAsFloats(const WeightMatrix& w, int64_t r, float* out) {
  const unsigned char* row = w.Row(r);
  const int64_t cols = w.cols;
  switch (w.type) {
    case GgmlType::kF32:
      return reinterpret_cast<const float*>(row);
    case GgmlType::kF16:
      for (int64_t i = 0; i + 8 <= cols; i += 8) _mm256_storeu_ps(out + i, LoadF16(row + 2 * i));
      break;
    case GgmlType::kBF16:
      for (int64_t i = 0; i + 8 <= cols; i += 8) _mm256_storeu_ps(out + i, LoadBf16(row + 2 * i));
      break;
    default:
      DequantizeRow(w, r, out);
      return out;
  }
  for (int64_t i = cols / 8 * 8; i < cols; ++i) {  // the tail of a width that is not a multiple of 8
    uint16_t h;
    std::memcpy(&h, row + 2 * i, 2);
    out[i] = w.type == GgmlType::kF16 ? _cvtsh_ss(h) : Bf16ToFloat(h);
  }
  return out;
}

// A tile: 4 weight rows x 3 vectors, 12 sums in registers; each 8-wide step
// loads 4 + 3 vectors for 12 FMAs (one row at a time would load 2 per FMA).
void Tile4x3(const float* const* wr, const float* x, int64_t cols, int64_t tokens, float out[4][3]) {
  __m256 acc[4][3];
  for (auto& row : acc) {
    for (auto& a : row) a = _mm256_setzero_ps();
  }
  const float* xt[3] = {x, x + (tokens > 1 ? cols : 0), x + (tokens > 2 ? 2 * cols : 0)};
  int64_t i = 0;
  for (; i + 8 <= cols; i += 8) {
    const __m256 w0 = _mm256_loadu_ps(wr[0] + i);
    const __m256 w1 = _mm256_loadu_ps(wr[1] + i);
    const __m256 w2 = _mm256_loadu_ps(wr[2] + i);
    const __m256 w3 = _mm256_loadu_ps(wr[3] + i);
    for (int t = 0; t < 3; ++t) {
      const __m256 xv = _mm256_loadu_ps(xt[t] + i);
      acc[0][t] = _mm256_fmadd_ps(w0, xv, acc[0][t]);
      acc[1][t] = _mm256_fmadd_ps(w1, xv, acc[1][t]);
      acc[2][t] = _mm256_fmadd_ps(w2, xv, acc[2][t]);
      acc[3][t] = _mm256_fmadd_ps(w3, xv, acc[3][t]);
    }
  }
  for (int r = 0; r < 4; ++r) {
    for (int t = 0; t < 3; ++t) {
      float tail = 0;
      for (int64_t k = i; k < cols; ++k) tail += wr[r][k] * xt[t][k];
      out[r][t] = Sum(acc[r][t]) + tail;
    }
  }
}

void Avx2BlockDots(const WeightMatrix& w, int64_t begin, int64_t end, const float* x, int64_t n, float* y,
                   int64_t y_stride, float* scratch) {
  const int64_t cols = w.cols;
  for (int64_t r0 = begin; r0 < end; r0 += 4) {
    const float* wr[4];
    for (int k = 0; k < 4; ++k) {
      // Past the range's end a row repeats the last one; its sums are not stored.
      wr[k] = RowAsFloats(w, std::min(r0 + k, end - 1), scratch + k * cols);
    }
    const int64_t rows_here = std::min<int64_t>(4, end - r0);
    for (int64_t t0 = 0; t0 < n; t0 += 3) {
      const int64_t tokens = std::min<int64_t>(3, n - t0);
      float out[4][3];
      Tile4x3(wr, x + t0 * cols, cols, tokens, out);
      for (int64_t r = 0; r < rows_here; ++r) {
        for (int64_t t = 0; t < tokens; ++t) y[(t0 + t) * y_stride + r0 + r] = out[r][t];
      }
    }
  }
}

template <typename Row>
void DotsOf(const Row& row, const float* const* x, int count, int64_t n, float* out) {
  if (count == 2) {
    Dots<2>(row, x, n, out);
  } else {
    Dots<1>(row, x, n, out);
  }
}

void Avx2RowDots(const WeightMatrix& w, int64_t r, const float* x, int64_t n, float* y, int64_t y_stride,
                 float* /*scratch*/) {
  // Two vectors per pass over the row, each summed as it is alone: a
  // token's result does not depend on what else is in the batch.
  const unsigned char* row = w.Row(r);
  const int64_t cols = w.cols;
  for (int64_t t = 0; t < n; t += 2) {
    const int count = t + 1 < n ? 2 : 1;
    const float* xs[2] = {x + t * cols, x + (t + count - 1) * cols};
    float out[2] = {0, 0};
    switch (w.type) {
      case GgmlType::kF32:
        DotsOf(F32Row{reinterpret_cast<const float*>(row)}, xs, count, cols, out);
        break;
      case GgmlType::kF16:
        DotsOf(F16Row{row}, xs, count, cols, out);
        break;
      case GgmlType::kBF16:
        DotsOf(Bf16Row{row}, xs, count, cols, out);
        break;
      case GgmlType::kQ8_0:
        for (int v = 0; v < count; ++v) out[v] = DotQ8(row, xs[v], cols);
        break;
      case GgmlType::kQ4_0:
        for (int v = 0; v < count; ++v) out[v] = DotQ4(row, xs[v], cols);
        break;
    }
    for (int v = 0; v < count; ++v) y[(t + v) * y_stride] = out[v];
  }
}

// e^x for 8 floats (Cephes' expf: 2^n * a degree-5 polynomial on
// [-ln2/2, ln2/2]; relative error about 2e-7), saturating outside +-88.
__m256 Exp(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-88.0f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// GELU's tanh form as x - x / (1 + e^(2z)) (= x/2 (1 + tanh z)).
void Avx2Gelu(float* v, int64_t n) {
  const __m256 k = _mm256_set1_ps(0.7978845608028654f);
  const __m256 c = _mm256_set1_ps(0.044715f);
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(v + i);
    const __m256 z = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(c, x), _mm256_mul_ps(x, x), x));
    const __m256 e = Exp(_mm256_add_ps(z, z));
    _mm256_storeu_ps(v + i, _mm256_sub_ps(x, _mm256_div_ps(x, _mm256_add_ps(one, e))));
  }
  for (; i < n; ++i) {
    const float x = v[i];
    v[i] = 0.5f * x * (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
  }
}

void Avx2SiluMul(float* g, const float* u, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 zero = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(g + i);
    const __m256 s = _mm256_div_ps(x, _mm256_add_ps(one, Exp(_mm256_sub_ps(zero, x))));
    _mm256_storeu_ps(g + i, _mm256_mul_ps(s, _mm256_loadu_ps(u + i)));
  }
  for (; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void Avx2Quantize(const float* x, int64_t cols, QuantizedVector* out) {
  const int64_t blocks = cols / 32;
  out->scale.resize(static_cast<size_t>(blocks));
  out->q.resize(static_cast<size_t>(cols));
  out->sum.resize(static_cast<size_t>(blocks));
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < blocks; ++b) {
    const float* xb = x + b * 32;
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(xb + 8 * k);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v[k]));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    const float d = _mm_cvtss_f32(m) / 127.0f;
    out->scale[static_cast<size_t>(b)] = d;
    const __m256 id = _mm256_set1_ps(d != 0 ? 1.0f / d : 0.0f);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      q[k] =
          _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[k], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    // int32 x 32 -> int8 x 32, back in order (the packs interleave 128-bit lanes).
    const __m256i q16a = _mm256_packs_epi32(q[0], q[1]);
    const __m256i q16b = _mm256_packs_epi32(q[2], q[3]);
    __m256i q8 = _mm256_packs_epi16(q16a, q16b);
    q8 = _mm256_permutevar8x32_epi32(q8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out->q.data() + b * 32), q8);
    const __m256i s32 = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    out->sum[static_cast<size_t>(b)] = _mm_cvtsi128_si32(s);
  }
}

// Row r against `count` quantized vectors; each block is loaded and
// unpacked once, and each vector's sum runs as it would alone.
template <int count>
void QuantizedDots(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, float* out) {
  const unsigned char* row = w.Row(r);
  const int64_t blocks = w.cols / 32;
  __m256 acc[count];
  for (auto& a : acc) a = _mm256_setzero_ps();
  const bool q8 = w.type == GgmlType::kQ8_0;
  const __m128i low_mask = _mm_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  for (int64_t b = 0; b < blocks; ++b) {
    const unsigned char* block = row + b * (q8 ? 34 : 18);
    Prefetch(block);
    uint16_t h;
    std::memcpy(&h, block, 2);
    __m256i qw;
    if (q8) {
      qw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 2));
    } else {  // q4_0: nibbles 0-15 less 8; low nibbles are values 0-15, high nibbles 16-31
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
      const __m128i lo = _mm_and_si128(packed, low_mask);
      const __m128i hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low_mask);
      qw = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), eight);
    }
    const __m256i magnitude = _mm256_sign_epi8(qw, qw);
    const float dw = _cvtsh_ss(h);
    for (int v = 0; v < count; ++v) {
      const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[v]->q.data() + b * 32));
      // |w| (unsigned) times x with w's sign: maddubs cannot multiply two signed.
      const __m256i dot16 = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(qx, qw));
      const __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(dot16, _mm256_set1_epi16(1)));
      acc[v] = _mm256_fmadd_ps(_mm256_set1_ps(dw * x[v]->scale[static_cast<size_t>(b)]), dot, acc[v]);
    }
  }
  for (int v = 0; v < count; ++v) out[v] = Sum(acc[v]);
}

void Avx2QuantizedRowDots(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, int count, float* out) {
  switch (count) {
    case 1:
      return QuantizedDots<1>(w, r, x, out);
    case 2:
      return QuantizedDots<2>(w, r, x, out);
    case 3:
      return QuantizedDots<3>(w, r, x, out);
    default:
      return QuantizedDots<4>(w, r, x, out);
  }
}

}  // namespace

const MatMulKernels& Avx2Kernels() {
  static const MatMulKernels kKernels{"avx2",       &Avx2RowDots,  &Avx2BlockDots,       &Avx2Gelu,
                                      &Avx2SiluMul, &Avx2Quantize, &Avx2QuantizedRowDots};
  return kKernels;
}

}  // namespace tabpilot
