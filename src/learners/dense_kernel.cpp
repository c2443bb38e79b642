// The dense layer kernels (dense_kernel.h), the vector ones compiled with
// function-level target attributes (the build itself assumes no AVX).
//
// A tile of R rows x C vectors of columns keeps its R x C accumulators in
// registers: for each input k, the C vectors of W's row k are loaded once
// and the R rows' x[k] broadcast into them. Four rows by four AVX-512
// vectors (64 columns) use 16 of the 32 registers; one row alone (the
// one-row path) takes eight vectors at a time, so that eight independent
// FMA chains hide the instruction's latency.
#include "learners/dense_kernel.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tabpilot {
namespace {

#define TABPILOT_AVX2 __attribute__((target("avx2,fma")))
#define TABPILOT_AVX512 __attribute__((target("avx512f")))

constexpr size_t kRowTile = 4;

void ForwardScalar(const PackedDense& layer, const float* x, size_t x_stride, size_t rows, bool relu, float* y,
                   size_t y_stride) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * x_stride;
    float* yr = y + r * y_stride;
    std::copy_n(layer.b.data(), layer.out, yr);
    for (size_t k = 0; k < layer.in; ++k) {
      const float xk = xr[k];
      const float* wk = layer.w.data() + k * layer.stride;
      for (size_t j = 0; j < layer.out; ++j) yr[j] = std::fma(xk, wk[j], yr[j]);
    }
    if (relu) {
      for (size_t j = 0; j < layer.out; ++j) yr[j] = yr[j] > 0.0f ? yr[j] : 0.0f;
    }
  }
}

// ---- AVX-512: 16 columns a vector ----

