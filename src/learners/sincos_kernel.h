// Sines and cosines of many floats at once (the periodic embedding's
// sin(2 pi c x) and cos(2 pi c x), learners/periodic_embedding.h), by
// kernels for the vector units the build itself does not assume (AVX2 with
// FMA, AVX-512), chosen at run time, and a portable one.
//
// Every kernel computes each value the same way, so results do not depend
// on the kernel, on the processor's vector width or on the value's
// neighbours: Cody-Waite reduction by pi/2 with a three-part constant, then
// minimax polynomials on [-pi/4, pi/4] (Moshier's Cephes sinf/cosf
// coefficients), every multiply-add one FMA. Error against the exact
// values: at most 2e-7 absolute for |u| <= kSinCosReduced (measured by the
// tests on millions of points); larger or non-finite arguments are passed
// to the C library's sin and cos (in every kernel).
#pragma once

#include <cstddef>
#include <cstdint>

#include "learners/vector_kernel.h"

namespace tabpilot {

// The largest |u| reduced in the kernel (the three-part constant keeps the
// reduction exact enough below it).
constexpr float kSinCosReduced = 8192.0f;

// s[i] = sin(u[i]), c[i] = cos(u[i]) for i < n. The arrays must not overlap.
void SinCos(const float* u, size_t n, float* s, float* c, VectorKernel kernel = VectorKernel::kAuto);

}  // namespace tabpilot
