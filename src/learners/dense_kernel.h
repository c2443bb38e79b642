// Inference of a dense layer (the mlp family's predict): y = act(x W + b)
// for a block of rows, by kernels written for the vector units the build
// itself does not assume (AVX2 with FMA, AVX-512), chosen at run time, and a
// portable one.
//
// Every kernel computes each output the same way: acc = b[j], then
// acc = fma(x[k], W[k][j], acc) for k = 0, 1, ..., in - 1 (one rounding per
// step), then ReLU when asked. Outputs therefore do not depend on the kernel,
// on the number of rows in the block or on the row's place in it: one row
// alone gets its batch value to the bit (the one-row path relies on it).
//
// The weights are packed once (PackedDense): W's rows padded with zeros to
// a multiple of kDenseLanes columns, so the kernels load whole vectors; only
// the layer's `out` columns are stored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "learners/vector_kernel.h"

namespace tabpilot {

// Columns per padded weight row (one AVX-512 vector of floats).
constexpr size_t kDenseLanes = 16;

struct PackedDense {
  size_t in = 0;
  size_t out = 0;
  size_t stride = 0;     // out rounded up to kDenseLanes
  std::vector<float> w;  // in x stride, row-major, padding zero
  std::vector<float> b;  // stride, padding zero

  PackedDense() = default;
  // From W (in x out, row-major) and b (out values).
  PackedDense(const float* w_rows, const float* bias, size_t in, size_t out);
};

// For r < rows and j < layer.out:
//   y[r * y_stride + j] = act(b[j] + sum_k x[r * x_stride + k] W[k][j])
// (act: ReLU when `relu`, else identity). Requires x_stride >= layer.in and
// y_stride >= layer.out; the other entries of y are left as they are. x and
// y must not overlap. Inputs are expected finite (the caller maps missing
// values to 0).
void DenseForward(const PackedDense& layer, const float* x, size_t x_stride, size_t rows, bool relu, float* y,
                  size_t y_stride, VectorKernel kernel = VectorKernel::kAuto);

}  // namespace tabpilot
