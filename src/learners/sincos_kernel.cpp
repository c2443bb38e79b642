// The sine and cosine kernels (sincos_kernel.h), the vector ones compiled
// with function-level target attributes (the build itself assumes no AVX).
// The three kernels run the same operations in the same order on each
// value; the portable one spells each FMA out with std::fma.
#include "learners/sincos_kernel.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace tabpilot {
namespace {

#define TABPILOT_AVX2 __attribute__((target("avx2,fma")))
#define TABPILOT_AVX512 __attribute__((target("avx512f")))

constexpr float kTwoOverPi = 0.636619772367581343f;
// pi/2 in three parts (Cephes' DP1..DP3 for pi/4, doubled): j x kP1 and
// j x kP2 are exact for the j of |u| <= kSinCosReduced.
constexpr float kP1 = 1.5703125f;
constexpr float kP2 = 4.837512969970703125e-4f;
constexpr float kP3 = 7.54978995489188216e-8f;
// sin r = r + r z (kS0 z^2 + kS1 z + kS2), z = r^2
constexpr float kS0 = -1.9515295891e-4f;
constexpr float kS1 = 8.3321608736e-3f;
constexpr float kS2 = -1.6666654611e-1f;
// cos r = 1 - z / 2 + z^2 (kC0 z^2 + kC1 z + kC2)
constexpr float kC0 = 2.443315711809948e-5f;
constexpr float kC1 = -1.388731625493765e-3f;
constexpr float kC2 = 4.166664568298827e-2f;
constexpr uint32_t kSign = 0x80000000u;

bool Reduced(float u) { return std::abs(u) <= kSinCosReduced; }  // false for NaN

void SinCosOne(float u, float* s, float* c) {
  if (!Reduced(u)) {
    *s = std::sin(u);
    *c = std::cos(u);
    return;
  }
  const float j = std::nearbyint(u * kTwoOverPi);
  float r = std::fma(-j, kP1, u);
  r = std::fma(-j, kP2, r);
  r = std::fma(-j, kP3, r);
  const float z = r * r;
  const float ps = std::fma(std::fma(kS0, z, kS1), z, kS2) * z;
  const float sr = std::fma(ps, r, r);
  const float pc = std::fma(std::fma(kC0, z, kC1), z, kC2) * z;
  const float cr = std::fma(pc, z, std::fma(-0.5f, z, 1.0f));
  const auto q = static_cast<uint32_t>(static_cast<int32_t>(j));
  const bool swap = (q & 1u) != 0;
  *s = std::bit_cast<float>(std::bit_cast<uint32_t>(swap ? cr : sr) ^ ((q & 2u) << 30));
  *c = std::bit_cast<float>(std::bit_cast<uint32_t>(swap ? sr : cr) ^ (((q + 1u) & 2u) << 30));
}

void SinCosScalar(const float* u, size_t n, float* s, float* c) {
  for (size_t i = 0; i < n; ++i) SinCosOne(u[i], s + i, c + i);
}

// ---- AVX-512: 16 values a vector ----

TABPILOT_AVX512 void SinCos16(const float* u, float* s, float* c, __mmask16 lanes) {
  const __m512 x = _mm512_maskz_loadu_ps(lanes, u);
  // The zero-masked forms (GCC 12's plain ones read an undefined vector,
  // which its -Wuninitialized flags), every lane selected.
  constexpr __mmask16 kAll = 0xFFFF;
  const __m512 j = _mm512_maskz_roundscale_ps(kAll, _mm512_mul_ps(x, _mm512_set1_ps(kTwoOverPi)),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(j, _mm512_set1_ps(kP1), x);
  r = _mm512_fnmadd_ps(j, _mm512_set1_ps(kP2), r);
  r = _mm512_fnmadd_ps(j, _mm512_set1_ps(kP3), r);
  const __m512 z = _mm512_mul_ps(r, r);
  const __m512 ps = _mm512_mul_ps(
      _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(kS0), z, _mm512_set1_ps(kS1)), z, _mm512_set1_ps(kS2)), z);
  const __m512 sr = _mm512_fmadd_ps(ps, r, r);
  const __m512 pc = _mm512_mul_ps(
      _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(kC0), z, _mm512_set1_ps(kC1)), z, _mm512_set1_ps(kC2)), z);
  const __m512 cr = _mm512_fmadd_ps(pc, z, _mm512_fmadd_ps(_mm512_set1_ps(-0.5f), z, _mm512_set1_ps(1.0f)));
  const __m512i q = _mm512_maskz_cvttps_epi32(kAll, j);
  const __mmask16 swap = _mm512_test_epi32_mask(q, _mm512_set1_epi32(1));
  const __m512i two = _mm512_set1_epi32(2);
  const __m512i sin_sign = _mm512_maskz_slli_epi32(kAll, _mm512_and_si512(q, two), 30);
  const __m512i cos_sign =
      _mm512_maskz_slli_epi32(kAll, _mm512_and_si512(_mm512_add_epi32(q, _mm512_set1_epi32(1)), two), 30);
  const __m512 sv =
      _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(_mm512_mask_blend_ps(swap, sr, cr)), sin_sign));
  const __m512 cv =
      _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(_mm512_mask_blend_ps(swap, cr, sr)), cos_sign));
  _mm512_mask_storeu_ps(s, lanes, sv);
  _mm512_mask_storeu_ps(c, lanes, cv);
  // |u| past the reduction, or NaN: the C library, as the scalar kernel.
  const __m512 abs = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(~kSign)));
  auto big = static_cast<uint32_t>(_mm512_mask_cmp_ps_mask(lanes, abs, _mm512_set1_ps(kSinCosReduced), _CMP_NLE_UQ));
  while (big != 0) {
    const int k = std::countr_zero(big);
    SinCosOne(u[k], s + k, c + k);
    big &= big - 1;
  }
}

