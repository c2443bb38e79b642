#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "core/error.h"
#include "learners/sincos_kernel.h"

namespace tabpilot {
namespace {

constexpr VectorKernel kKernels[] = {VectorKernel::kScalar, VectorKernel::kAvx2, VectorKernel::kAvx512};

// Arguments the embedding sees (|2 pi c x| mostly below a few hundred),
// the edges of the reduction and the values past it.
std::vector<float> Arguments() {
  std::mt19937_64 rng(11);
  std::vector<float> u;
  std::uniform_real_distribution<float> small(-10.0f, 10.0f), mid(-1000.0f, 1000.0f),
      wide(-kSinCosReduced, kSinCosReduced);
  for (int i = 0; i < 400000; ++i) u.push_back(small(rng));
  for (int i = 0; i < 400000; ++i) u.push_back(mid(rng));
  for (int i = 0; i < 400000; ++i) u.push_back(wide(rng));
  for (int k = -64; k <= 64; ++k) {
    const float q = static_cast<float>(k) * 1.5707963267948966f;
    u.insert(u.end(), {q, std::nextafter(q, 1e9f), std::nextafter(q, -1e9f)});
  }
  const float inf = std::numeric_limits<float>::infinity();
  u.insert(u.end(), {0.0f, -0.0f, 1e-30f, -1e-30f, kSinCosReduced, -kSinCosReduced, std::nextafter(kSinCosReduced, inf),
                     1e5f, -3e7f, 1e30f, inf, -inf, std::numeric_limits<float>::quiet_NaN()});
  return u;
}

// Within 2e-7 of the exact values where reduced; the C library's values
// past it (NaN for infinities and NaN).
TEST(SinCosKernel, PortableKernelIsWithin2e7OfTheExactValues) {
  const std::vector<float> u = Arguments();
  std::vector<float> s(u.size()), c(u.size());
  SinCos(u.data(), u.size(), s.data(), c.data(), VectorKernel::kScalar);
  double worst = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    if (std::abs(u[i]) <= kSinCosReduced) {
      const double ws = std::sin(static_cast<double>(u[i])), wc = std::cos(static_cast<double>(u[i]));
      worst = std::max({worst, std::abs(s[i] - ws), std::abs(c[i] - wc)});
    } else if (std::isfinite(u[i])) {
      EXPECT_EQ(s[i], std::sin(u[i])) << u[i];
      EXPECT_EQ(c[i], std::cos(u[i])) << u[i];
    } else {
      EXPECT_TRUE(std::isnan(s[i]) && std::isnan(c[i])) << u[i];
    }
  }
  EXPECT_LT(worst, 2e-7);
}

// Every kernel this processor runs gives the portable kernel's floats, for
// every count (vector tails) and offset.
TEST(SinCosKernel, EveryKernelGivesThePortableFloats) {
  const std::vector<float> u = Arguments();
  std::vector<float> want_s(u.size()), want_c(u.size());
  SinCos(u.data(), u.size(), want_s.data(), want_c.data(), VectorKernel::kScalar);
  auto same = [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); };
  std::set<VectorKernel> checked;
  for (const VectorKernel kernel : kKernels) {
    if (!VectorKernelSupported(kernel)) {
      EXPECT_THROW(SinCos(u.data(), 1, want_s.data(), want_c.data(), kernel), InvalidInput);
      continue;
    }
    checked.insert(kernel);
    std::vector<float> s(u.size()), c(u.size());
    SinCos(u.data(), u.size(), s.data(), c.data(), kernel);
    for (size_t i = 0; i < u.size(); ++i) {
      ASSERT_TRUE(same(s[i], want_s[i]) && same(c[i], want_c[i])) << static_cast<int>(kernel) << " u=" << u[i];
    }
    // Short runs at odd offsets (the tails), the values past the reduction
    // (at the end of Arguments()) among them.
    for (size_t n = 1; n <= 33; ++n) {
      const size_t at = u.size() - n - 3;
      std::vector<float> ts(n + 1, 9.0f), tc(n + 1, 9.0f);
      SinCos(u.data() + at, n, ts.data(), tc.data(), kernel);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(same(ts[i], want_s[at + i]) && same(tc[i], want_c[at + i])) << "n=" << n << " i=" << i;
      }
      EXPECT_EQ(ts[n], 9.0f);  // nothing written past n
      EXPECT_EQ(tc[n], 9.0f);
    }
  }
  // The kernel the embedding runs (the fastest here) was among those compared.
  EXPECT_TRUE(checked.count(ResolveVectorKernel(VectorKernel::kAuto)) == 1);
}

}  // namespace
}  // namespace tabpilot
