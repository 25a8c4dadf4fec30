// The element-wise kernels of a port without vector instructions: activations, softmax
// and BP2's derivative factors, one element at a time with math.hpp's polynomials. Shared
// by the scalar reference and the Cortex-M fpu table, which differ only in their matrix
// kernels. Internal to the ports; not part of the public API.
#pragma once

#include <cstddef>

#include "microprop/math.hpp"

namespace microprop::scalar_elementwise {

inline void sigmoid(std::size_t n, const float* z, float* a) {
    for (std::size_t i = 0; i < n; ++i) a[i] = math::sigmoid(z[i]);
}

inline void tanh_kernel(std::size_t n, const float* z, float* a) {
    for (std::size_t i = 0; i < n; ++i) a[i] = math::tanh(z[i]);
}

inline void relu(std::size_t n, const float* z, float* a) {
    // z > 0 ? z : 0 keeps NaN out of the comparison's true branch; NaN maps to NaN below.
    for (std::size_t i = 0; i < n; ++i) a[i] = z[i] > 0.0f ? z[i] : (z[i] != z[i] ? z[i] : 0.0f);
}

inline void softmax(std::size_t n, const float* z, float* a) {
    // Subtract the maximum so the largest exponent is exp(0) = 1 and the sum is >= 1.
    float m = z[0];
    for (std::size_t i = 1; i < n; ++i) m = z[i] > m ? z[i] : m;
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        a[i] = math::exp(z[i] - m);
        sum += a[i];
    }
    for (std::size_t i = 0; i < n; ++i) a[i] /= sum;
}

inline void sigmoid_backward(std::size_t n, const float* a, float* d) {
    for (std::size_t i = 0; i < n; ++i) d[i] *= a[i] * (1.0f - a[i]);
}

inline void tanh_backward(std::size_t n, const float* a, float* d) {
    for (std::size_t i = 0; i < n; ++i) d[i] *= 1.0f - a[i] * a[i];
}

inline void relu_backward(std::size_t n, const float* a, float* d) {
    for (std::size_t i = 0; i < n; ++i) d[i] = a[i] > 0.0f ? d[i] : 0.0f;
}

}  // namespace microprop::scalar_elementwise
