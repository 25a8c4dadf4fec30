// The body of the xsimd-exp sigmoid baseline, a template on the xsimd architecture tag.
// Included only by the per-instruction-set translation units: every instantiation is a
// distinct symbol, so the linker can never hand the SSE2 caller a copy compiled for AVX.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace microprop_bench::xsimd_baseline {

template <class Arch>
void sigmoid_xsimd_exp(std::size_t n, const float* x, float* y) {
    // Each translation unit instantiates this for the instruction set of its own flags
    // (bench/CMakeLists.txt); without them xsimd would have no batch type for Arch.
    static_assert(Arch::supported(), "compile this translation unit with the flags of its instruction set");
    using B = xsimd::batch<float, Arch>;
    constexpr std::size_t V = B::size;
    const B one(1.0f);  // parentheses: braces would read V lanes in xsimd 8.1
    std::size_t i = 0;
    for (; i + V <= n; i += V) {
        const B v = B::load_aligned(x + i);
        (one / (one + xsimd::exp(-v))).store_aligned(y + i);
    }
    if (i == n) return;
    // The last n % V elements: one zero-padded aligned batch, as the library's kernels do,
    // so both sides pay the same for a ragged end.
    alignas(Arch::alignment()) float tail[V] = {};
    for (std::size_t j = 0; i + j < n; ++j) tail[j] = x[i + j];
    const B v = B::load_aligned(tail);
    (one / (one + xsimd::exp(-v))).store_aligned(tail);
    for (std::size_t j = 0; i + j < n; ++j) y[i + j] = tail[j];
}

}  // namespace microprop_bench::xsimd_baseline
