// The products that take a transformer's time: y = W x for a batch of
// vectors, W in its storage type (weight_matrix.h). Each weight row is read
// once per call and dotted with every vector of the batch, so a prompt of n
// tokens costs one pass over the weights, not n. Rows are shared out among
// the pool's threads (spin_pool.h). The kernels are chosen
// once by what the CPU has: AVX2 + FMA + F16C when present, otherwise
// portable C++ (the reference the fast ones are tested against).
#pragma once

#include <cstdint>

#include "hub/spin_pool.h"
#include "hub/weight_matrix.h"

namespace tabpilot {

// One row's dot products with `n` vectors: y[t * y_stride] = row . x[t * cols].
// `scratch` holds at least cols floats (a quantized row may be expanded there).
using RowDotsFn = void (*)(const WeightMatrix& w, int64_t r, const float* x, int64_t n, float* y, int64_t y_stride,
                           float* scratch);

// Rows [begin, end)'s dot products with `n` vectors (a prompt's batch):
// y[t * y_stride + r] = row r . x[t * cols]. `scratch` holds 4 * cols floats.
using BlockDotsFn = void (*)(const WeightMatrix& w, int64_t begin, int64_t end, const float* x, int64_t n, float* y,
                             int64_t y_stride, float* scratch);

// Activations over `n` values in place: GELU (tanh form, GPT-2), and
// SiLU(g) * u into g (LLaMA's SwiGLU).
using GeluFn = void (*)(float* v, int64_t n);
using SiluMulFn = void (*)(float* g, const float* u, int64_t n);

struct MatMulKernels {
  const char* name = "";
  RowDotsFn row_dots = nullptr;      // one vector (a generated token)
  BlockDotsFn block_dots = nullptr;  // several (a prompt)
  GeluFn gelu = nullptr;
  SiluMulFn silu_mul = nullptr;
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
void MatMul(const WeightMatrix& w, const float* x, int64_t n, float* y, SpinPool& pool,
            const MatMulKernels& kernels = BestKernels());

}  // namespace tabpilot
