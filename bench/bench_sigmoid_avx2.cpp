// The xsimd-exp sigmoid baseline for AVX2 with FMA, compiled with -mavx2 -mfma
// (bench/CMakeLists.txt), on the fma3<avx2> tag as the library's avx2+fma table.
#include "bench_sigmoid_xsimd.hpp"
#include "bench_sigmoid_xsimd_body.hpp"

namespace microprop_bench {
void sigmoid_xsimd_exp_avx2_fma(std::size_t n, const float* x, float* y) {
    xsimd_baseline::sigmoid_xsimd_exp<xsimd::fma3<xsimd::avx2>>(n, x, y);
}
}  // namespace microprop_bench
