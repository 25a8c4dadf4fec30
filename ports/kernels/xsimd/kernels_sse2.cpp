// SSE2: the x86-64 baseline, compiled with the default flags. Runs on every x86-64 CPU.
#include "kernels_xsimd.hpp"

#if !XSIMD_WITH_SSE2
#error "kernels_sse2.cpp needs an x86-64 target (SSE2)"
#endif

namespace microprop::xsimd_port {
template const kernel_table& xsimd_kernels<xsimd::sse2>();
}  // namespace microprop::xsimd_port