template <size_t R, size_t C>
TABPILOT_AVX512 void TileAvx512(const PackedDense& layer, const float* x, size_t x_stride, size_t j0, bool relu,
                                float* y, size_t y_stride) {
  __m512 acc[R][C];
  for (size_t c = 0; c < C; ++c) {
    const __m512 bias = _mm512_loadu_ps(layer.b.data() + j0 + 16 * c);
    for (size_t r = 0; r < R; ++r) acc[r][c] = bias;
  }
  const float* w = layer.w.data() + j0;
  for (size_t k = 0; k < layer.in; ++k, w += layer.stride) {
    __m512 wv[C];
    for (size_t c = 0; c < C; ++c) wv[c] = _mm512_loadu_ps(w + 16 * c);
    for (size_t r = 0; r < R; ++r) {
      const __m512 xv = _mm512_set1_ps(x[r * x_stride + k]);
      for (size_t c = 0; c < C; ++c) acc[r][c] = _mm512_fmadd_ps(xv, wv[c], acc[r][c]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
  for (size_t c = 0; c < C; ++c) {
    const size_t j = j0 + 16 * c;
    if (j >= layer.out) break;
    const size_t valid = std::min<size_t>(16, layer.out - j);
    const auto mask = static_cast<__mmask16>((1u << valid) - 1u);
    for (size_t r = 0; r < R; ++r) {
      // max(acc, 0) returns 0 for NaN, as the scalar acc > 0 ? acc : 0 does
      // (the zero-masked form: GCC 12's plain one reads an undefined
      // vector, which -Wmaybe-uninitialized flags).
      const __m512 v = relu ? _mm512_maskz_max_ps(0xFFFF, acc[r][c], zero) : acc[r][c];
      _mm512_mask_storeu_ps(y + r * y_stride + j, mask, v);
    }
  }
}

// Columns in tiles of kMax vectors, the rest in tiles of 4, 2 and 1.
template <size_t R>
TABPILOT_AVX512 void RowsAvx512(const PackedDense& layer, const float* x, size_t x_stride, bool relu, float* y,
                                size_t y_stride) {
  constexpr size_t kMax = R == 1 ? 8 : 4;
  const size_t vectors = layer.stride / 16;
  for (size_t v = 0; v < vectors;) {
    const size_t left = vectors - v;
    const size_t j0 = 16 * v;
    if (left >= kMax) {
      TileAvx512<R, kMax>(layer, x, x_stride, j0, relu, y, y_stride);
      v += kMax;
    } else if (left >= 4) {
      TileAvx512<R, 4>(layer, x, x_stride, j0, relu, y, y_stride);
      v += 4;
    } else if (left >= 2) {
      TileAvx512<R, 2>(layer, x, x_stride, j0, relu, y, y_stride);
      v += 2;
    } else {
      TileAvx512<R, 1>(layer, x, x_stride, j0, relu, y, y_stride);
      v += 1;
    }
  }
}

TABPILOT_AVX512 void ForwardAvx512(const PackedDense& layer, const float* x, size_t x_stride, size_t rows, bool relu,
                                   float* y, size_t y_stride) {
  size_t r = 0;
  for (; r + kRowTile <= rows; r += kRowTile) {
    RowsAvx512<kRowTile>(layer, x + r * x_stride, x_stride, relu, y + r * y_stride, y_stride);
  }
  const float* xr = x + r * x_stride;
  float* yr = y + r * y_stride;
  switch (rows - r) {
    case 3:
      RowsAvx512<3>(layer, xr, x_stride, relu, yr, y_stride);
      break;
    case 2:
      RowsAvx512<2>(layer, xr, x_stride, relu, yr, y_stride);
      break;
    case 1:
      RowsAvx512<1>(layer, xr, x_stride, relu, yr, y_stride);
      break;
    default:
      break;
  }
}

// ---- AVX2: 8 columns a vector ----

template <size_t R, size_t C>
TABPILOT_AVX2 void TileAvx2(const PackedDense& layer, const float* x, size_t x_stride, size_t j0, bool relu, float* y,
                            size_t y_stride) {
  __m256 acc[R][C];
  for (size_t c = 0; c < C; ++c) {
    const __m256 bias = _mm256_loadu_ps(layer.b.data() + j0 + 8 * c);
    for (size_t r = 0; r < R; ++r) acc[r][c] = bias;
  }
  const float* w = layer.w.data() + j0;
  for (size_t k = 0; k < layer.in; ++k, w += layer.stride) {
    __m256 wv[C];
    for (size_t c = 0; c < C; ++c) wv[c] = _mm256_loadu_ps(w + 8 * c);
    for (size_t r = 0; r < R; ++r) {
      const __m256 xv = _mm256_set1_ps(x[r * x_stride + k]);
      for (size_t c = 0; c < C; ++c) acc[r][c] = _mm256_fmadd_ps(xv, wv[c], acc[r][c]);
    }
  }
  const __m256 zero = _mm256_setzero_ps();
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (size_t c = 0; c < C; ++c) {
    const size_t j = j0 + 8 * c;
    if (j >= layer.out) break;
    const auto valid = static_cast<int>(std::min<size_t>(8, layer.out - j));
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lanes);
    for (size_t r = 0; r < R; ++r) {
      const __m256 v = relu ? _mm256_max_ps(acc[r][c], zero) : acc[r][c];
      _mm256_maskstore_ps(y + r * y_stride + j, mask, v);
    }
  }
}

// Registers: 16 vectors, R x C accumulators plus C weight vectors. The
// stride is a multiple of 16 columns: an even number of vectors.
template <size_t R>
TABPILOT_AVX2 void RowsAvx2(const PackedDense& layer, const float* x, size_t x_stride, bool relu, float* y,
                            size_t y_stride) {
  constexpr size_t kMax = R == 1 ? 8 : 2;
  const size_t vectors = layer.stride / 8;
  for (size_t v = 0; v < vectors;) {
    const size_t j0 = 8 * v;
    if (vectors - v >= kMax) {
      TileAvx2<R, kMax>(layer, x, x_stride, j0, relu, y, y_stride);
      v += kMax;
    } else {
      TileAvx2<R, 2>(layer, x, x_stride, j0, relu, y, y_stride);
      v += 2;
    }
  }
}

TABPILOT_AVX2 void ForwardAvx2(const PackedDense& layer, const float* x, size_t x_stride, size_t rows, bool relu,
                               float* y, size_t y_stride) {
  size_t r = 0;
  for (; r + kRowTile <= rows; r += kRowTile) {
    RowsAvx2<kRowTile>(layer, x + r * x_stride, x_stride, relu, y + r * y_stride, y_stride);
  }
  const float* xr = x + r * x_stride;
  float* yr = y + r * y_stride;
  switch (rows - r) {
    case 3:
      RowsAvx2<3>(layer, xr, x_stride, relu, yr, y_stride);
      break;
    case 2:
      RowsAvx2<2>(layer, xr, x_stride, relu, yr, y_stride);
      break;
    case 1:
      RowsAvx2<1>(layer, xr, x_stride, relu, yr, y_stride);
      break;
    default:
      break;
  }
}

#undef TABPILOT_AVX2
#undef TABPILOT_AVX512

}  // namespace

PackedDense::PackedDense(const float* w_rows, const float* bias, size_t in_count, size_t out_count)
    : in(in_count),
      out(out_count),
      stride((out_count + kDenseLanes - 1) / kDenseLanes * kDenseLanes),
      w(in_count * stride, 0.0f),
      b(stride, 0.0f) {
  for (size_t k = 0; k < in; ++k) std::copy_n(w_rows + k * out, out, w.data() + k * stride);
  std::copy_n(bias, out, b.data());
}

void DenseForward(const PackedDense& layer, const float* x, size_t x_stride, size_t rows, bool relu, float* y,
                  size_t y_stride, VectorKernel kernel) {
  if (x_stride < layer.in || y_stride < layer.out) throw Internal("dense layer: strides smaller than the layer");
  if (rows == 0 || layer.out == 0) return;
  switch (ResolveVectorKernel(kernel)) {
    case VectorKernel::kAvx512:
      ForwardAvx512(layer, x, x_stride, rows, relu, y, y_stride);
      return;
    case VectorKernel::kAvx2:
      ForwardAvx2(layer, x, x_stride, rows, relu, y, y_stride);
      return;
    default:
      ForwardScalar(layer, x, x_stride, rows, relu, y, y_stride);
      return;
  }
}

}  // namespace tabpilot
