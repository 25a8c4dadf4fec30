// The xsimd-exp sigmoid baseline for AVX-512, compiled with -mavx512f -mavx512dq -mfma
// (bench/CMakeLists.txt). Benchmarked only on CPUs whose avx512 kernel table runs.
#include "bench_sigmoid_xsimd.hpp"
#include "bench_sigmoid_xsimd_body.hpp"

namespace microprop_bench {
void sigmoid_xsimd_exp_avx512(std::size_t n, const float* x, float* y) {
    xsimd_baseline::sigmoid_xsimd_exp<xsimd::avx512f>(n, x, y);
}
}  // namespace microprop_bench
