// AVX-512F: compiled with -mavx512f -mavx512dq -mfma (xsimd 8.1's avx512f hadd uses an
// AVX512DQ instruction). port_tables.cpp lists it only on CPUs and OSes that run it.

// GCC 12's avx512fintrin.h seeds results with `__m512 __Y = __Y;` (_mm512_undefined_ps);
// once inlined here, -W(maybe-)uninitialized reports it (GCC bug 105593, fixed in 12.3).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "kernels_xsimd.hpp"

#if !XSIMD_WITH_AVX512F || !XSIMD_WITH_AVX512DQ
#error "kernels_avx512.cpp must be compiled with -mavx512f -mavx512dq -mfma"
#endif

namespace microprop::xsimd_port {
template const kernel_table& xsimd_kernels<xsimd::avx512f>();
}  // namespace microprop::xsimd_port
