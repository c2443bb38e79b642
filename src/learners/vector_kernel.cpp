#include "learners/vector_kernel.h"

#include <string>

#include "core/error.h"

namespace tabpilot {

bool VectorKernelSupported(VectorKernel kernel) {
  switch (kernel) {
    case VectorKernel::kAuto:
    case VectorKernel::kScalar:
      return true;
    case VectorKernel::kAvx2:
      return __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;
    case VectorKernel::kAvx512:
      return __builtin_cpu_supports("avx512f") != 0;
  }
  return false;
}

const char* VectorKernelName(VectorKernel kernel) {
  switch (kernel) {
    case VectorKernel::kAuto:
      return "auto";
    case VectorKernel::kScalar:
      return "scalar";
    case VectorKernel::kAvx2:
      return "avx2";
    case VectorKernel::kAvx512:
      return "avx512";
  }
  return "?";
}

VectorKernel ResolveVectorKernel(VectorKernel kernel) {
  static const VectorKernel kFastest = VectorKernelSupported(VectorKernel::kAvx512) ? VectorKernel::kAvx512
                                       : VectorKernelSupported(VectorKernel::kAvx2) ? VectorKernel::kAvx2
                                                                                    : VectorKernel::kScalar;
  if (kernel == VectorKernel::kAuto) return kFastest;
  if (!VectorKernelSupported(kernel)) {
    throw InvalidInput(std::string("the ") + VectorKernelName(kernel) + " kernel does not run on this processor");
  }
  return kernel;
}

}  // namespace tabpilot
