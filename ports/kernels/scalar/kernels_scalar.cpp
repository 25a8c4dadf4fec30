// The portable reference port: plain C++ loops, one accumulation order everywhere, so
// its results are the yardstick for the vector ports and the starting point for
// microcontrollers. Loops run over the padded stride: padding columns are zero, which
// keeps the padding of every output zero as well.
#include <cstddef>

#include "microprop/kernels.hpp"
#include "elementwise.hpp"

namespace microprop {
namespace {

void gemv(std::size_t rows, std::size_t stride, const float* W, const float* x, const float* b,
          float* y) {
    for (std::size_t r = 0; r < rows; ++r) {
        const float* w = W + r * stride;
        float acc = 0.0f;
        for (std::size_t c = 0; c < stride; ++c) acc += w[c] * x[c];
        y[r] = acc + b[r];
    }
}

void gemv_t(std::size_t rows, std::size_t stride, const float* W, const float* d, float* y) {
    for (std::size_t c = 0; c < stride; ++c) y[c] = 0.0f;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* w = W + r * stride;
        const float dr = d[r];
        for (std::size_t c = 0; c < stride; ++c) y[c] += w[c] * dr;
    }
}

void ger(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
         float* W) {
    for (std::size_t r = 0; r < rows; ++r) {
        float* w = W + r * stride;
        const float s = alpha * d[r];
        for (std::size_t c = 0; c < stride; ++c) w[c] += s * x[c];
    }
}

// Same accumulation order as gemv_t and the same update expression as ger, so the fused
// result is bit-for-bit theirs; the old weight is read once, used twice.
void gemv_t_ger(std::size_t rows, std::size_t stride, float alpha, const float* d,
                const float* x, float* W, float* y) {
    for (std::size_t c = 0; c < stride; ++c) y[c] = 0.0f;
    for (std::size_t r = 0; r < rows; ++r) {
        float* w = W + r * stride;
        const float dr = d[r];
        const float s = alpha * dr;
        for (std::size_t c = 0; c < stride; ++c) {
            const float old = w[c];
            y[c] += old * dr;
            w[c] = old + s * x[c];
        }
    }
}

// ger's update expression, then gemv's accumulation order over the new weights, so the
// result is bit-for-bit ger followed by gemv; each weight is read and written once.
void ger_gemv(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
              float* W, const float* x_next, const float* b, float* y) {
    for (std::size_t r = 0; r < rows; ++r) {
        float* w = W + r * stride;
        const float s = alpha * d[r];
        float acc = 0.0f;
        for (std::size_t c = 0; c < stride; ++c) {
            const float updated = w[c] + s * x[c];
            w[c] = updated;
            acc += updated * x_next[c];
        }
        y[r] = acc + b[r];
    }
}

void axpy(std::size_t n, float alpha, const float* x, float* y) {
    for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

float max_abs(std::size_t n, const float* x) {
    float m = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        const float a = x[i] < 0.0f ? -x[i] : x[i];
        if (a != a) return a;  // NaN
        if (a > m) m = a;
    }
    return m;
}

using namespace scalar_elementwise;

constexpr kernel_table table = {
    "scalar",   gemv,         gemv_t,  ger,          gemv_t_ger,    ger_gemv,     axpy,
    max_abs,    exp_kernel,   sigmoid, tanh_kernel,  relu,          softmax,
    sigmoid_backward, tanh_backward, relu_backward,
};

}  // namespace

const kernel_table& scalar_kernels() { return table; }

}  // namespace microprop
