// The "helium" table: Armv8.1-M floating-point MVE (Cortex-M55), written with arm_mve.h.
//
// Shape of every kernel:
// - Matrix kernels work four rows per pass, one float32x4_t per four columns. stride is a
//   multiple of row_floats, itself a multiple of 4 (static_assert below), so a row is whole
//   vectors: there is never a column tail. The last rows % 4 rows go one at a time, still
//   vectorized along the row.
// - Element-wise kernels take any n: full vectors, then at most one tail vector whose loads
//   and stores are predicated with vctp32q (nothing before x[0] or past x[n-1] is read or
//   written), never a scalar tail loop.
// - exp, sigmoid and tanh are math.hpp's algorithms lane by lane with the same constants and
//   the same operations in the same order (a multiply and an add, never fused, as the
//   library's -ffp-contract=off scalar code does), so their results are math.hpp's bit for
//   bit. The divisions of sigmoid, tanh and softmax are correctly rounded scalar divisions:
//   MVE has no vector divide, and a reciprocal refined by Newton steps (measured: same
//   3-ulp bound, 0.1% of sigmoid results one bit off math.hpp) saves only 0.8% of a
//   256-64-10 training step's instructions.
//
// Two properties of the tool chain and the core shape the code (both measured on
// qemu-system-arm 7.2, mps3-an547, with GCC 12.2):
// 1. MVE floating-point instructions flush subnormal inputs and results to zero, whatever
//    FPSCR.FZ says; the scalar FPU does not. So every decision that must see a subnormal
//    is taken on the bit patterns with integer compares (relu, relu_backward, max_abs), and
//    the rare lanes whose exp is subnormal (x below exp_normal_limit) are recomputed by
//    math.hpp on the scalar FPU. The code is right whether or not a core flushes.
// 2. GCC 12's optimizer does not see the true extent of the memory that the MVE load and
//    store intrinsics access: it moved scalar stores to lanes 1..3 after a vldrwq_f32 that
//    reads them, and deleted scalar stores to lanes a predicated vstrwq_p_f32 left alone. Full
//    vectors are therefore loaded and stored through a may_alias vector type (ordinary
//    vldrw/vstrw, correctly described), and the predicated tail accesses, which need the
//    intrinsics, are fenced by compiler barriers (no instruction).
#include "mve_config.hpp"

#if !MICROPROP_HAS_MVE_FLOAT
#error "kernels_mve.cpp needs floating-point Helium (MVE): build it only for -mcpu=cortex-m55 or another Armv8.1-M core with MVE float"
#endif

#include <arm_mve.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cortex_m_tables.hpp"
#include "microprop/config.hpp"
#include "microprop/kernels.hpp"
#include "microprop/math.hpp"

