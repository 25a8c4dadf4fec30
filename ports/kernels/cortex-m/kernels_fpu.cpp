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
#include "microprop/math.hpp"
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
// Two row-block drivers, as in the xsimd port: gemv and ger_gemv run product_rows(),
// gemv_t and gemv_t_ger run transposed_rows(), so each fused kernel shares its loop,
// accumulation order and tails with the plain kernel it must equal bit for bit. A `Rows`
// object starts a block of four rows (block(r)) or a single row (row(r)); the result is a
// local, kept in registers. Its weights(j, v0..v3) gives column j of the four rows,
// weight(c) and weights4(c, v0..v3) columns of the single row: loaded, or updated and
// stored (the kernel decides), always loading before storing.

// y[r] = b[r] + sum_c W'[r][c] x[c]: four rows per pass with one accumulator each, then
// the rows left with two accumulators (even and odd columns: two independent chains).
// x[j] is loaded before the block's stores: as far as the compiler knows W may overlap
// x, so a load written after a store would have to stay after it.
template <class Rows>
[[gnu::always_inline]] inline void product_rows(std::size_t rows, std::size_t stride, const float* x,
                                                const float* b, float* y, const Rows& m) {
    const std::size_t body = unrolled_columns(stride);
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const auto q = m.block(r);
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        const auto column = [&](std::size_t j) {
            const float xc = x[j];
            float v0, v1, v2, v3;
            q.weights(j, v0, v1, v2, v3);
            a0 = fma(v0, xc, a0);
            a1 = fma(v1, xc, a1);
            a2 = fma(v2, xc, a2);
            a3 = fma(v3, xc, a3);
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
        const auto q = m.row(r);
        float a = 0.0f, e = 0.0f;
        std::size_t c = 0;
        for (; c < body; c += step) {
            const float n0 = x[c], n1 = x[c + 1], n2 = x[c + 2], n3 = x[c + 3];
            float v0, v1, v2, v3;
            q.weights4(c, v0, v1, v2, v3);
            a = fma(v0, n0, a);
            e = fma(v1, n1, e);
            a = fma(v2, n2, a);
            e = fma(v3, n3, e);
        }
        for (; c < stride; ++c) {
            const float xc = x[c];
            a = fma(q.weight(c), xc, a);
        }
        y[r] = (a + e) + b[r];
    }
}

// y[c] = sum_r W[r][c] d[r] with the weights before any change: four rows per pass, so
// y[c] is loaded and stored once per four rows.
template <class Rows>
[[gnu::always_inline]] inline void transposed_rows(std::size_t rows, std::size_t stride, const float* d,
                                                   float* y, const Rows& m) {
    const std::size_t body = unrolled_columns(stride);
    for (std::size_t c = 0; c < stride; ++c) y[c] = 0.0f;
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const auto q = m.block(r);
        const float d0 = d[r], d1 = d[r + 1], d2 = d[r + 2], d3 = d[r + 3];
        const auto column = [&](std::size_t j) {
            float v0, v1, v2, v3;
            q.weights(j, v0, v1, v2, v3);
            float acc = y[j];
            acc = fma(v0, d0, acc);
            acc = fma(v1, d1, acc);
            acc = fma(v2, d2, acc);
            acc = fma(v3, d3, acc);
            y[j] = acc;
        };
        std::size_t c = 0;
        for (; c < body; c += step) {
MICROPROP_UNROLL_STEP
            for (std::size_t k = 0; k < step; ++k) column(c + k);
        }
        for (; c < stride; ++c) column(c);
    }
    for (; r < rows; ++r) {
        const auto q = m.row(r);
        const float dr = d[r];
        for (std::size_t c = 0; c < stride; ++c) {
            const float v = q.weight(c);
            y[c] = fma(v, dr, y[c]);
        }
    }
}

// The weights as they are: gemv and gemv_t.
struct stored_rows {
    struct four {
        const float *w0, *w1, *w2, *w3;
        [[gnu::always_inline]] void weights(std::size_t j, float& v0, float& v1, float& v2, float& v3) const {
            v0 = w0[j], v1 = w1[j], v2 = w2[j], v3 = w3[j];
        }
    };
    struct one {
        const float* w;
        [[gnu::always_inline]] float weight(std::size_t c) const { return w[c]; }
        [[gnu::always_inline]] void weights4(std::size_t c, float& v0, float& v1, float& v2, float& v3) const {
            v0 = w[c], v1 = w[c + 1], v2 = w[c + 2], v3 = w[c + 3];
        }
    };
    const float* W;
    std::size_t stride;
    four block(std::size_t r) const {
        const float* w0 = W + r * stride;
        return {w0, w0 + stride, w0 + 2 * stride, w0 + 3 * stride};
    }
    one row(std::size_t r) const { return {W + r * stride}; }
};

