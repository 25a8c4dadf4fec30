// Double-precision reference of every kernel of microprop::kernel_table.
//
// Lives in tests/ only: the library never computes in double. Each matrix reference also
// returns, per output element, the sum of the magnitudes of the terms that make it up
// (sum |terms|), which the tests turn into the a-priori rounding bound
// |float result - exact| <= gamma_n(number of roundings) * sum |terms|.
//
// Layout is the library's: row-major, `stride` floats per row, logical columns `cols`;
// the references read only the logical columns and give exact zeros for the padding.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace microprop::reference {

// An output value and the sum of |terms| that produced it.
struct bounded {
    double value = 0.0;
    double magnitude = 0.0;
};

// acc + sum_{i < n} a[i * a_step] b[i], and the sum of the magnitudes of those terms:
// a row of W (a_step 1) or a column (a_step stride) against a vector.
inline bounded dot(double acc, std::size_t n, const float* a, std::size_t a_step, const float* b) {
    double mag = std::fabs(acc);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(a[i * a_step]) * b[i];
        acc += t;
        mag += std::fabs(t);
    }
    return {acc, mag};
}

// y[r] = b[r] + sum_{c < cols} W[r][c] x[c], r < rows.
inline std::vector<bounded> gemv(std::size_t rows, std::size_t cols, std::size_t stride,
                                 const float* W, const float* x, const float* b) {
    std::vector<bounded> y(rows);
    for (std::size_t r = 0; r < rows; ++r) y[r] = dot(b[r], cols, W + r * stride, 1, x);
    return y;
}

// y[c] = sum_{r < rows} W[r][c] d[r], c < stride (zero for the padding columns).
inline std::vector<bounded> gemv_t(std::size_t rows, std::size_t cols, std::size_t stride,
                                   const float* W, const float* d) {
    std::vector<bounded> y(stride);
    for (std::size_t c = 0; c < cols; ++c) y[c] = dot(0.0, rows, W + c, stride, d);
    return y;
}

// W'[r][c] = W[r][c] + alpha d[r] x[c] (the padding columns stay zero).
inline std::vector<bounded> ger(std::size_t rows, std::size_t cols, std::size_t stride,
                                float alpha, const float* d, const float* x, const float* W) {
    std::vector<bounded> out(rows * stride);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) {
            const double w = W[r * stride + c];
            const double t = static_cast<double>(alpha) * d[r] * x[c];
            out[r * stride + c] = {w + t, std::fabs(w) + std::fabs(t)};
        }
    return out;
}

// y[i] + alpha x[i].
inline std::vector<bounded> axpy(std::size_t n, float alpha, const float* x, const float* y) {
    std::vector<bounded> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(alpha) * x[i];
        out[i] = {y[i] + t, std::fabs(static_cast<double>(y[i])) + std::fabs(t)};
    }
    return out;
}

// max |x[i]|, NaN if any x[i] is NaN.
inline double max_abs(std::size_t n, const float* x) {
    double m = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(x[i])) return std::numeric_limits<double>::quiet_NaN();
        m = std::fmax(m, std::fabs(static_cast<double>(x[i])));
    }
    return m;
}

// Activations.
inline double exp(double x) { return std::exp(x); }

// 1 / (1 + e^-x), written so that nothing overflows and nothing cancels.
inline double sigmoid(double x) {
    if (x < 0.0) {
        const double e = std::exp(x);
        return e / (1.0 + e);
    }
    return 1.0 / (1.0 + std::exp(-x));
}

inline double tanh(double x) { return std::tanh(x); }

inline double relu(double x) { return x > 0.0 ? x : (std::isnan(x) ? x : 0.0); }

// exp(z - max z) / sum exp(z - max z), all in double.
inline std::vector<double> softmax(std::size_t n, const float* z) {
    std::vector<double> a(n);
    double m = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n; ++i) m = std::fmax(m, static_cast<double>(z[i]));
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        a[i] = std::exp(static_cast<double>(z[i]) - m);
        sum += a[i];
    }
    for (std::size_t i = 0; i < n; ++i) a[i] /= sum;
    return a;
}

// BP2's factors from the stored activation a: d f'(z).
inline double sigmoid_backward(double a, double d) { return d * a * (1.0 - a); }
inline double tanh_backward(double a, double d) { return d * (1.0 - a * a); }
inline double relu_backward(double a, double d) { return a > 0.0 ? d : 0.0; }

}  // namespace microprop::reference
