// AVX2 with FMA: compiled with -mavx2 -mfma (ports/kernels/xsimd/CMakeLists.txt). The fma3<avx2>
// tag is the one on which xsimd 8.1 fuses xsimd::fma; plain avx2 would multiply and add.
#include "kernels_xsimd.hpp"

#if !XSIMD_WITH_FMA3_AVX2
#error "kernels_avx2.cpp must be compiled with -mavx2 -mfma"
#endif

namespace microprop::xsimd_port {
template const kernel_table& xsimd_kernels<xsimd::fma3<xsimd::avx2>>();
}  // namespace microprop::xsimd_port
