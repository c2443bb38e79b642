// The products that take a transformer's time: y = W x for a batch of
// vectors, W in its storage type (weight_matrix.h). Each weight row is read
// once per call and dotted with every vector of the batch, so a prompt of n
// tokens costs one pass over the weights, not n. Rows are shared out among
// `threads` OpenMP threads (never more than asked). The kernels are chosen
// once by what the CPU has: AVX2 + FMA + F16C when present, otherwise
// portable C++ (the reference the fast ones are tested against).
#pragma once

#include <cstdint>

#include "hub/weight_matrix.h"

namespace tabpilot {

// One row's dot products with `n` vectors: y[t * y_stride] = row . x[t * cols].
// `scratch` holds at least cols floats (a quantized row may be expanded there).
using RowDotsFn = void (*)(const WeightMatrix& w, int64_t r, const float* x, int64_t n, float* y, int64_t y_stride,
                           float* scratch);

struct MatMulKernels {
  const char* name = "";
  RowDotsFn row_dots = nullptr;
};

// Portable kernels (any x86-64 or other CPU).
const MatMulKernels& GenericKernels();
#if defined(__x86_64__)
// AVX2 + FMA + F16C kernels (matmul_avx2.cpp); only for a CPU that has them.
const MatMulKernels& Avx2Kernels();
#endif
// The best kernels this CPU runs (chosen once, on first use).
const MatMulKernels& BestKernels();

// y (n x w.rows, row-major) = x (n x w.cols, row-major) times W transposed.
void MatMul(const WeightMatrix& w, const float* x, int64_t n, float* y, int threads,
            const MatMulKernels& kernels = BestKernels());

}  // namespace tabpilot
