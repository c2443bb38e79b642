#include "hub/matmul.h"

#include <omp.h>

#include <algorithm>
#include <vector>

namespace tabpilot {
namespace {

float Dot(const float* a, const float* b, int64_t n) {
  // Four partial sums: the compiler may keep them in registers, and the
  // result does not depend on the thread count.
  float s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) s[k] += a[i + k] * b[i + k];
  }
  for (; i < n; ++i) s[0] += a[i] * b[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

void GenericRowDots(const WeightMatrix& w, int64_t r, const float* x, int64_t n, float* y, int64_t y_stride,
                    float* scratch) {
  const float* row = nullptr;
  if (w.type == GgmlType::kF32) {
    row = reinterpret_cast<const float*>(w.Row(r));
  } else {
    DequantizeRow(w, r, scratch);
    row = scratch;
  }
  for (int64_t t = 0; t < n; ++t) y[t * y_stride] = Dot(row, x + t * w.cols, w.cols);
}

#if defined(__x86_64__)
const MatMulKernels& Pick() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
    return Avx2Kernels();
  }
  return GenericKernels();
}
#else
const MatMulKernels& Pick() { return GenericKernels(); }
#endif

}  // namespace

const MatMulKernels& GenericKernels() {
  static const MatMulKernels kKernels{"generic", &GenericRowDots};
  return kKernels;
}

const MatMulKernels& BestKernels() {
  static const MatMulKernels& best = Pick();
  return best;
}

void MatMul(const WeightMatrix& w, const float* x, int64_t n, float* y, int threads, const MatMulKernels& kernels) {
  const int64_t rows = w.rows;
  // Few rows (a small model, a vector) are not worth waking threads for.
  const int use = static_cast<int>(std::clamp<int64_t>(rows * w.cols * n / (1 << 16), 1, std::max(threads, 1)));
#pragma omp parallel num_threads(use)
  {
    std::vector<float> scratch(static_cast<size_t>(w.cols));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) kernels.row_dots(w, r, x, n, y + r, rows, scratch.data());
  }
}

}  // namespace tabpilot