namespace microprop::cortex_m {
namespace {

static_assert(row_floats % 4 == 0,
              "the helium kernels need rows padded to a multiple of 4 floats (MICROPROP_ROW_FLOATS=4)");

using vec = float32x4_t;
using pred = mve_pred16_t;
constexpr std::size_t lanes = 4;

// --- memory access -------------------------------------------------------------------
// See note 2 above: full vectors through a may_alias type, predicated ones fenced.
typedef float32x4_t vec_in_memory __attribute__((may_alias, aligned(4)));

inline vec load(const float* p) { return *reinterpret_cast<const vec_in_memory*>(p); }
inline void store(float* p, vec v) { *reinterpret_cast<vec_in_memory*>(p) = v; }
inline void compiler_fence() { __asm__ volatile("" ::: "memory"); }

// Lanes [0, remaining) of the tail vector; remaining is in 1..3.
inline pred tail_lanes(std::size_t remaining) {
    return vctp32q(static_cast<std::uint32_t>(remaining));
}
// The tail's lanes from memory, zero in the others (which are not read).
inline vec load_tail(const float* p, pred active) {
    compiler_fence();
    const vec v = vldrwq_z_f32(p, active);
    compiler_fence();
    return v;
}
inline void store_tail(float* p, vec v, pred active) {
    compiler_fence();
    vstrwq_p_f32(p, v, active);
    compiler_fence();
}

inline uint32x4_t bits(vec v) { return vreinterpretq_u32_f32(v); }

// Sum of the lanes. MVE has no floating-point across-vector add (vaddv is integer only).
inline float lane_sum(vec v) {
    return (vgetq_lane_f32(v, 0) + vgetq_lane_f32(v, 1)) +
           (vgetq_lane_f32(v, 2) + vgetq_lane_f32(v, 3));
}

// num / den lane by lane, correctly rounded, on the scalar FPU (which keeps subnormals).
inline vec divide(vec num, vec den) {
    vec q = vdupq_n_f32(0.0f);
    q = vsetq_lane_f32(vgetq_lane_f32(num, 0) / vgetq_lane_f32(den, 0), q, 0);
    q = vsetq_lane_f32(vgetq_lane_f32(num, 1) / vgetq_lane_f32(den, 1), q, 1);
    q = vsetq_lane_f32(vgetq_lane_f32(num, 2) / vgetq_lane_f32(den, 2), q, 2);
    q = vsetq_lane_f32(vgetq_lane_f32(num, 3) / vgetq_lane_f32(den, 3), q, 3);
    return q;
}

// out[i] = f(in[i]) for i < n; in place allowed.
template <class F>
inline void map_unary(std::size_t n, const float* in, float* out, F f) {
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) store(out + i, f(load(in + i)));
    if (i < n) {
        const pred p = tail_lanes(n - i);
        store_tail(out + i, f(load_tail(in + i, p)), p);
    }
}

// inout[i] = f(in[i], inout[i]) for i < n.
template <class F>
inline void map_binary(std::size_t n, const float* in, float* inout, F f) {
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) store(inout + i, f(load(in + i), load(inout + i)));
    if (i < n) {
        const pred p = tail_lanes(n - i);
        store_tail(inout + i, f(load_tail(in + i, p), load_tail(inout + i, p)), p);
    }
}

// --- polynomial math: math.hpp, lane by lane ------------------------------------------

// exp(x) >= 2^-125 * 0.7 for x >= exp_normal_limit: no lane there has a subnormal result
// or a subnormal intermediate, so the vector code below equals math::exp bit for bit.
// Lanes in (exp_lo, exp_normal_limit) are recomputed by math::exp (note 1).
constexpr float exp_normal_limit = -86.5f;

// 2^k for k in [-126, 127], from the exponent bits.
inline vec pow2i(int32x4_t k) {
    return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_n_s32(k, 127), 23));
}

// math::exp for lanes x >= exp_normal_limit, saturation and NaN included.
inline vec exp_vector(vec x) {
    // n = round(x / ln2): add +-0.5, then truncate toward zero (half away from zero).
    const vec t = vmulq_n_f32(x, math::log2e);
    const vec half = vpselq_f32(vdupq_n_f32(-0.5f), vdupq_n_f32(0.5f), vcmpltq_n_f32(t, 0.0f));
    const int32x4_t n = vcvtq_s32_f32(vaddq_f32(t, half));
    const vec fn = vcvtq_f32_s32(n);
    // Cody-Waite: fn * ln2_hi is exact.
    vec r = vsubq_f32(x, vmulq_n_f32(fn, math::ln2_hi));
    r = vsubq_f32(r, vmulq_n_f32(fn, math::ln2_lo));
    const vec r2 = vmulq_f32(r, r);
    vec p = vaddq_n_f32(vmulq_n_f32(r, math::exp_p0), math::exp_p1);
    p = vaddq_n_f32(vmulq_f32(p, r), math::exp_p2);
    p = vaddq_n_f32(vmulq_f32(p, r), math::exp_p3);
    p = vaddq_n_f32(vmulq_f32(p, r), math::exp_p4);
    p = vaddq_n_f32(vmulq_f32(p, r), math::exp_p5);
    const vec y = vaddq_n_f32(vaddq_f32(vmulq_f32(p, r2), r), 1.0f);
    // 2^n in two normal factors. math.hpp splits n / 2 (toward zero), this n >> 1 (toward
    // -inf); both products are exact while normal, so the single rounding is the same.
    const int32x4_t n1 = vshrq_n_s32(n, 1);
    vec e = vmulq_f32(vmulq_f32(y, pow2i(n1)), pow2i(vsubq_s32(n, n1)));
    // Out-of-range lanes computed garbage above; the masks replace it.
    e = vpselq_f32(vdupq_n_f32(math::float_max), e, vcmpgeq_n_f32(x, math::exp_hi));
    e = vpselq_f32(vdupq_n_f32(0.0f), e, vcmpleq_n_f32(x, math::exp_lo));
    return vpselq_f32(x, e, vcmpneq_f32(x, x));
}

