#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "core/error.h"
#include "learners/dense_kernel.h"

namespace tabpilot {
namespace {

constexpr VectorKernel kKernels[] = {VectorKernel::kScalar, VectorKernel::kAvx2, VectorKernel::kAvx512};

struct Layer {
  size_t in, out;
  std::vector<float> w, b;
};

Layer RandomLayer(size_t in, size_t out, std::mt19937_64& rng) {
  std::normal_distribution<float> n(0.0f, 1.0f);
  Layer l{in, out, std::vector<float>(in * out), std::vector<float>(out)};
  for (float& v : l.w) v = n(rng);
  for (float& v : l.b) v = n(rng);
  return l;
}

// The layer in double precision.
double Reference(const Layer& l, const float* x, size_t j, bool relu) {
  double acc = l.b[j];
  for (size_t k = 0; k < l.in; ++k) acc += static_cast<double>(x[k]) * l.w[k * l.out + j];
  return relu ? std::max(acc, 0.0) : acc;
}

// Every kernel this processor runs gives the same floats as the portable
// one, for shapes around the vector widths (1, 7, 8, 9, 16, 17, 64, 65,
// 128, 130 outputs), blocks of 1 to 9 rows (the row tile is 4) and
// strides wider than the layer; the values agree with a double-precision
// product to float rounding, and entries past the layer's outputs are
// left untouched.
TEST(DenseKernel, EveryKernelGivesThePortableFloatsForEveryShape) {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::set<VectorKernel> checked;
  for (const size_t in : {1u, 3u, 32u, 101u}) {
    for (const size_t out : {1u, 7u, 8u, 9u, 16u, 17u, 64u, 65u, 128u, 130u}) {
      const Layer l = RandomLayer(in, out, rng);
      const PackedDense packed(l.w.data(), l.b.data(), in, out);
      ASSERT_EQ(packed.stride % kDenseLanes, 0u);
      ASSERT_GE(packed.stride, out);
      for (const size_t rows : {1u, 2u, 3u, 4u, 5u, 9u}) {
        const size_t x_stride = in + 3, y_stride = out + 5;
        std::vector<float> x(rows * x_stride);
        for (float& v : x) v = n(rng);
        for (const bool relu : {false, true}) {
          std::vector<float> want(rows * y_stride, -7.0f);
          DenseForward(packed, x.data(), x_stride, rows, relu, want.data(), y_stride, VectorKernel::kScalar);
          for (size_t r = 0; r < rows; ++r) {
            for (size_t j = 0; j < out; ++j) {
              const double ref = Reference(l, x.data() + r * x_stride, j, relu);
              ASSERT_NEAR(want[r * y_stride + j], ref, 1e-4 * (1.0 + std::abs(ref))) << in << "x" << out;
              if (relu) {
                ASSERT_GE(want[r * y_stride + j], 0.0f);
              }
            }
            for (size_t j = out; j < y_stride; ++j) ASSERT_EQ(want[r * y_stride + j], -7.0f);
          }
          for (const VectorKernel kernel : kKernels) {
            if (!VectorKernelSupported(kernel)) continue;
            checked.insert(kernel);
            std::vector<float> got(rows * y_stride, -7.0f);
            DenseForward(packed, x.data(), x_stride, rows, relu, got.data(), y_stride, kernel);
            ASSERT_EQ(got, want) << VectorKernelName(kernel) << " " << in << "x" << out << " rows " << rows;
            // Each row alone: the value it has in the block.
            for (size_t r = 0; r < rows; ++r) {
              std::vector<float> one(y_stride, -7.0f);
              DenseForward(packed, x.data() + r * x_stride, x_stride, 1, relu, one.data(), y_stride, kernel);
              ASSERT_TRUE(std::equal(one.begin(), one.end(), want.begin() + static_cast<long>(r * y_stride)))
                  << VectorKernelName(kernel) << " row " << r;
            }
          }
        }
      }
    }
  }
  // The kernel predict runs (the fastest here) was among those compared.
  EXPECT_TRUE(checked.count(ResolveVectorKernel(VectorKernel::kAuto)) == 1);
}

TEST(DenseKernel, AutoIsTheFastestSupportedAndStridesAreChecked) {
  std::mt19937_64 rng(3);
  const Layer l = RandomLayer(5, 20, rng);
  const PackedDense packed(l.w.data(), l.b.data(), 5, 20);
  std::vector<float> x(5, 0.5f), a(20), s(20);
  DenseForward(packed, x.data(), 5, 1, true, a.data(), 20);
  DenseForward(packed, x.data(), 5, 1, true, s.data(), 20, VectorKernel::kScalar);
  EXPECT_EQ(a, s);
  EXPECT_THROW(DenseForward(packed, x.data(), 4, 1, true, a.data(), 20), Internal);
  EXPECT_THROW(DenseForward(packed, x.data(), 5, 1, true, a.data(), 19), Internal);
  for (const VectorKernel kernel : kKernels) {
    if (!VectorKernelSupported(kernel)) {
      EXPECT_THROW(DenseForward(packed, x.data(), 5, 1, true, a.data(), 20, kernel), InvalidInput);
    }
  }
}

// ReLU of NaN and of -0 is +0 in every kernel (the scalar rule acc > 0 ?
// acc : 0), so kernels agree even on non-finite sums.
TEST(DenseKernel, ReluOfNanAndNegativeZeroIsZeroInEveryKernel) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> w = {1.0f, -1.0f, 0.0f}, b = {0.0f, 0.0f, -0.0f};
  const PackedDense packed(w.data(), b.data(), 1, 3);
  for (const VectorKernel kernel : kKernels) {
    if (!VectorKernelSupported(kernel)) continue;
    for (const float v : {nan, 0.0f}) {
      std::vector<float> y(3, 5.0f);
      const float x[1] = {v};
      DenseForward(packed, x, 1, 1, true, y.data(), 3, kernel);
      for (const float o : y) {
        EXPECT_EQ(o, 0.0f) << VectorKernelName(kernel);
        EXPECT_FALSE(std::signbit(o)) << VectorKernelName(kernel);
      }
    }
  }
}

}  // namespace
}  // namespace tabpilot
