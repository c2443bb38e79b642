// Integer products on AVX-512 VNNI: vpdpbusd multiplies 64 unsigned by 64
// signed bytes and adds them in fours into 16 int32 lanes, two q8_0/q4_0
// blocks per instruction (AVX2 needs two instructions per block). Built with
// those instruction sets (src/hub/CMakeLists.txt) and called only after
// asking the CPU; everything else is the AVX2 kernels'.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

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

// The layout the kernels below read (QuantizedVector's pair_scale, biased
// and pair_offset), from the AVX2 quantization.
void Avx512Quantize(const float* x, int64_t cols, QuantizedVector* out) {
  Avx2Kernels().quantize(x, cols, out);
  const int64_t pairs = cols / 64;
  out->pair_scale.resize(static_cast<size_t>(pairs * 16));
  out->pair_offset.resize(static_cast<size_t>(pairs * 16));
  out->biased.resize(static_cast<size_t>(pairs * 64));
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i ones = _mm512_set1_epi8(1);
  const __m512i minus_eight = _mm512_set1_epi32(-8);
  for (int64_t p = 0; p < pairs; ++p) {
    const __m512i q = _mm512_loadu_si512(out->q.data() + p * 64);
    // q + 128 as unsigned: flipping the sign bit.
    _mm512_storeu_si512(out->biased.data() + p * 64, _mm512_xor_si512(q, bias));
    // Each lane's sum of four q: ones (unsigned) times q (signed).
    const __m512i lane_sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, q);
    _mm512_storeu_si512(out->pair_offset.data() + p * 16, _mm512_mullo_epi32(lane_sums, minus_eight));
    _mm512_storeu_ps(out->pair_scale.data() + p * 16,
                     Scales(out->scale[static_cast<size_t>(2 * p)], out->scale[static_cast<size_t>(2 * p + 1)]));
  }
}

// One q8_0 block's 32 weights times 32 quantized values, exactly: in
// intrinsics, because GCC 12 at -O2 with VNNI enabled turns the plain loop
// (int8 weights read from unsigned bytes, times int8) into vpdpbusd with the
// weights taken as unsigned, so every negative weight counted 256 too much.
int32_t TailDotQ8(const unsigned char* weights, const int8_t* q) {
  const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(weights));
  const __m256i biased = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)),
                                          _mm256_set1_epi8(static_cast<char>(0x80)));
  const __m256i start =
      _mm256_sub_epi32(_mm256_setzero_si256(),
                       _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(static_cast<char>(0x80)), w));
  const __m256i dot = _mm256_dpbusd_epi32(start, biased, w);
  __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(dot), _mm256_extracti128_si256(dot, 1));
  sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4E));
  sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xB1));
  return _mm_cvtsi128_si32(sum);
}

// A pair of blocks of one row, unpacked: the 64 weights (q8_0: signed;
// q4_0: the nibbles 0-15, unsigned, values in order), for q8_0 minus 128
// times each lane's weight sum (where a product with biased values starts),
// and the two scales in 8 lanes each.
struct Unpacked {
  __m512i w;
  __m512i start;
  __m512 scale;
};
Unpacked UnpackQ8(const unsigned char* b0) {
  const unsigned char* b1 = b0 + 34;
  _mm_prefetch(reinterpret_cast<const char*>(b0) + kPrefetchAhead, _MM_HINT_T0);
  Unpacked p;
  p.w = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2))),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 2)), 1);
  p.start =
      _mm512_sub_epi32(_mm512_setzero_si512(),
                       _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(static_cast<char>(0x80)), p.w));
  p.scale = Scales(Scale(b0), Scale(b1));
  return p;
}
Unpacked UnpackQ4(const unsigned char* b0) {
  const unsigned char* b1 = b0 + 18;
  _mm_prefetch(reinterpret_cast<const char*>(b0) + kPrefetchAhead, _MM_HINT_T0);
  const __m256i low = _mm256_set1_epi8(0x0F);
  // [lo0, lo1, hi0, hi1] (128-bit pieces) -> [lo0, hi0, lo1, hi1]: values 0-31 of each block in order.
  const __m512i order = _mm512_setr_epi64(0, 1, 4, 5, 2, 3, 6, 7);
  const __m256i packed = _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b1 + 2)),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(b0 + 2)));
  const __m256i lo = _mm256_and_si256(packed, low);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low);
  Unpacked p;
  p.w = _mm512_permutexvar_epi64(order, _mm512_inserti64x4(_mm512_zextsi256_si512(lo), hi, 1));
  p.start = _mm512_setzero_si512();
  p.scale = Scales(Scale(b0), Scale(b1));
  return p;
}
template <bool q8>
Unpacked Unpack(const unsigned char* b0) {
  if constexpr (q8) {
    return UnpackQ8(b0);
  } else {
    return UnpackQ4(b0);
  }
}