// Lanes whose exp result is subnormal: x in (exp_lo, exp_normal_limit).
inline pred subnormal_exp_lanes(vec x) {
    return vcmpltq_n_f32(x, exp_normal_limit) & vcmpgtq_n_f32(x, math::exp_lo);
}

// y with the lanes of subnormal_exp_lanes(x) replaced by the scalar f(x). Rarely taken.
template <float (*f)(float)>
__attribute__((noinline, cold)) vec recompute_subnormal_lanes(vec x, vec y) {
    float xs[lanes], ys[lanes];
    store(xs, x);
    store(ys, y);
    for (std::size_t j = 0; j < lanes; ++j)
        if (xs[j] < exp_normal_limit && xs[j] > math::exp_lo) ys[j] = f(xs[j]);
    return load(ys);
}

inline vec exp_lanes(vec x) {
    const vec e = exp_vector(x);
    if (__builtin_expect(subnormal_exp_lanes(x) != 0, 0))
        return recompute_subnormal_lanes<math::exp>(x, e);
    return e;
}

inline vec sigmoid_lanes(vec x) {
    const vec one = vdupq_n_f32(1.0f);
    const vec e = exp_vector(vnegq_f32(vabsq_f32(x)));  // exp(-|x|) in (0, 1]
    vec s = divide(vpselq_f32(e, one, vcmpltq_n_f32(x, 0.0f)), vaddq_f32(one, e));
    s = vpselq_f32(x, s, vcmpneq_f32(x, x));
    // exp(-|x|) is subnormal only for x < 0, and the result is then that subnormal.
    if (__builtin_expect(subnormal_exp_lanes(x) != 0, 0))
        return recompute_subnormal_lanes<math::sigmoid>(x, s);
    return s;
}

inline vec tanh_lanes(vec x) {
    const vec one = vdupq_n_f32(1.0f);
    const vec ax = vabsq_f32(x);
    // Near zero: x + x^3 Q(x^2), no cancellation.
    const vec z = vmulq_f32(x, x);
    vec q = vaddq_n_f32(vmulq_n_f32(z, math::tanh_q0), math::tanh_q1);
    q = vaddq_n_f32(vmulq_f32(q, z), math::tanh_q2);
    q = vaddq_n_f32(vmulq_f32(q, z), math::tanh_q3);
    q = vaddq_n_f32(vmulq_f32(q, z), math::tanh_q4);
    vec t = vaddq_f32(vmulq_f32(vmulq_f32(q, z), x), x);
    // Elsewhere: sign(x) (1 - e) / (1 + e), e = exp(-2|x|); skipped (with its four
    // divisions) when every lane is in the polynomial's range. A subnormal e gives 1
    // flushed or not, so no lane needs the scalar path.
    const pred large = vcmpgeq_n_f32(ax, math::tanh_poly_limit);
    if (large != 0) {
        const vec e = exp_vector(vmulq_n_f32(ax, -2.0f));
        const vec m = divide(vsubq_f32(one, e), vaddq_f32(one, e));
        t = vpselq_f32(vpselq_f32(vnegq_f32(m), m, vcmpltq_n_f32(x, 0.0f)), t, large);
    }
    // Below tanh_tiny, tanh(x) rounds to x; returning x also keeps the sign of -0 and
    // subnormal inputs (which the multiplications above flush).
    t = vpselq_f32(x, t, vcmpltq_n_f32(ax, math::tanh_tiny));
    return vpselq_f32(x, t, vcmpneq_f32(x, x));
}