// ger's update W += (alpha d[r]) x^T, applied as the loop reaches each weight. With
// `new_values` the loop gets the updated weights (ger_gemv: the next product uses them),
// otherwise the old ones (gemv_t_ger: BP2 needs the weights before the step).
template <bool new_values>
struct updated_rows {
    struct four {
        float *w0, *w1, *w2, *w3;
        float s0, s1, s2, s3;
        const float* x;
        [[gnu::always_inline]] void weights(std::size_t j, float& v0, float& v1, float& v2, float& v3) const {
            const float xc = x[j];
            const float o0 = w0[j], o1 = w1[j], o2 = w2[j], o3 = w3[j];
            const float u0 = fma(s0, xc, o0), u1 = fma(s1, xc, o1), u2 = fma(s2, xc, o2), u3 = fma(s3, xc, o3);
            w0[j] = u0, w1[j] = u1, w2[j] = u2, w3[j] = u3;
            v0 = new_values ? u0 : o0, v1 = new_values ? u1 : o1;
            v2 = new_values ? u2 : o2, v3 = new_values ? u3 : o3;
        }
    };
    struct one {
        float* w;
        float s;
        const float* x;
        [[gnu::always_inline]] float weight(std::size_t c) const {
            const float o = w[c];
            const float u = fma(s, x[c], o);
            w[c] = u;
            return new_values ? u : o;
        }
        [[gnu::always_inline]] void weights4(std::size_t c, float& v0, float& v1, float& v2, float& v3) const {
            const float o0 = w[c], o1 = w[c + 1], o2 = w[c + 2], o3 = w[c + 3];
            const float u0 = fma(s, x[c], o0), u1 = fma(s, x[c + 1], o1), u2 = fma(s, x[c + 2], o2),
                        u3 = fma(s, x[c + 3], o3);
            w[c] = u0, w[c + 1] = u1, w[c + 2] = u2, w[c + 3] = u3;
            v0 = new_values ? u0 : o0, v1 = new_values ? u1 : o1;
            v2 = new_values ? u2 : o2, v3 = new_values ? u3 : o3;
        }
    };
    float* W;
    std::size_t stride;
    float alpha;
    const float* d;
    const float* x;
    four block(std::size_t r) const {
        float* w0 = W + r * stride;
        return {w0, w0 + stride, w0 + 2 * stride, w0 + 3 * stride,
                alpha * d[r], alpha * d[r + 1], alpha * d[r + 2], alpha * d[r + 3], x};
    }
    one row(std::size_t r) const { return {W + r * stride, alpha * d[r], x}; }
};

void gemv(std::size_t rows, std::size_t stride, const float* W, const float* x, const float* b,
          float* y) {
    product_rows(rows, stride, x, b, y, stored_rows{W, stride});
}

void gemv_t(std::size_t rows, std::size_t stride, const float* W, const float* d, float* y) {
    transposed_rows(rows, stride, d, y, stored_rows{W, stride});
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

// gemv_t and ger in one pass: each old weight is loaded once, used for y, updated and
// stored: transposed_rows() with ger's update, so the results are gemv_t's and ger's.
void gemv_t_ger(std::size_t rows, std::size_t stride, float alpha, const float* d,
                const float* x, float* W, float* y) {
    transposed_rows(rows, stride, d, y, updated_rows<false>{W, stride, alpha, d, x});
}

// ger and gemv in one pass: each weight is loaded once, updated, stored, and the updated
// value multiplied by x_next: product_rows() with ger's update, so the results are those
// of ger followed by gemv, bit for bit.
void ger_gemv(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
              float* W, const float* x_next, const float* b, float* y) {
    product_rows(rows, stride, x_next, b, y, updated_rows<true>{W, stride, alpha, d, x});
}

// --- element-wise kernels --------------------------------------------------------------

void axpy(std::size_t n, float alpha, const float* x, float* y) {
    for (std::size_t i = 0; i < n; ++i) y[i] = fma(alpha, x[i], y[i]);
}

float max_abs(std::size_t n, const float* x) {
    // Integer loads and compares only, no branch per element (see math.hpp).
    const std::uint32_t m = math::max_magnitude_bits(x, n);
    float result;
    std::memcpy(&result, &m, sizeof result);
    return result;
}

// Activations, softmax and BP2's factors: the scalar port's, one element at a time.
using namespace scalar_elementwise;

// The table, field by field (tests/test_kernels.cpp checks with is_complete() that none
// is missing, on every target).
constexpr kernel_table make_table() {
    kernel_table t{};
    t.name = "fpu";
    t.gemv = gemv;
    t.gemv_t = gemv_t;
    t.ger = ger;
    t.gemv_t_ger = gemv_t_ger;
    t.ger_gemv = ger_gemv;
    t.axpy = axpy;
    t.max_abs = max_abs;
    t.sigmoid = sigmoid;
    t.tanh = tanh_kernel;
    t.relu = relu;
    t.softmax = softmax;
    t.sigmoid_backward = sigmoid_backward;
    t.tanh_backward = tanh_backward;
    t.relu_backward = relu_backward;
    return t;
}
constexpr kernel_table table = make_table();

}  // namespace

const kernel_table& fpu_kernels() { return table; }

}  // namespace microprop::cortex_m
