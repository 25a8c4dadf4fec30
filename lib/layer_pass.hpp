// One layer of the forward pass and BP2's element-wise factor, through the activation
// table: the engine (network.cpp) and prediction from flash (flash_network.cpp) both run
// their layers with these, so the two forward passes are one code.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>

#include "microprop/activations.hpp"
#include "microprop/kernels.hpp"

namespace microprop::detail {

// a = f(z), n elements. z and a may be the same buffer unless the activation
// needs_separate_output.
inline void activate(const kernel_table& k, activation act, std::size_t n, const float* z, float* a) {
    const elementwise_kernel f = traits_of(act).forward;
    if (f != nullptr)
        (k.*f)(n, z, a);
    else if (z != a)
        std::memcpy(a, z, n * sizeof(float));
}

// BP2's factor: d = d (.) f'(z), with f' written from the stored a = f(z).
inline void times_derivative(const kernel_table& k, activation act, std::size_t n, const float* a, float* d) {
    const elementwise_kernel f = traits_of(act).backward;
    if (f != nullptr) (k.*f)(n, a, d);
}

// One layer: z = W prev + b (skipped when the caller's fused kernel already wrote z), then
// a = f(z). Returns an upper bound of max|a| (1 for activations bounded by one, else the
// measured maximum), or a non-finite value if z or a came out non-finite: the caller
// refuses the pass. z is checked before f is applied, so a bounded activation of a finite
// z is finite.
inline float forward_layer(const kernel_table& k, activation act, std::size_t rows, std::size_t stride,
                           const float* W, const float* b, const float* prev, float* z, float* a,
                           bool z_computed) {
    if (!z_computed) k.gemv(rows, stride, W, prev, b, z);  // z_l = W_l a_{l-1} + b_l
    const float z_max = k.max_abs(rows, z);
    if (!std::isfinite(z_max)) return z_max;
    activate(k, act, rows, z, a);  // a_l = f_l(z_l)
    return traits_of(act).bounded_by_one ? 1.0f : k.max_abs(rows, a);
}

}  // namespace microprop::detail