// --- matrix kernels --------------------------------------------------------------------
// The loops step pointers rather than an index, so GCC 12 at -O2 uses post-incrementing
// vldrw/vstrw and Armv8.1-M's low-overhead loop (dls/le): gemv's four-row loop is 10
// instructions for 16 multiply-adds. (At -Os it does neither, and the same loop takes 19:
// build this file at -O2.) Those pointers are local variables of the loops: GCC 12's
// induction-variable optimizer keeps a local pointer as its own post-incremented register,
// but merges pointers held in a struct (scalarized into compiler temporaries) into one
// shared index, which costs an add per access (vldrw has no register offset) and spills.
//
// Two row-block drivers, as in the other ports: gemv and ger_gemv run product_rows(),
// gemv_t and gemv_t_ger run transposed_rows(), so each fused kernel shares its loop, its
// accumulation order and its row blocks (four rows per pass from row 0, then the rest one
// at a time) with the plain kernel it must equal bit for bit. A `Rows` type says what a
// kernel does with each vector of weights (stored_rows: nothing, updated_rows: ger's
// update); the drivers own the pointers and hand them over by reference:
// - m.row(r) points at row r, m.factor(r) is what the update needs per row (d[r]);
// - m.columns() points at what the update reads per column (x), m.column(cp) is what it
//   needs at the current column (alpha x), stepping cp;
// - m.commit(w, factor, column, v) finishes the vector v loaded from w: stores its update
//   (or leaves W alone), steps w to the next vector and returns the vector now in W.
// The forward product multiplies what commit returns (ger_gemv: the updated weights), the
// transposed product the vector loaded before it (gemv_t_ger: BP2 needs the weights before
// the step), and ger commits without a product: the three write the same update.

// Row sums of four accumulators in one vector: vst4q interleaves them, so the j-th stored
// vector holds lane j of a0, a1, a2, a3, and adding the four vectors sums the lanes of each
// accumulator in the order of lane_sum.
inline vec row_sums(vec a0, vec a1, vec a2, vec a3) {
    float t[4 * lanes];
    const float32x4x4_t accumulators = {{a0, a1, a2, a3}};
    vst4q_f32(t, accumulators);
    __asm__ volatile("" : : "r"(t) : "memory");  // note 2: the intrinsic's store is done
    return vaddq_f32(vaddq_f32(load(t), load(t + 4)), vaddq_f32(load(t + 8), load(t + 12)));
}

// y[r] = b[r] + sum_c W'[r][c] x[c], W' the weights as commit returns them. Four rows per
// pass: each x vector is loaded once for four rows, the four accumulators are four
// independent multiply-add chains, summed by row_sums; the remaining rows one at a time,
// summed by lane_sum; the bias added last. x is loaded before the pass's stores into W
// (which may alias it as far as the compiler knows), and each row's vector is committed
// and accumulated before the next row's is loaded: with ger_gemv's update the four
// accumulators, alpha x, x and one updated vector then fit in MVE's eight vector
// registers (no spills in the loop).
template <class Rows>
[[gnu::always_inline]] inline void product_rows(std::size_t rows, std::size_t stride, const float* x,
                                                const float* b, float* y, const Rows& m) {
    const std::size_t vectors = stride / lanes;
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        auto w0 = m.row(r), w1 = m.row(r + 1), w2 = m.row(r + 2), w3 = m.row(r + 3);
        const auto f0 = m.factor(r), f1 = m.factor(r + 1), f2 = m.factor(r + 2), f3 = m.factor(r + 3);
        const float* cp = m.columns();
        const float* xp = x;
        vec a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
        for (std::size_t k = vectors; k != 0; --k, xp += lanes) {
            const auto column = m.column(cp);
            const vec xv = load(xp);
            a0 = vfmaq_f32(a0, m.commit(w0, f0, column, load(w0)), xv);
            a1 = vfmaq_f32(a1, m.commit(w1, f1, column, load(w1)), xv);
            a2 = vfmaq_f32(a2, m.commit(w2, f2, column, load(w2)), xv);
            a3 = vfmaq_f32(a3, m.commit(w3, f3, column, load(w3)), xv);
        }
        store(y + r, vaddq_f32(row_sums(a0, a1, a2, a3), load(b + r)));
    }
    for (; r < rows; ++r) {
        auto w = m.row(r);
        const auto f = m.factor(r);
        const float* cp = m.columns();
        const float* xp = x;
        vec a = vdupq_n_f32(0.0f);
        for (std::size_t k = vectors; k != 0; --k, xp += lanes) {
            const auto column = m.column(cp);
            const vec xv = load(xp);
            a = vfmaq_f32(a, m.commit(w, f, column, load(w)), xv);
        }
        y[r] = lane_sum(a) + b[r];
    }
}

