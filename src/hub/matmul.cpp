#include "hub/matmul.h"

#ifdef __x86_64__
#include <cpuid.h>
#endif

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

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

void GenericBlockDots(const WeightMatrix& w, int64_t begin, int64_t end, const float* x, int64_t n, float* y,
                      int64_t y_stride, float* scratch) {
  for (int64_t r = begin; r < end; ++r) GenericRowDots(w, r, x, n, y + r, y_stride, scratch);
}

void GenericGelu(float* v, int64_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  for (int64_t i = 0; i < n; ++i) {
    const float x = v[i];
    v[i] = 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
  }
}

void GenericSiluMul(float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

#if defined(__x86_64__)
// What this CPU (and the OS's saving of its registers) allows, from CPUID
// and XGETBV directly: GCC's and clang's __builtin_cpu_supports disagree on
// which feature names they know (clang 14 has no "f16c").
struct CpuFeatures {
  bool avx2 = false;    // with FMA and F16C
  bool avx512 = false;  // F, BW, VL and VNNI
};

CpuFeatures DetectCpu() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return f;
  const bool fma = (c >> 12) & 1;
  const bool osxsave = (c >> 27) & 1;
  const bool avx = (c >> 28) & 1;
  const bool f16c = (c >> 29) & 1;
  if (!(osxsave && avx)) return f;
  unsigned lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  const uint64_t xcr0 = (static_cast<uint64_t>(hi) << 32) | lo;
  if ((xcr0 & 0x6) != 0x6) return f;  // the OS saves SSE and AVX state
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return f;
  f.avx2 = ((b >> 5) & 1) && fma && f16c;
  const bool avx512_state = (xcr0 & 0xE6) == 0xE6;  // opmask and ZMM state too
  f.avx512 = f.avx2 && avx512_state && ((b >> 16) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1) && ((c >> 11) & 1);
  return f;
}

const CpuFeatures& Cpu() {
  static const CpuFeatures features = DetectCpu();
  return features;
}

const MatMulKernels& Pick() {
  if (Cpu().avx512) return Avx512Kernels();
  if (Cpu().avx2) return Avx2Kernels();
  return GenericKernels();
}
#else
const MatMulKernels& Pick() { return GenericKernels(); }
#endif

}  // namespace

const MatMulKernels& GenericKernels() {
  static const MatMulKernels kKernels{"generic", &GenericRowDots, &GenericBlockDots, &GenericGelu, &GenericSiluMul};
  return kKernels;
}

const MatMulKernels& KernelsNamed(const std::string& name) {
  if (name.empty()) return BestKernels();
  if (name == "generic") return GenericKernels();
#if defined(__x86_64__)
  if (name == "avx2" || name == "avx512-vnni") {
    if (!(name == "avx2" ? Cpu().avx2 : Cpu().avx512)) {
      throw InvalidInput("kernels '" + name + "': this CPU cannot run them");
    }
    return name == "avx2" ? Avx2Kernels() : Avx512Kernels();
  }
#endif
  throw InvalidInput("unknown kernels '" + name + "' (kernels: generic, avx2, avx512-vnni)");
}

std::vector<const MatMulKernels*> AvailableKernels() {
  std::vector<const MatMulKernels*> all = {&GenericKernels()};
  for (const char* name : {"avx2", "avx512-vnni"}) {
    try {
      all.push_back(&KernelsNamed(name));
    } catch (const InvalidInput&) {
      // not on this CPU
    }
  }
  return all;
}

const MatMulKernels& BestKernels() {
  static const MatMulKernels& best = Pick();
  return best;
}

void MatMul(const WeightMatrix& w, const float* x, int64_t n, float* y, SpinPool& pool, const MatMulKernels& kernels,
            int64_t tiled) {
  const int64_t rows = w.rows;
  const int64_t cols = w.cols;
  if (tiled < 0) tiled = n > 1 ? n : 0;
  // Few rows (a small model, a vector) are not worth waking threads for.
  const int use = static_cast<int>(std::clamp<int64_t>(rows * cols * n / (1 << 15), 1, pool.size()));
  if (kernels.quantized_row_dots != nullptr && (w.type == GgmlType::kQ8_0 || w.type == GgmlType::kQ4_0)) {
    // 8- or 4-bit weights: each vector quantized once for every row.
    std::vector<QuantizedVector> quantized(static_cast<size_t>(n));
    std::vector<const QuantizedVector*> pointers(static_cast<size_t>(n));
    for (int64_t v = 0; v < n; ++v) {
      kernels.quantize(x + v * cols, cols, &quantized[static_cast<size_t>(v)]);
      pointers[static_cast<size_t>(v)] = &quantized[static_cast<size_t>(v)];
    }
    // A prompt's vectors (more than a group) through the kernel's tiles when it has them:
    // each row would otherwise read all of them from the cache again. A generated token
    // alone streams one row at a time faster.
    if (kernels.quantized_rows_dots != nullptr && n > kQuantizedGroup) {
      pool.For(rows, use, [&](int64_t begin, int64_t end) {
        kernels.quantized_rows_dots(w, begin, end, pointers.data(), n, y, rows);
      });
      return;
    }
    pool.For(rows, use, [&](int64_t begin, int64_t end) {
      float out[kQuantizedGroup];
      for (int64_t r = begin; r < end; ++r) {
        for (int64_t v = 0; v < n; v += kQuantizedGroup) {
          const int count = static_cast<int>(std::min<int64_t>(kQuantizedGroup, n - v));
          kernels.quantized_row_dots(w, r, pointers.data() + v, count, out);
          for (int k = 0; k < count; ++k) y[(v + k) * rows + r] = out[k];
        }
      }
    });
    return;
  }
  const int64_t vectors = n - tiled;
  pool.For(rows, use, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(4 * cols));
    if (tiled > 0) kernels.block_dots(w, begin, end, x, tiled, y, rows, scratch.data());
    if (vectors == 0) return;
    for (int64_t r = begin; r < end; ++r) {
      kernels.row_dots(w, r, x + tiled * cols, vectors, y + tiled * rows + r, rows, scratch.data());
    }
  });
}

}  // namespace tabpilot
