// The "fpu" table: Cortex-M cores with a single-precision FPU and no SIMD (M4F, M7, M33).
//
// What makes it faster than the scalar reference on these cores:
// - Four rows per pass in the matrix kernels: gemv loads each x[c] once for four rows and
//   keeps four independent accumulators; gemv_t reads and writes each y[c] once per four
//   rows instead of once per row; ger loads each x[c] once per four rows.
// - Columns four at a time (stride is a multiple of row_floats): fixed offsets from one
//   pointer per row, one pointer increment per four loads.
// - Explicit fused multiply-adds (vfma.f32, one instruction and one rounding, where the
//   library's -ffp-contract=off scalar code spends a vmul and a vadd).
// - gemv_t_ger reads each weight once for both the product and the update; ger_gemv
//   reads and writes each weight once for the update and the next forward product.
//
// Results are not bit-identical to the scalar port (fused roundings, blocked sums); they
// stay within the rounding bounds the tests use. Inside this table gemv_t_ger equals gemv_t
// followed by ger bit for bit: per column the same fused multiply-adds in the same row
// order, and the same update expression W + (alpha d[r]) x[c]. Likewise ger_gemv equals
// ger followed by gemv: the same update, then gemv's accumulators in gemv's order.
//
// The element-wise kernels are the scalar port's loops (math.hpp's exp, sigmoid and tanh,
// bit-identical to it), except axpy (fused) and max_abs (on the bit patterns, no branches).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cortex_m_tables.hpp"
#include "microprop/config.hpp"
#include "microprop/kernels.hpp"
#include "kernels/scalar/elementwise.hpp"  // the element-wise kernels are the scalar port's

#if !defined(__ARM_FP) || (__ARM_FP & 4) == 0 || !defined(__ARM_FEATURE_FMA)
#error "kernels_fpu.cpp needs a single-precision FPU with fused multiply-add (Cortex-M4F, M7, M33, M55 with -mfloat-abi=hard or softfp)"
#endif

namespace microprop::cortex_m {
namespace {

// a * b + c with one rounding: vfma.f32.
inline float fma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }

// Columns per unrolled step. With row_floats a multiple of 4 (the Cortex-M default) the
// column loops have no remainder; smaller paddings take a remainder loop of stride % 4.
// The four columns of a step are unrolled (fixed offsets, one pointer increment per row
// per step; gemv on the M4 at -O2: 2.7 instructions per multiply-add), except at -Os,
// where the rolled loops are 0.6 KB smaller (and gemv takes 4.3).
constexpr std::size_t step = 4;
#if defined(__OPTIMIZE_SIZE__)
#define MICROPROP_UNROLL_STEP _Pragma("GCC unroll 1")
#else
#define MICROPROP_UNROLL_STEP _Pragma("GCC unroll 4")
#endif
inline std::size_t unrolled_columns(std::size_t stride) {
    return row_floats % step == 0 ? stride : stride - stride % step;
}

// --- matrix kernels --------------------------------------------------------------------

void gemv(std::size_t rows, std::size_t stride, const float* W, const float* x, const float* b,
          float* y) {
    const std::size_t body = unrolled_columns(stride);
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float* w0 = W + r * stride;
        const float* w1 = w0 + stride;
        const float* w2 = w1 + stride;
        const float* w3 = w2 + stride;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        std::size_t c = 0;
        for (; c < body; c += step) {
MICROPROP_UNROLL_STEP
            for (std::size_t k = 0; k < step; ++k) {
                const float xc = x[c + k];
                a0 = fma(w0[c + k], xc, a0);
                a1 = fma(w1[c + k], xc, a1);
                a2 = fma(w2[c + k], xc, a2);
                a3 = fma(w3[c + k], xc, a3);
            }
        }
        for (; c < stride; ++c) {
            const float xc = x[c];
            a0 = fma(w0[c], xc, a0);
            a1 = fma(w1[c], xc, a1);
            a2 = fma(w2[c], xc, a2);
            a3 = fma(w3[c], xc, a3);
        }
        y[r] = a0 + b[r];
        y[r + 1] = a1 + b[r + 1];
        y[r + 2] = a2 + b[r + 2];
        y[r + 3] = a3 + b[r + 3];
    }
    for (; r < rows; ++r) {
        const float* w = W + r * stride;
        // Two accumulators (even and odd columns): two independent chains.
        float a = 0.0f, e = 0.0f;
        std::size_t c = 0;
        for (; c < body; c += step) {
            a = fma(w[c], x[c], a);
            e = fma(w[c + 1], x[c + 1], e);
            a = fma(w[c + 2], x[c + 2], a);
            e = fma(w[c + 3], x[c + 3], e);
        }
        for (; c < stride; ++c) a = fma(w[c], x[c], a);
        y[r] = (a + e) + b[r];
    }
}