void zero(std::size_t stride, float* y) {
    const vec z = vdupq_n_f32(0.0f);
    for (std::size_t k = stride / lanes; k != 0; --k, y += lanes) store(y, z);
}

// y[c] = sum_r W[r][c] d[r] with the weights as loaded, before commit changes them: per
// column one fused multiply-add per row, row 0 first. Four rows per pass, so y is read and
// written once per four rows; the pass loads its four weight vectors before its first
// store, then commits them.
template <class Rows>
[[gnu::always_inline]] inline void transposed_rows(std::size_t rows, std::size_t stride, const float* d,
                                                   float* y, const Rows& m) {
    const std::size_t vectors = stride / lanes;
    zero(stride, y);
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        auto w0 = m.row(r), w1 = m.row(r + 1), w2 = m.row(r + 2), w3 = m.row(r + 3);
        const auto f0 = m.factor(r), f1 = m.factor(r + 1), f2 = m.factor(r + 2), f3 = m.factor(r + 3);
        const float d0 = d[r], d1 = d[r + 1], d2 = d[r + 2], d3 = d[r + 3];
        const float* cp = m.columns();
        float* yp = y;
        for (std::size_t k = vectors; k != 0; --k, yp += lanes) {
            const auto column = m.column(cp);
            vec acc = load(yp);
            const vec v0 = load(w0);
            acc = vfmaq_n_f32(acc, v0, d0);
            const vec v1 = load(w1);
            acc = vfmaq_n_f32(acc, v1, d1);
            const vec v2 = load(w2);
            acc = vfmaq_n_f32(acc, v2, d2);
            const vec v3 = load(w3);
            acc = vfmaq_n_f32(acc, v3, d3);
            store(yp, acc);
            m.commit(w0, f0, column, v0);
            m.commit(w1, f1, column, v1);
            m.commit(w2, f2, column, v2);
            m.commit(w3, f3, column, v3);
        }
    }
    for (; r < rows; ++r) {
        auto w = m.row(r);
        const auto f = m.factor(r);
        const float dr = d[r];
        const float* cp = m.columns();
        float* yp = y;
        for (std::size_t k = vectors; k != 0; --k, yp += lanes) {
            const auto column = m.column(cp);
            const vec v = load(w);
            store(yp, vfmaq_n_f32(load(yp), v, dr));
            m.commit(w, f, column, v);
        }
    }
}

// The weights as they are: gemv and gemv_t. The update reads nothing (cp stays null and
// is never stepped); commit only steps w.
struct stored_rows {
    struct nothing {};
    const float* W;
    std::size_t stride;
    const float* row(std::size_t r) const { return W + r * stride; }
    nothing factor(std::size_t) const { return {}; }
    const float* columns() const { return nullptr; }
    nothing column(const float*&) const { return {}; }
    static vec commit(const float*& w, nothing, nothing, vec v) {
        w += lanes;
        return v;
    }
};

