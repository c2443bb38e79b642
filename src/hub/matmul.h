// The products that take a transformer's time: y = W x for a batch of
// vectors, W in its storage type (weight_matrix.h). Each weight row is read
// once per call and dotted with every vector of the batch, so a prompt of n
// tokens costs one pass over the weights, not n. Rows are shared out among
// the pool's threads (spin_pool.h). The kernels are chosen
// once by what the CPU has: AVX2 + FMA + F16C when present, otherwise
// portable C++ (the reference the fast ones are tested against).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// A vector quantized like a q8_0 row (per block of 32: a float scale and
// 32 int8), so that the products with q8_0 and q4_0 weights run on integer
// dot products, as llama.cpp's do: a generated token with 8-bit weights
// would otherwise be bound by converting each weight to float. The cost is
// the vector's rounding (about 0.4 % of each block's largest value).
struct QuantizedVector {
  std::vector<float> scale;  // per block
  std::vector<int8_t> q;     // cols values
  std::vector<int32_t> sum;  // per block: the sum of its q (q4_0's offset of 8 is taken out with it)
  // Laid out for the AVX-512 kernels (empty for the others), per pair of
  // blocks (64 values, 16 lanes of four): the two scales, each in 8 lanes;
  // q + 128 as unsigned bytes (q8_0's products: the weights' sign stays
  // theirs, and 128 times each lane's weight sum is taken off once per row);
  // and -8 times each lane's sum of q (q4_0's offset, so that a product
  // starts from it). Each costs a few instructions per vector and block pair
  // that would otherwise run for every row.
  std::vector<float> pair_scale;
  std::vector<uint8_t> biased;
  std::vector<int32_t> pair_offset;
};
using QuantizeFn = void (*)(const float* x, int64_t cols, QuantizedVector* out);
// Row r's dot products with `count` (1 to kQuantizedGroup) quantized vectors
// into out[0..count): each block of the row is unpacked once for all of
// them, and each vector's sum is accumulated exactly as it is alone.
constexpr int kQuantizedGroup = 4;
using QuantizedRowDotsFn = void (*)(const WeightMatrix& w, int64_t r, const QuantizedVector* const* x, int count,
                                    float* out);
// Rows [begin, end) against all `n` quantized vectors (a prompt):
// y[v * y_stride + r] = row r . x[v], each (row, vector) sum run as it would
// alone; the kernel tiles rows and vectors as it likes.
using QuantizedRowsDotsFn = void (*)(const WeightMatrix& w, int64_t begin, int64_t end, const QuantizedVector* const* x,
                                     int64_t n, float* y, int64_t y_stride);

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
  // Integer products for q8_0 / q4_0 weights (every vector, prompts too);
  // null: the weights are converted to float (the portable kernels: exact).
  QuantizeFn quantize = nullptr;
  QuantizedRowDotsFn quantized_row_dots = nullptr;
  QuantizedRowsDotsFn quantized_rows_dots = nullptr;  // null: a row at a time
};

// Portable kernels (any x86-64 or other CPU).
const MatMulKernels& GenericKernels();
#if defined(__x86_64__)
// AVX2 + FMA + F16C kernels (matmul_avx2.cpp); only for a CPU that has them.
const MatMulKernels& Avx2Kernels();
// The AVX2 kernels with AVX-512 VNNI integer products (matmul_avx512.cpp:
// two blocks of 32 per instruction); only for a CPU with AVX-512 F/BW/VL/VNNI.
const MatMulKernels& Avx512Kernels();
#endif
// The kernels named `name` ("generic", "avx2", "avx512-vnni"); InvalidInput
// for an unknown name or one this CPU cannot run. "" is BestKernels().
const MatMulKernels& KernelsNamed(const std::string& name);
// Every kernel set this CPU runs, portable first.
std::vector<const MatMulKernels*> AvailableKernels();
// The best kernels this CPU runs (chosen once, on first use).
const MatMulKernels& BestKernels();

// y (n x w.rows, row-major) = x (n x w.cols, row-major) times W transposed.
// With q8_0/q4_0 weights and integer kernels, every vector is quantized and
// goes through them. Otherwise the first `tiled` vectors (a prompt's tokens)
// go through the tiled kernel and the others (generated tokens, one per
// sequence) through the vector kernel. A vector's result depends only on
// which group it is in, never on the other vectors. tiled < 0: all when
// n > 1, none when n == 1.
void MatMul(const WeightMatrix& w, const float* x, int64_t n, float* y, SpinPool& pool,
            const MatMulKernels& kernels = BestKernels(), int64_t tiled = -1);

}  // namespace tabpilot