void gemv_t(std::size_t rows, std::size_t stride, const float* W, const float* d, float* y) {
    const std::size_t body = unrolled_columns(stride);
    for (std::size_t c = 0; c < stride; ++c) y[c] = 0.0f;
    std::size_t r = 0;
    // Four rows per pass: y[c] is loaded and stored once per four rows.
    for (; r + 4 <= rows; r += 4) {
        const float* w0 = W + r * stride;
        const float* w1 = w0 + stride;
        const float* w2 = w1 + stride;
        const float* w3 = w2 + stride;
        const float d0 = d[r], d1 = d[r + 1], d2 = d[r + 2], d3 = d[r + 3];
        std::size_t c = 0;
        for (; c < body; c += step) {
MICROPROP_UNROLL_STEP
            for (std::size_t k = 0; k < step; ++k) {
                float acc = y[c + k];
                acc = fma(w0[c + k], d0, acc);
                acc = fma(w1[c + k], d1, acc);
                acc = fma(w2[c + k], d2, acc);
                acc = fma(w3[c + k], d3, acc);
                y[c + k] = acc;
            }
        }
        for (; c < stride; ++c) {
            float acc = y[c];
            acc = fma(w0[c], d0, acc);
            acc = fma(w1[c], d1, acc);
            acc = fma(w2[c], d2, acc);
            acc = fma(w3[c], d3, acc);
            y[c] = acc;
        }
    }
    for (; r < rows; ++r) {
        const float* w = W + r * stride;
        const float dr = d[r];
        for (std::size_t c = 0; c < stride; ++c) y[c] = fma(w[c], dr, y[c]);
    }
}

void ger(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
         float* W) {
    const std::size_t body = unrolled_columns(stride);
    std::size_t r = 0;
    // Four rows per pass: x[c] is loaded once per four weight updates.
    for (; r + 4 <= rows; r += 4) {
        float* w0 = W + r * stride;
        float* w1 = w0 + stride;
        float* w2 = w1 + stride;
        float* w3 = w2 + stride;
        const float s0 = alpha * d[r], s1 = alpha * d[r + 1], s2 = alpha * d[r + 2],
                    s3 = alpha * d[r + 3];
        std::size_t c = 0;
        for (; c < body; c += step) {
MICROPROP_UNROLL_STEP
            for (std::size_t k = 0; k < step; ++k) {
                const float xc = x[c + k];
                w0[c + k] = fma(s0, xc, w0[c + k]);
                w1[c + k] = fma(s1, xc, w1[c + k]);
                w2[c + k] = fma(s2, xc, w2[c + k]);
                w3[c + k] = fma(s3, xc, w3[c + k]);
            }
        }
        for (; c < stride; ++c) {
            const float xc = x[c];
            w0[c] = fma(s0, xc, w0[c]);
            w1[c] = fma(s1, xc, w1[c]);
            w2[c] = fma(s2, xc, w2[c]);
            w3[c] = fma(s3, xc, w3[c]);
        }
    }
    for (; r < rows; ++r) {
        float* w = W + r * stride;
        const float s = alpha * d[r];
        for (std::size_t c = 0; c < stride; ++c) w[c] = fma(s, x[c], w[c]);
    }
}

// One pass over W: each old weight is loaded once, used for y, updated and stored.
void gemv_t_ger(std::size_t rows, std::size_t stride, float alpha, const float* d,
                const float* x, float* W, float* y) {
    const std::size_t body = unrolled_columns(stride);
    for (std::size_t c = 0; c < stride; ++c) y[c] = 0.0f;
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        float* w0 = W + r * stride;
        float* w1 = w0 + stride;
        float* w2 = w1 + stride;
        float* w3 = w2 + stride;
        const float d0 = d[r], d1 = d[r + 1], d2 = d[r + 2], d3 = d[r + 3];
        const float s0 = alpha * d0, s1 = alpha * d1, s2 = alpha * d2, s3 = alpha * d3;
        std::size_t c = 0;
        const auto column = [&](std::size_t j) {
            const float xc = x[j];
            const float v0 = w0[j], v1 = w1[j], v2 = w2[j], v3 = w3[j];
            float acc = y[j];
            acc = fma(v0, d0, acc);
            acc = fma(v1, d1, acc);
            acc = fma(v2, d2, acc);
            acc = fma(v3, d3, acc);
            y[j] = acc;
            w0[j] = fma(s0, xc, v0);
            w1[j] = fma(s1, xc, v1);
            w2[j] = fma(s2, xc, v2);
            w3[j] = fma(s3, xc, v3);
        };
        for (; c < body; c += step) {
MICROPROP_UNROLL_STEP
            for (std::size_t k = 0; k < step; ++k) column(c + k);
        }
        for (; c < stride; ++c) column(c);
    }
    for (; r < rows; ++r) {
        float* w = W + r * stride;
        const float dr = d[r];
        const float s = alpha * dr;
        for (std::size_t c = 0; c < stride; ++c) {
            const float v = w[c];
            y[c] = fma(v, dr, y[c]);
            w[c] = fma(s, x[c], v);
        }
    }
}