// ger's update W + d[r] (alpha x), stored as the loop reaches each vector: ger, gemv_t_ger
// and ger_gemv. (alpha x rather than the scalar port's (alpha d[r]) x: the rounding bound
// is the same, and it is computed once per column for the four rows of a pass, which
// keeps four scalars fewer live and everything in registers.)
struct updated_rows {
    float* W;
    std::size_t stride;
    float alpha;
    const float* d;
    const float* x;
    float* row(std::size_t r) const { return W + r * stride; }
    float factor(std::size_t r) const { return d[r]; }
    const float* columns() const { return x; }
    vec column(const float*& xp) const {
        const vec ax = vmulq_n_f32(load(xp), alpha);
        xp += lanes;
        return ax;
    }
    static vec commit(float*& w, float dr, vec ax, vec v) {
        const vec updated = vfmaq_n_f32(v, ax, dr);
        store(w, updated);
        w += lanes;
        return updated;
    }
};

void gemv(std::size_t rows, std::size_t stride, const float* W, const float* x, const float* b,
          float* y) {
    product_rows(rows, stride, x, b, y, stored_rows{W, stride});
}

void gemv_t(std::size_t rows, std::size_t stride, const float* W, const float* d, float* y) {
    transposed_rows(rows, stride, d, y, stored_rows{W, stride});
}

// updated_rows' commits without a product. Four rows per pass: one x load (and one
// alpha x) per four weight updates.
void ger(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
         float* W) {
    const updated_rows m{W, stride, alpha, d, x};
    const std::size_t vectors = stride / lanes;
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        float *w0 = m.row(r), *w1 = m.row(r + 1), *w2 = m.row(r + 2), *w3 = m.row(r + 3);
        const float f0 = m.factor(r), f1 = m.factor(r + 1), f2 = m.factor(r + 2), f3 = m.factor(r + 3);
        const float* cp = m.columns();
        for (std::size_t k = vectors; k != 0; --k) {
            const vec column = m.column(cp);
            m.commit(w0, f0, column, load(w0));
            m.commit(w1, f1, column, load(w1));
            m.commit(w2, f2, column, load(w2));
            m.commit(w3, f3, column, load(w3));
        }
    }
    for (; r < rows; ++r) {
        float* w = m.row(r);
        const float f = m.factor(r);
        const float* cp = m.columns();
        for (std::size_t k = vectors; k != 0; --k) m.commit(w, f, m.column(cp), load(w));
    }
}

// gemv_t and ger in one pass: each old weight vector is loaded once, accumulated into y,
// updated and stored. transposed_rows() with ger's update, so the results are those of
// gemv_t followed by ger, bit for bit.
void gemv_t_ger(std::size_t rows, std::size_t stride, float alpha, const float* d,
                const float* x, float* W, float* y) {
    transposed_rows(rows, stride, d, y, updated_rows{W, stride, alpha, d, x});
}

// ger and gemv in one pass: each weight vector is loaded once, updated, stored, and the
// updated vector multiplied by x_next. product_rows() with ger's update, so the results
// are those of ger followed by gemv, bit for bit.
void ger_gemv(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
              float* W, const float* x_next, const float* b, float* y) {
    product_rows(rows, stride, x_next, b, y, updated_rows{W, stride, alpha, d, x});
}

// --- element-wise kernels --------------------------------------------------------------

void axpy(std::size_t n, float alpha, const float* x, float* y) {
    map_binary(n, x, y, [alpha](vec xv, vec yv) { return vfmaq_n_f32(yv, xv, alpha); });
}

float max_abs(std::size_t n, const float* x) {
    // On the bit patterns: |x| orders like its bits as unsigned integers (subnormals
    // included, which a flushing float max would lose), and every NaN's |bits| exceed
    // those of +inf, so the largest |bits| is a NaN exactly when some x[i] is. Zero lanes
    // of the predicated tail cannot raise the maximum.
    const uint32x4_t magnitude = vdupq_n_u32(0x7fffffffu);
    uint32x4_t m = vdupq_n_u32(0);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) m = vmaxq_u32(m, vandq_u32(bits(load(x + i)), magnitude));
    if (i < n) m = vmaxq_u32(m, vandq_u32(bits(load_tail(x + i, tail_lanes(n - i))), magnitude));
    const std::uint32_t largest = vmaxvq_u32(0, m);
    float result;
    std::memcpy(&result, &largest, sizeof result);
    return result;
}