// One q4_0 block's 32 weights (nibbles less 8) times 32 quantized values.
int32_t TailDotQ4(const unsigned char* packed, const int8_t* q) {
  int32_t s = 0;
  for (int i = 0; i < 16; ++i) {
    s += ((packed[i] & 0x0F) - 8) * q[i];
    s += ((packed[i] >> 4) - 8) * q[16 + i];
  }
  return s;
}

constexpr int64_t BlockBytes(bool q8) { return q8 ? 34 : 18; }

// `R` rows (q8_0 when q8, else q4_0) against `V` quantized vectors into
// out[i * V + v], two blocks per step; pair_of(i, b) gives row i's blocks b
// and b + 1 unpacked. Each vector's values are loaded once for the R rows
// (a prompt's vectors would otherwise stream from the cache once per row).
// Every (row, vector) sum runs through the same steps whatever R and V are
// and wherever the unpacked pairs come from, so a vector gives the same bits
// alone or in a batch. q8_0: the biased values (q + 128, unsigned) times the
// weights (signed), from the row's start, is the exact integer product;
// q4_0: the nibbles (unsigned) times the values (signed), from -8 times the
// values' lane sums.
template <bool q8, int R, int V, class PairOf>
void Tile(const PairOf& pair_of, const unsigned char* const* rows, int64_t blocks, const QuantizedVector* const* x,
          float* out) {
  __m512 acc[R][V];
  for (auto& row : acc) {
    for (auto& a : row) a = _mm512_setzero_ps();
  }
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    Unpacked pair[R];
    for (int i = 0; i < R; ++i) pair[i] = pair_of(i, b);
    for (int v = 0; v < V; ++v) {
      const __m512 pair_scale = _mm512_loadu_ps(x[v]->pair_scale.data() + b * 8);
      if constexpr (q8) {
        const __m512i xv = _mm512_loadu_si512(x[v]->biased.data() + b * 32);
        for (int i = 0; i < R; ++i) {
          const __m512i dot = _mm512_dpbusd_epi32(pair[i].start, xv, pair[i].w);
          acc[i][v] = _mm512_fmadd_ps(_mm512_mul_ps(pair[i].scale, pair_scale), _mm512_cvtepi32_ps(dot), acc[i][v]);
        }
      } else {
        const __m512i xv = _mm512_loadu_si512(x[v]->q.data() + b * 32);
        const __m512i offset = _mm512_loadu_si512(x[v]->pair_offset.data() + b * 8);
        for (int i = 0; i < R; ++i) {
          const __m512i dot = _mm512_dpbusd_epi32(offset, pair[i].w, xv);
          acc[i][v] = _mm512_fmadd_ps(_mm512_mul_ps(pair[i].scale, pair_scale), _mm512_cvtepi32_ps(dot), acc[i][v]);
        }
      }
    }
  }
  for (int i = 0; i < R; ++i) {
    for (int v = 0; v < V; ++v) {
      float total = _mm512_reduce_add_ps(acc[i][v]);
      for (int64_t t = b; t < blocks; ++t) {  // an odd last block
        const unsigned char* block = rows[i] + t * BlockBytes(q8);
        const int8_t* q = x[v]->q.data() + t * 32;
        const int32_t dot = q8 ? TailDotQ8(block + 2, q) : TailDotQ4(block + 2, q);
        total += Scale(block) * x[v]->scale[static_cast<size_t>(t)] * static_cast<float>(dot);
      }
      out[i * V + v] = total;
    }
  }
}

