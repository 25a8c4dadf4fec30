// The xsimd-exp sigmoid baseline for SSE2 (the x86-64 default flags).
#include "bench_sigmoid_xsimd.hpp"
#include "bench_sigmoid_xsimd_body.hpp"

namespace microprop_bench {
void sigmoid_xsimd_exp_sse2(std::size_t n, const float* x, float* y) {
    xsimd_baseline::sigmoid_xsimd_exp<xsimd::sse2>(n, x, y);
}
}  // namespace microprop_bench