void sigmoid(std::size_t n, const float* z, float* a) { map_unary(n, z, a, sigmoid_lanes); }

void tanh_kernel(std::size_t n, const float* z, float* a) { map_unary(n, z, a, tanh_lanes); }

void relu(std::size_t n, const float* z, float* a) {
    // Zero exactly for the negative non-NaN patterns 0x80000000 (-0) .. 0xff800000 (-inf):
    // adding 0x80000000 maps them onto 0 .. 0x7f800000. Positive values (subnormals too),
    // +0 and NaNs of either sign pass through.
    map_unary(n, z, a, [](vec v) {
        const pred keep = vcmphiq_n_u32(vaddq_n_u32(bits(v), 0x80000000u), 0x7f800000u);
        return vpselq_f32(v, vdupq_n_f32(0.0f), keep);
    });
}

void softmax(std::size_t n, const float* z, float* a) {
    if (n == 0) return;
    const std::size_t body = n - n % lanes;
    const pred tail = tail_lanes(n - body);

    // Maximum (NaN-ignoring max; the tail's unread lanes do not take part).
    vec mv = vdupq_n_f32(z[0]);
    for (std::size_t i = 0; i < body; i += lanes) mv = vmaxnmq_f32(mv, load(z + i));
    if (body < n) mv = vmaxnmq_m_f32(mv, mv, load_tail(z + body, tail), tail);
    const float max = vmaxnmvq_f32(z[0], mv);

    // e = exp(z - max), stored in a, and its sum (the tail's other lanes left out).
    vec sv = vdupq_n_f32(0.0f);
    for (std::size_t i = 0; i < body; i += lanes) {
        const vec e = exp_lanes(vsubq_n_f32(load(z + i), max));
        store(a + i, e);
        sv = vaddq_f32(sv, e);
    }
    if (body < n) {
        const vec e = exp_lanes(vsubq_n_f32(load_tail(z + body, tail), max));
        store_tail(a + body, e, tail);
        sv = vaddq_m_f32(sv, sv, e, tail);
    }
    const float sum = lane_sum(sv);

    // Correctly rounded divisions, as the scalar port (results may be subnormal).
    compiler_fence();
    for (std::size_t i = 0; i < n; ++i) a[i] /= sum;
}

void sigmoid_backward(std::size_t n, const float* a, float* d) {
    map_binary(n, a, d, [](vec av, vec dv) {
        return vmulq_f32(dv, vmulq_f32(av, vsubq_f32(vdupq_n_f32(1.0f), av)));
    });
}

void tanh_backward(std::size_t n, const float* a, float* d) {
    map_binary(n, a, d, [](vec av, vec dv) {
        return vmulq_f32(dv, vsubq_f32(vdupq_n_f32(1.0f), vmulq_f32(av, av)));
    });
}

void relu_backward(std::size_t n, const float* a, float* d) {
    // d survives exactly where a > 0: bit patterns 1 .. 0x7f800000 (subnormals included;
    // NaN, zeros and negatives give 0, as in the scalar port).
    map_binary(n, a, d, [](vec av, vec dv) {
        const pred stop = vcmphiq_n_u32(vsubq_n_u32(bits(av), 1u), 0x7effffffu);
        return vpselq_f32(vdupq_n_f32(0.0f), dv, stop);
    });
}

// The table, field by field (tests/test_kernels.cpp checks with is_complete() that none
// is missing, on every target).
constexpr kernel_table make_table() {
    kernel_table t{};
    t.name = "helium";
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

const kernel_table& helium_kernels() { return table; }

}  // namespace microprop::cortex_m
