// Which kernel the network's vector code runs (dense_kernel.h,
// sincos_kernel.h): the build itself assumes no AVX, so each has a portable
// kernel and kernels for AVX2 with FMA and for AVX-512, chosen at run time.
// All of a family's kernels give the same floats.
#pragma once

#include <cstdint>

namespace tabpilot {

enum class VectorKernel : uint8_t {
  kAuto,    // the fastest this processor runs
  kScalar,  // std::fma, any processor
  kAvx2,    // 8 floats a vector, FMA
  kAvx512,  // 16 floats a vector (AVX-512F)
};

bool VectorKernelSupported(VectorKernel kernel);
const char* VectorKernelName(VectorKernel kernel);
// kAuto -> the fastest supported kernel (found once); a kernel this
// processor does not run -> InvalidInput.
VectorKernel ResolveVectorKernel(VectorKernel kernel);

}  // namespace tabpilot
