// The baseline the vector sigmoid is measured against: 1 / (1 + xsimd::exp(-x)), the
// one-liner a user of xsimd 8.1 would write, for each x86 instruction set the library has
// a kernel table for.
//
// Each entry point is defined in its own translation unit compiled with that instruction
// set's flags (bench_sigmoid_sse2.cpp, bench_sigmoid_avx2.cpp, bench_sigmoid_avx512.cpp;
// flags in bench/CMakeLists.txt). This header declares plain functions only and includes
// no xsimd, so the default-flag benchmark code that calls them instantiates no batch code.
//
// Contract of every entry point, as the library's element-wise kernels: y[i] = f(x[i]) for
// exactly n elements, x and y aligned to microprop::vector_alignment, in place allowed.
#pragma once

#include <cstddef>

namespace microprop_bench {

using unary_kernel = void (*)(std::size_t n, const float* x, float* y);

// A baseline and the kernel table name it pairs with.
struct sigmoid_baseline {
    const char* table;  // "sse2", "avx2+fma", "avx512"
    unary_kernel fn;
};

#if defined(MICROPROP_BENCH_HAVE_XSIMD_BASELINE)
void sigmoid_xsimd_exp_sse2(std::size_t n, const float* x, float* y);
void sigmoid_xsimd_exp_avx2_fma(std::size_t n, const float* x, float* y);
void sigmoid_xsimd_exp_avx512(std::size_t n, const float* x, float* y);

// Every baseline compiled in. Only those whose table the CPU runs (kernel_table_at lists
// it) may be called: the caller pairs them by name.
inline constexpr sigmoid_baseline sigmoid_baselines[] = {
    {"avx512", sigmoid_xsimd_exp_avx512},
    {"avx2+fma", sigmoid_xsimd_exp_avx2_fma},
    {"sse2", sigmoid_xsimd_exp_sse2},
};
#else
inline constexpr sigmoid_baseline sigmoid_baselines[] = {{"", nullptr}};
#endif

}  // namespace microprop_bench