// ger and gemv in one pass: each weight is loaded once, updated, stored, and the updated
// value multiplied by x_next. The update is ger's fma(alpha d[r], x[c], W) and the sums
// follow gemv's structure (four rows per pass with one accumulator per row, the remaining
// rows with even/odd accumulators, the same column tails, the bias added last), so the
// results are those of ger followed by gemv, bit for bit. Row blocks line up because both
// start at row 0 and take four rows per pass.
void ger_gemv(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
              float* W, const float* x_next, const float* b, float* y) {
    const std::size_t body = unrolled_columns(stride);
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        float* w0 = W + r * stride;
        float* w1 = w0 + stride;
        float* w2 = w1 + stride;
        float* w3 = w2 + stride;
        const float s0 = alpha * d[r], s1 = alpha * d[r + 1], s2 = alpha * d[r + 2],
                    s3 = alpha * d[r + 3];
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        // x[j] and x_next[j] are loaded once, before the stores to W: as far as the
        // compiler knows W may overlap them, so a load written after a store would have to
        // stay after it (and be repeated after each of the four).
        const auto column = [&](std::size_t j) {
            const float xc = x[j];
            const float xn = x_next[j];
            const float v0 = fma(s0, xc, w0[j]);
            const float v1 = fma(s1, xc, w1[j]);
            const float v2 = fma(s2, xc, w2[j]);
            const float v3 = fma(s3, xc, w3[j]);
            w0[j] = v0;
            w1[j] = v1;
            w2[j] = v2;
            w3[j] = v3;
            a0 = fma(v0, xn, a0);
            a1 = fma(v1, xn, a1);
            a2 = fma(v2, xn, a2);
            a3 = fma(v3, xn, a3);
        };
        std::size_t c = 0;
        for (; c < body; c += step) {
MICROPROP_UNROLL_STEP
            for (std::size_t k = 0; k < step; ++k) column(c + k);
        }
        for (; c < stride; ++c) column(c);
        y[r] = a0 + b[r];
        y[r + 1] = a1 + b[r + 1];
        y[r + 2] = a2 + b[r + 2];
        y[r + 3] = a3 + b[r + 3];
    }
    for (; r < rows; ++r) {
        float* w = W + r * stride;
        const float s = alpha * d[r];
        // gemv's two accumulators (even and odd columns).
        float a = 0.0f, e = 0.0f;
        std::size_t c = 0;
        for (; c < body; c += step) {
            const float v0 = fma(s, x[c], w[c]);
            const float v1 = fma(s, x[c + 1], w[c + 1]);
            const float v2 = fma(s, x[c + 2], w[c + 2]);
            const float v3 = fma(s, x[c + 3], w[c + 3]);
            const float n0 = x_next[c], n1 = x_next[c + 1], n2 = x_next[c + 2],
                        n3 = x_next[c + 3];
            w[c] = v0;
            w[c + 1] = v1;
            w[c + 2] = v2;
            w[c + 3] = v3;
            a = fma(v0, n0, a);
            e = fma(v1, n1, e);
            a = fma(v2, n2, a);
            e = fma(v3, n3, e);
        }
        for (; c < stride; ++c) {
            const float v = fma(s, x[c], w[c]);
            const float xn = x_next[c];
            w[c] = v;
            a = fma(v, xn, a);
        }
        y[r] = (a + e) + b[r];
    }
}

// --- element-wise kernels --------------------------------------------------------------

void axpy(std::size_t n, float alpha, const float* x, float* y) {
    for (std::size_t i = 0; i < n; ++i) y[i] = fma(alpha, x[i], y[i]);
}

float max_abs(std::size_t n, const float* x) {
    // |x| orders like its bit pattern as an unsigned integer, and every NaN's |bits| exceed
    // those of +inf: the largest |bits| is a NaN exactly when some x[i] is. Integer loads
    // and compares only, no branch per element.
    std::uint32_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t u;
        std::memcpy(&u, x + i, sizeof u);
        u &= 0x7fffffffu;
        m = u > m ? u : m;
    }
    float result;
    std::memcpy(&result, &m, sizeof result);
    return result;
}

// Activations, softmax and BP2's factors: the scalar port's, one element at a time.
using namespace scalar_elementwise;

constexpr kernel_table table = {
    "fpu",      gemv,         gemv_t,  ger,          gemv_t_ger,    ger_gemv,     axpy,
    max_abs,    exp_kernel,   sigmoid, tanh_kernel,  relu,          softmax,
    sigmoid_backward, tanh_backward, relu_backward,
};

}  // namespace

const kernel_table& fpu_kernels() { return table; }

}  // namespace microprop::cortex_m
