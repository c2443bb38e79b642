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

float DotQ8(const unsigned char* row, int64_t blocks, const QuantizedVector& x) {
  __m512 acc = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    const unsigned char* b0 = row + b * 34;
    const unsigned char* b1 = b0 + 34;
    _mm_prefetch(reinterpret_cast<const char*>(b0) + kPrefetchAhead, _MM_HINT_T0);
    const __m512i w =
        _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2))),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 2)), 1);
    const __m512i xv = _mm512_loadu_si512(x.q.data() + b * 32);
    // |w| (unsigned) times x with w's sign.
    const __m512i xs = _mm512_mask_sub_epi8(xv, _mm512_movepi8_mask(w), _mm512_setzero_si512(), xv);
    const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(w), xs);
    const float d0 = Scale(b0) * x.scale[static_cast<size_t>(b)];
    const float d1 = Scale(b1) * x.scale[static_cast<size_t>(b) + 1];
    acc = _mm512_fmadd_ps(Scales(d0, d1), _mm512_cvtepi32_ps(dot), acc);
  }
  float total = _mm512_reduce_add_ps(acc);
  for (; b < blocks; ++b) {  // an odd last block
    const unsigned char* block = row + b * 34;
    int32_t s = 0;
    for (int i = 0; i < 32; ++i) s += static_cast<int8_t>(block[2 + i]) * x.q[static_cast<size_t>(b * 32 + i)];
    total += Scale(block) * x.scale[static_cast<size_t>(b)] * static_cast<float>(s);
  }
  return total;
}

// q4_0: nibbles n in 0-15 stand for n - 8; the sum of n * x comes from
// vpdpbusd directly (n is unsigned), and 8 * sum(x) is taken off per block.
float DotQ4(const unsigned char* row, int64_t blocks, const QuantizedVector& x) {
  __m512 acc = _mm512_setzero_ps();
  float offset = 0;  // sum over blocks of scale * sum(x)
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
    const __m512i xv = _mm512_loadu_si512(x.q.data() + b * 32);
    const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, xv);
    const float d0 = Scale(b0) * x.scale[static_cast<size_t>(b)];
    const float d1 = Scale(b1) * x.scale[static_cast<size_t>(b) + 1];
    acc = _mm512_fmadd_ps(Scales(d0, d1), _mm512_cvtepi32_ps(dot), acc);
    offset += d0 * static_cast<float>(x.sum[static_cast<size_t>(b)]) +
              d1 * static_cast<float>(x.sum[static_cast<size_t>(b) + 1]);
  }
  float total = _mm512_reduce_add_ps(acc) - 8.0f * offset;
  for (; b < blocks; ++b) {  // an odd last block
    const unsigned char* block = row + b * 18;
    int32_t s = 0;
    for (int i = 0; i < 16; ++i) {
      s += ((block[2 + i] & 0x0F) - 8) * x.q[static_cast<size_t>(b * 32 + i)];
      s += ((block[2 + i] >> 4) - 8) * x.q[static_cast<size_t>(b * 32 + 16 + i)];
    }
    total += Scale(block) * x.scale[static_cast<size_t>(b)] * static_cast<float>(s);
  }
  return total;
}

float Avx512QuantizedRowDot(const WeightMatrix& w, int64_t r, const QuantizedVector& x) {
  const int64_t blocks = w.cols / 32;
  return w.type == GgmlType::kQ8_0 ? DotQ8(w.Row(r), blocks, x) : DotQ4(w.Row(r), blocks, x);
}

}  // namespace

const MatMulKernels& Avx512Kernels() {
  static const MatMulKernels kKernels = [] {
    MatMulKernels k = Avx2Kernels();
    k.name = "avx512-vnni";
    k.quantized_row_dot = &Avx512QuantizedRowDot;
    return k;
  }();
  return kKernels;
}

}  // namespace tabpilot
