// Integer products on AVX-512 VNNI: vpdpbusd multiplies 64 unsigned by 64
// signed bytes and adds them in fours into 16 int32 lanes, two q8_0/q4_0
// blocks per instruction (AVX2 needs two instructions per block). Built with
// those instruction sets (src/hub/CMakeLists.txt) and called only after
// asking the CPU; everything else is the AVX2 kernels'.
#include <immintrin.h>

#include <cstring>

#include "hub/matmul.h"

namespace tabpilot {
namespace {

// Bytes ahead of the block being read that are asked for: the hardware
// prefetcher alone leaves the 4-bit kernel waiting on memory at half the
// bandwidth the 16-bit one gets.
constexpr int kPrefetchAhead = 2048;

float Scale(const unsigned char* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return _cvtsh_ss(h);
}

// Lanes 0-7 scaled by a, lanes 8-15 by b.
__m512 Scales(float a, float b) { return _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(a), _mm512_set1_ps(b)); }

// Row r (q8_0) against `count` quantized vectors, two blocks per step.
template <int count>
void DotsQ8(const unsigned char* row, int64_t blocks, const QuantizedVector* const* x, float* out) {
  __m512 acc[count];
  for (auto& a : acc) a = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    const unsigned char* b0 = row + b * 34;
    const unsigned char* b1 = b0 + 34;
    _mm_prefetch(reinterpret_cast<const char*>(b0) + kPrefetchAhead, _MM_HINT_T0);
    const __m512i w =
        _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2))),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 2)), 1);
    const __m512i magnitude = _mm512_abs_epi8(w);
    const __mmask64 negative = _mm512_movepi8_mask(w);
    const float w0 = Scale(b0);
    const float w1 = Scale(b1);
    for (int v = 0; v < count; ++v) {
      const __m512i xv = _mm512_loadu_si512(x[v]->q.data() + b * 32);
      // |w| (unsigned) times x with w's sign.
      const __m512i xs = _mm512_mask_sub_epi8(xv, negative, _mm512_setzero_si512(), xv);
      const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), magnitude, xs);
      const float d0 = w0 * x[v]->scale[static_cast<size_t>(b)];
      const float d1 = w1 * x[v]->scale[static_cast<size_t>(b) + 1];
      acc[v] = _mm512_fmadd_ps(Scales(d0, d1), _mm512_cvtepi32_ps(dot), acc[v]);
    }
  }
  for (int v = 0; v < count; ++v) {
    float total = _mm512_reduce_add_ps(acc[v]);
    for (int64_t t = b; t < blocks; ++t) {  // an odd last block
      const unsigned char* block = row + t * 34;
      int32_t s = 0;
      for (int i = 0; i < 32; ++i) s += static_cast<int8_t>(block[2 + i]) * x[v]->q[static_cast<size_t>(t * 32 + i)];
      total += Scale(block) * x[v]->scale[static_cast<size_t>(t)] * static_cast<float>(s);
    }
    out[v] = total;
  }
}

// q4_0 against `count` quantized vectors: nibbles n in 0-15 stand for n - 8;
// the sum of n * x comes from vpdpbusd directly (n is unsigned), and 8 *
// sum(x) is taken off per block.
template <int count>
void DotsQ4(const unsigned char* row, int64_t blocks, const QuantizedVector* const* x, float* out) {
  __m512 acc[count];
  float offset[count];  // sum over blocks of scale * sum(x)
  for (int v = 0; v < count; ++v) {
    acc[v] = _mm512_setzero_ps();
    offset[v] = 0;
  }
  const __m256i low = _mm256_set1_epi8(0x0F);
  // [lo0, lo1, hi0, hi1] (128-bit pieces) -> [lo0, hi0, lo1, hi1]: values 0-31 of each block in order.
  const __m512i order = _mm512_setr_epi64(0, 1, 4, 5, 2, 3, 6, 7);
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    const unsigned char* b0 = row + b * 18;
    const unsigned char* b1 = b0 + 18;
    _mm_prefetch(reinterpret_cast<const char*>(b0) + kPrefetchAhead, _MM_HINT_T0);
    const __m256i packed = _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b1 + 2)),
                                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(b0 + 2)));
    const __m256i lo = _mm256_and_si256(packed, low);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low);
    const __m512i w = _mm512_permutexvar_epi64(order, _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1));
    const float w0 = Scale(b0);
    const float w1 = Scale(b1);
    for (int v = 0; v < count; ++v) {
      const __m512i xv = _mm512_loadu_si512(x[v]->q.data() + b * 32);
      const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, xv);
      const float d0 = w0 * x[v]->scale[static_cast<size_t>(b)];
      const float d1 = w1 * x[v]->scale[static_cast<size_t>(b) + 1];
      acc[v] = _mm512_fmadd_ps(Scales(d0, d1), _mm512_cvtepi32_ps(dot), acc[v]);
      offset[v] += d0 * static_cast<float>(x[v]->sum[static_cast<size_t>(b)]) +
                   d1 * static_cast<float>(x[v]->sum[static_cast<size_t>(b) + 1]);
    }
  }
  for (int v = 0; v < count; ++v) {
    float total = _mm512_reduce_add_ps(acc[v]) - 8.0f * offset[v];
    for (int64_t t = b; t < blocks; ++t) {  // an odd last block
      const unsigned char* block = row + t * 18;
      int32_t s = 0;
      for (int i = 0; i < 16; ++i) {
        s += ((block[2 + i] & 0x0F) - 8) * x[v]->q[static_cast<size_t>(t * 32 + i)];
        s += ((block[2 + i] >> 4) - 8) * x[v]->q[static_cast<size_t>(t * 32 + 16 + i)];
      }
      total += Scale(block) * x[v]->scale[static_cast<size_t>(t)] * static_cast<float>(s);
    }
    out[v] = total;
  }
}

template <int count>
void Dots(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, float* out) {
  const int64_t blocks = w.cols / 32;
  if (w.type == GgmlType::kQ8_0) {
    DotsQ8<count>(w.Row(r), blocks, x, out);
  } else {
    DotsQ4<count>(w.Row(r), blocks, x, out);
  }
}

void Avx512QuantizedRowDots(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, int count, float* out) {
  switch (count) {
    case 1:
      return Dots<1>(w, r, x, out);
    case 2:
      return Dots<2>(w, r, x, out);
    case 3:
      return Dots<3>(w, r, x, out);
    default:
      return Dots<4>(w, r, x, out);
  }
}

}  // namespace

const MatMulKernels& Avx512Kernels() {
  static const MatMulKernels kKernels = [] {
    MatMulKernels k = Avx2Kernels();
    k.name = "avx512-vnni";
    k.quantized_row_dots = &Avx512QuantizedRowDots;
    return k;
  }();
  return kKernels;
}

}  // namespace tabpilot