// Tile with `count` (1 to 4) vectors.
template <bool q8, int R, class PairOf>
void TileOf(const PairOf& pair_of, const unsigned char* const* rows, int64_t blocks, const QuantizedVector* const* x,
            int count, float* out) {
  switch (count) {
    case 1:
      return Tile<q8, R, 1>(pair_of, rows, blocks, x, out);
    case 2:
      return Tile<q8, R, 2>(pair_of, rows, blocks, x, out);
    case 3:
      return Tile<q8, R, 3>(pair_of, rows, blocks, x, out);
    default:
      return Tile<q8, R, 4>(pair_of, rows, blocks, x, out);
  }
}

// One row against `count` vectors, unpacking each pair of blocks as it goes
// (a generated token: the row streams from memory once).
template <bool q8>
void RowDots(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, int count, float* out) {
  const unsigned char* row = w.Row(r);
  const auto pair_of = [row](int, int64_t b) { return Unpack<q8>(row + b * BlockBytes(q8)); };
  TileOf<q8, 1>(pair_of, &row, w.cols / 32, x, count, out);
}

void Avx512QuantizedRowDots(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, int count, float* out) {
  if (w.type == GgmlType::kQ8_0) {
    RowDots<true>(w, r, x, count, out);
  } else {
    RowDots<false>(w, r, x, count, out);
  }
}

// Rows [begin, end) against all n vectors (a prompt), R rows at a time: a
// tile's pairs of blocks are unpacked once into `unpacked` and read from
// there by every group of 4 vectors (unpacking them again for each group
// held a 100-token prompt on the 1.1B q8_0 shape to 89 tokens/s; once, 122:
// docs/benchmarks.md, 2026-12-05).
template <bool q8, int R>
void RowTile(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, int64_t n, float* y, int64_t y_stride,
             std::vector<Unpacked>& unpacked) {
  const int64_t blocks = w.cols / 32;
  const int64_t pairs = blocks / 2;
  const unsigned char* rows[R];
  for (int i = 0; i < R; ++i) rows[i] = w.Row(r + i);
  unpacked.resize(static_cast<size_t>(pairs * R));
  for (int64_t p = 0; p < pairs; ++p) {
    for (int i = 0; i < R; ++i) unpacked[static_cast<size_t>(p * R + i)] = Unpack<q8>(rows[i] + 2 * p * BlockBytes(q8));
  }
  const Unpacked* from = unpacked.data();
  const auto pair_of = [from](int i, int64_t b) { return from[b / 2 * R + i]; };
  float out[R * kQuantizedGroup];
  for (int64_t v = 0; v < n; v += kQuantizedGroup) {
    const int count = static_cast<int>(std::min<int64_t>(kQuantizedGroup, n - v));
    TileOf<q8, R>(pair_of, rows, blocks, x + v, count, out);
    for (int i = 0; i < R; ++i) {
      for (int k = 0; k < count; ++k) y[(v + k) * y_stride + r + i] = out[i * count + k];
    }
  }
}

template <bool q8>
void RowTiles(const WeightMatrix& w, int64_t begin, int64_t end, const QuantizedVector* const* x, int64_t n, float* y,
              int64_t y_stride) {
  std::vector<Unpacked> unpacked;
  int64_t r = begin;
  for (; r + 4 <= end; r += 4) RowTile<q8, 4>(w, r, x, n, y, y_stride, unpacked);
  for (; r < end; ++r) RowTile<q8, 1>(w, r, x, n, y, y_stride, unpacked);
}

void Avx512QuantizedRowsDots(const WeightMatrix& w, int64_t begin, int64_t end, const QuantizedVector* const* x,
                             int64_t n, float* y, int64_t y_stride) {
  if (w.type == GgmlType::kQ8_0) {
    RowTiles<true>(w, begin, end, x, n, y, y_stride);
  } else {
    RowTiles<false>(w, begin, end, x, n, y, y_stride);
  }
}

}  // namespace

const MatMulKernels& Avx512Kernels() {
  static const MatMulKernels kKernels = [] {
    MatMulKernels k = Avx2Kernels();
    k.name = "avx512-vnni";
    k.quantize = &Avx512Quantize;
    k.quantized_row_dots = &Avx512QuantizedRowDots;
    k.quantized_rows_dots = &Avx512QuantizedRowsDots;
    return k;
  }();
  return kKernels;
}

}  // namespace tabpilot
