// NEON on AArch64, where it is always present (and so is FMA: xsimd uses vfmaq_f32).
#include "kernels_xsimd.hpp"

#if !XSIMD_WITH_NEON64
#error "kernels_neon64.cpp needs an AArch64 target"
#endif

namespace microprop::xsimd_port {
template const kernel_table& xsimd_kernels<xsimd::neon64>();
}  // namespace microprop::xsimd_port