TABPILOT_AVX512 void SinCosAvx512(const float* u, size_t n, float* s, float* c) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) SinCos16(u + i, s + i, c + i, 0xFFFF);
  if (i < n) SinCos16(u + i, s + i, c + i, static_cast<__mmask16>((1u << (n - i)) - 1u));
}

// ---- AVX2: 8 values a vector ----

TABPILOT_AVX2 void SinCos8(const float* u, float* s, float* c) {
  const __m256 x = _mm256_loadu_ps(u);
  const __m256 j =
      _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kTwoOverPi)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(j, _mm256_set1_ps(kP1), x);
  r = _mm256_fnmadd_ps(j, _mm256_set1_ps(kP2), r);
  r = _mm256_fnmadd_ps(j, _mm256_set1_ps(kP3), r);
  const __m256 z = _mm256_mul_ps(r, r);
  const __m256 ps = _mm256_mul_ps(
      _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(kS0), z, _mm256_set1_ps(kS1)), z, _mm256_set1_ps(kS2)), z);
  const __m256 sr = _mm256_fmadd_ps(ps, r, r);
  const __m256 pc = _mm256_mul_ps(
      _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(kC0), z, _mm256_set1_ps(kC1)), z, _mm256_set1_ps(kC2)), z);
  const __m256 cr = _mm256_fmadd_ps(pc, z, _mm256_fmadd_ps(_mm256_set1_ps(-0.5f), z, _mm256_set1_ps(1.0f)));
  const __m256i q = _mm256_cvttps_epi32(j);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i two = _mm256_set1_epi32(2);
  const __m256 swap = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(q, one), one));
  const __m256i sin_sign = _mm256_slli_epi32(_mm256_and_si256(q, two), 30);
  const __m256i cos_sign = _mm256_slli_epi32(_mm256_and_si256(_mm256_add_epi32(q, one), two), 30);
  const __m256 sv =
      _mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(_mm256_blendv_ps(sr, cr, swap)), sin_sign));
  const __m256 cv =
      _mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(_mm256_blendv_ps(cr, sr, swap)), cos_sign));
  _mm256_storeu_ps(s, sv);
  _mm256_storeu_ps(c, cv);
  const __m256 abs = _mm256_castsi256_ps(_mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(~kSign)));
  auto big = static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(abs, _mm256_set1_ps(kSinCosReduced), _CMP_NLE_UQ)));
  while (big != 0) {
    const int k = std::countr_zero(big);
    SinCosOne(u[k], s + k, c + k);
    big &= big - 1;
  }
}

TABPILOT_AVX2 void SinCosAvx2(const float* u, size_t n, float* s, float* c) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) SinCos8(u + i, s + i, c + i);
  if (i < n) {
    float in[8] = {}, so[8], co[8];
    std::copy(u + i, u + n, in);
    SinCos8(in, so, co);
    std::copy_n(so, n - i, s + i);
    std::copy_n(co, n - i, c + i);
  }
}

#undef TABPILOT_AVX2
#undef TABPILOT_AVX512

}  // namespace

void SinCos(const float* u, size_t n, float* s, float* c, VectorKernel kernel) {
  switch (ResolveVectorKernel(kernel)) {
    case VectorKernel::kAvx512:
      SinCosAvx512(u, n, s, c);
      return;
    case VectorKernel::kAvx2:
      SinCosAvx2(u, n, s, c);
      return;
    default:
      SinCosScalar(u, n, s, c);
      return;
  }
}

}  // namespace tabpilot
