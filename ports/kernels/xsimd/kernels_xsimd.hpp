// The xsimd port's kernel bodies, written once as templates on the xsimd architecture tag.
//
// Each instruction set has its own translation unit (kernels_sse2.cpp, kernels_avx2.cpp,
// ...) compiled with that set's flags; it explicitly instantiates xsimd_kernels<Arch>()
// and nothing else. Every function here is a template on Arch, so each instantiation is
// a distinct symbol: the linker can never pick an AVX-compiled copy for the SSE2 path.
// For the same reason nothing below calls a non-template inline function (no std::max,
// no math::exp): at -O0 those are emitted as shared weak symbols, whichever TU's flags
// they were compiled with.
//
// NaN tests use xsimd::isnan, never `x != x`: xsimd 8.1 compiles != on AVX and AVX-512 to
// an ordered compare (_CMP_NEQ_OQ), which is false when an operand is NaN.
//
// Private to the port: consumers of microprop never include xsimd.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "microprop/config.hpp"
#include "microprop/kernels.hpp"
#include "microprop/math.hpp"

namespace microprop::xsimd_port {

// The table of one instruction set. Instantiated only in that set's translation unit.
template <class Arch>
const kernel_table& xsimd_kernels();

// The names kernel_select.cpp and MICROPROP_KERNELS know the tables by.
template <class Arch>
inline constexpr const char* table_name = nullptr;

#if defined(__x86_64__) || defined(_M_X64)
template <>
inline constexpr const char* table_name<xsimd::avx512f> = "avx512";
template <>
inline constexpr const char* table_name<xsimd::fma3<xsimd::avx2>> = "avx2+fma";
template <>
inline constexpr const char* table_name<xsimd::sse2> = "sse2";

extern template const kernel_table& xsimd_kernels<xsimd::avx512f>();
extern template const kernel_table& xsimd_kernels<xsimd::fma3<xsimd::avx2>>();
extern template const kernel_table& xsimd_kernels<xsimd::sse2>();
#elif defined(__aarch64__) || defined(_M_ARM64)
template <>
inline constexpr const char* table_name<xsimd::neon64> = "neon64";

extern template const kernel_table& xsimd_kernels<xsimd::neon64>();
#endif

namespace kernels {

template <class Arch>
using batch = xsimd::batch<float, Arch>;

// a * b + c, fused where the instruction set has it. xsimd 8.1 has no avx512f fma kernel
// (its generic fallback is a multiply and an add), so that one is spelled out.
template <class Arch>
inline batch<Arch> madd(const batch<Arch>& a, const batch<Arch>& b, const batch<Arch>& c) {
    return xsimd::fma(a, b, c);
}

#if XSIMD_WITH_AVX512F
template <>
inline batch<xsimd::avx512f> madd<xsimd::avx512f>(const batch<xsimd::avx512f>& a,
                                                  const batch<xsimd::avx512f>& b,
                                                  const batch<xsimd::avx512f>& c) {
    return _mm512_fmadd_ps(a, b, c);
}
#endif

// a / b, correctly rounded. xsimd 8.1 divides floats on neon64 with a reciprocal
// estimate and two Newton steps (a few ulp off); AArch64 has a true vector divide.
template <class Arch>
inline batch<Arch> divide(const batch<Arch>& a, const batch<Arch>& b) {
    return a / b;
}

#if XSIMD_WITH_NEON64
template <>
inline batch<xsimd::neon64> divide<xsimd::neon64>(const batch<xsimd::neon64>& a,
                                                  const batch<xsimd::neon64>& b) {
    return vdivq_f32(a, b);
}
#endif

// Sum of the lanes. xsimd 8.1's avx512f hadd goes through batch<float, avx2> helpers,
// which the AVX2 translation unit also emits: at -O0 the linker could then run the
// AVX-512-compiled copy on the AVX2 path. The intrinsic is always inlined.
template <class Arch>
inline float lane_sum(const batch<Arch>& v) {
    return xsimd::hadd(v);
}

#if XSIMD_WITH_AVX512F
template <>
inline float lane_sum<xsimd::avx512f>(const batch<xsimd::avx512f>& v) {
    return _mm512_reduce_add_ps(v);
}
#endif

// y[i] = (sum of the lanes of s_i) + b[i] for i < 4: the end of four rows of a
// matrix-vector product. Generic: one lane_sum per row. On AVX2 and SSE2 the four sums
// are reduced together (a transpose by horizontal adds or shuffles) and stored with one
// vector add of the bias: half the instructions, which small layers notice. gemv and
// ger_gemv both end their rows here, so they keep the same bits.
template <class Arch>
inline void store_row_sums4(const batch<Arch>& s0, const batch<Arch>& s1, const batch<Arch>& s2,
                            const batch<Arch>& s3, const float* b, float* y) {
    y[0] = lane_sum(s0) + b[0];
    y[1] = lane_sum(s1) + b[1];
    y[2] = lane_sum(s2) + b[2];
    y[3] = lane_sum(s3) + b[3];
}

// Full specializations are not templates: each is emitted only by the translation unit
// that calls it, the one compiled for its instruction set.
#if XSIMD_WITH_FMA3_AVX2
template <>
inline void store_row_sums4<xsimd::fma3<xsimd::avx2>>(
    const batch<xsimd::fma3<xsimd::avx2>>& s0, const batch<xsimd::fma3<xsimd::avx2>>& s1,
    const batch<xsimd::fma3<xsimd::avx2>>& s2, const batch<xsimd::fma3<xsimd::avx2>>& s3,
    const float* b, float* y) {
    // hadd pairs lanes within each 128-bit half: after two rounds, lane i of the low half
    // holds row i's low-half sum and lane i of the high half its high-half sum.
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1), _mm256_hadd_ps(s2, s3));
    const __m128 sums = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
    _mm_storeu_ps(y, _mm_add_ps(sums, _mm_loadu_ps(b)));
}
#endif

#if XSIMD_WITH_SSE2
template <>
inline void store_row_sums4<xsimd::sse2>(const batch<xsimd::sse2>& s0, const batch<xsimd::sse2>& s1,
                                         const batch<xsimd::sse2>& s2, const batch<xsimd::sse2>& s3,
                                         const float* b, float* y) {
    // SSE2 has no horizontal add: interleave, add, then add the two halves.
    const __m128 lo01 = _mm_unpacklo_ps(s0, s1), hi01 = _mm_unpackhi_ps(s0, s1);
    const __m128 lo23 = _mm_unpacklo_ps(s2, s3), hi23 = _mm_unpackhi_ps(s2, s3);
    const __m128 u01 = _mm_add_ps(lo01, hi01);  // s0[0]+s0[2], s1[0]+s1[2], s0[1]+s0[3], s1[1]+s1[3]
    const __m128 u23 = _mm_add_ps(lo23, hi23);
    const __m128 sums = _mm_add_ps(_mm_movelh_ps(u01, u23), _mm_movehl_ps(u23, u01));
    _mm_storeu_ps(y, _mm_add_ps(sums, _mm_loadu_ps(b)));
}
#endif

// Largest lane. xsimd 8.1 has no horizontal max; this runs once per kernel call.
template <class Arch>
inline float lane_max(const batch<Arch>& v) {
    alignas(Arch::alignment()) float lanes[batch<Arch>::size];
    v.store_aligned(lanes);
    float m = lanes[0];
    for (std::size_t i = 1; i < batch<Arch>::size; ++i) m = lanes[i] > m ? lanes[i] : m;
    return m;
}

// out[i] = f(in[i]) for i < n, one batch at a time (in place allowed). The last n % V
// elements go through a zero-padded aligned batch, so they get exactly the arithmetic of
// the vector body and nothing past n is read or written.
template <class Arch, class F>
inline void map_unary(std::size_t n, const float* in, float* out, F f) {
    using B = batch<Arch>;
    constexpr std::size_t V = B::size;
    std::size_t i = 0;
    for (; i + V <= n; i += V) f(B::load_aligned(in + i)).store_aligned(out + i);
    if (i == n) return;
    alignas(Arch::alignment()) float tail[V] = {};
    for (std::size_t j = 0; i + j < n; ++j) tail[j] = in[i + j];
    f(B::load_aligned(tail)).store_aligned(tail);
    for (std::size_t j = 0; i + j < n; ++j) out[i + j] = tail[j];
}

// inout[i] = f(in[i], inout[i]) for i < n, with the same tail handling as map_unary.
template <class Arch, class F>
inline void map_binary(std::size_t n, const float* in, float* inout, F f) {
    using B = batch<Arch>;
    constexpr std::size_t V = B::size;
    std::size_t i = 0;
    for (; i + V <= n; i += V)
        f(B::load_aligned(in + i), B::load_aligned(inout + i)).store_aligned(inout + i);
    if (i == n) return;
    alignas(Arch::alignment()) float tail_in[V] = {};
    alignas(Arch::alignment()) float tail_inout[V] = {};
    for (std::size_t j = 0; i + j < n; ++j) {
        tail_in[j] = in[i + j];
        tail_inout[j] = inout[i + j];
    }
    f(B::load_aligned(tail_in), B::load_aligned(tail_inout)).store_aligned(tail_inout);
    for (std::size_t j = 0; i + j < n; ++j) inout[i + j] = tail_inout[j];
}

// --- polynomial math: math.hpp's algorithms, lane by lane ----------------------------

// 2^k for k in [-126, 127], from the exponent bits.
template <class Arch>
inline batch<Arch> pow2i(const xsimd::batch<std::int32_t, Arch>& k) {
    return xsimd::bitwise_cast<batch<Arch>>((k + 127) << 23);
}

// e^r for r = x - fn ln2, fn = round(x / ln2): math::exp's argument reduction and
// polynomial, on batches. The caller scales by 2^fn and handles the range.
template <class Arch>
inline batch<Arch> exp_reduced(const batch<Arch>& fn, const batch<Arch>& x) {
    using B = batch<Arch>;
    // Cody-Waite: fn * ln2_hi is exact, so fusing or not gives the same r there.
    B r = madd(fn, B(-math::ln2_hi), x);
    r = madd(fn, B(-math::ln2_lo), r);
    B p(math::exp_p0);
    p = madd(p, r, B(math::exp_p1));
    p = madd(p, r, B(math::exp_p2));
    p = madd(p, r, B(math::exp_p3));
    p = madd(p, r, B(math::exp_p4));
    p = madd(p, r, B(math::exp_p5));
    return madd(p, r * r, r) + B(1.0f);
}

template <class Arch>
inline batch<Arch> exp_batch(const batch<Arch>& x) {
    using B = batch<Arch>;
    // n = round(x / ln2), halves away from zero, exactly as math::exp (to_int truncates).
    const B t = x * B(math::log2e);
    const B fn = xsimd::to_float(xsimd::to_int(t + xsimd::select(t < B(0.0f), B(-0.5f), B(0.5f))));
    const B y = exp_reduced<Arch>(fn, x);
    // 2^n in two normal factors (n in [-150, 128]): n1 = n / 2 truncated toward zero.
    const auto n1 = xsimd::to_int(fn * B(0.5f));
    const auto n2 = xsimd::to_int(fn) - n1;
    B e = y * pow2i<Arch>(n1) * pow2i<Arch>(n2);
    // Out-of-range lanes computed garbage above; the masks replace it.
    e = xsimd::select(x >= B(math::exp_hi), B(math::float_max), e);
    e = xsimd::select(x <= B(math::exp_lo), B(0.0f), e);
    return xsimd::select(xsimd::isnan(x), x, e);
}

// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(-|x|): the
// algorithm of math::sigmoid, with the exp specialised for its arguments in [-104, 0]:
// - nothing overflows, and below -103.97 the result rounds to 0 anyway, so instead of
//   exp_batch's range selects, |x| is clamped to 104;
// - n = round(t) for t <= 0 is a truncation of t - 0.5 (exp_batch's rounding, without
//   the select on the sign);
// - 2^n for n in [-150, 0] is 2^(n + 64) * 2^-64: one exponent construction instead of
//   two, the same single rounding where the result is subnormal;
// - NaN needs no select: min(104, NaN) is NaN (min returns its second operand when one
//   is NaN), the polynomial carries it to e, and 1 / (1 + NaN) is NaN.
template <class Arch>
inline batch<Arch> sigmoid_batch(const batch<Arch>& x) {
    using B = batch<Arch>;
    const B one(1.0f);
    const B nx = -xsimd::min(B(104.0f), xsimd::abs(x));  // -|x|, clamped, NaN kept
    const auto n = xsimd::to_int(madd(nx, B(math::log2e), B(-0.5f)));
    const B fn = xsimd::to_float(n);
    const B y = exp_reduced<Arch>(fn, nx);
    const B e = y * pow2i<Arch>(n + 64) * B(5.42101086242752217e-20f);  // 2^-64
    return divide(xsimd::select(x < B(0.0f), e, one), one + e);
}

template <class Arch>
inline batch<Arch> tanh_batch(const batch<Arch>& x) {
    using B = batch<Arch>;
    const B one(1.0f);
    const B ax = xsimd::abs(x);
    // Near zero: x + x^3 Q(x^2), no cancellation.
    const B z = x * x;
    B q(math::tanh_q0);
    q = madd(q, z, B(math::tanh_q1));
    q = madd(q, z, B(math::tanh_q2));
    q = madd(q, z, B(math::tanh_q3));
    q = madd(q, z, B(math::tanh_q4));
    const B small = madd(q * z, x, x);
    // Elsewhere: sign(x) (1 - e) / (1 + e), e = exp(-2|x|).
    const B e = exp_batch<Arch>(B(-2.0f) * ax);
    const B m = divide(one - e, one + e);
    const B large = xsimd::select(x < B(0.0f), -m, m);
    B t = xsimd::select(ax < B(math::tanh_poly_limit), small, large);
    // Below tanh_tiny, tanh(x) rounds to x; returning x also keeps the sign of -0.
    t = xsimd::select(ax < B(math::tanh_tiny), x, t);
    return xsimd::select(xsimd::isnan(x), x, t);
}

// --- matrix kernels --------------------------------------------------------------------
// stride is a multiple of row_floats, itself a multiple of the batch size, and every row
// starts aligned (static_assert in xsimd_kernels): aligned loads, no column tail.

// The two row-block drivers. Each matrix kernel is one of them plus what it does with a
// batch of weights, so the kernels that must agree bit for bit share their loop, their
// accumulation order and their tails by construction: gemv and ger_gemv run
// product_rows(), gemv_t and gemv_t_ger run transposed_rows().
//
// A `Rows` object starts a block of four rows (block(r), rows r..r+3) or a single row
// (row(r)); what it returns is held in a local, so that the stores into W cannot alias it
// (xsimd's stores go through may_alias vector types) and its fields stay in registers.
// Its weights(c, v0..v3) / weights(c) give the batches at column c (loaded, or updated
// and stored, as the kernel needs).

// y[r] = b[r] + sum_c W'[r][c] x[c]. Four rows per pass, so each x batch is loaded once
// for four weight rows. Two accumulators per row (even and odd batches) make eight
// independent fma chains, enough to cover the fma latency; a stride of an odd number of
// batches ends with one single step. Then the rows left, one at a time.
// Always inlined into its kernel: called out of line it would reach the row state through
// a reference, reloaded after every store into W.
template <class Arch, class Rows>
[[gnu::always_inline]] inline void product_rows(std::size_t rows, std::size_t stride, const float* x, const float* b, float* y, const Rows& m) {
    using B = batch<Arch>;
    constexpr std::size_t V = B::size;
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const auto q = m.block(r);
        B a0(0.0f), a1(0.0f), a2(0.0f), a3(0.0f);
        B e0(0.0f), e1(0.0f), e2(0.0f), e3(0.0f);
        const auto step = [&](std::size_t c, B& acc0, B& acc1, B& acc2, B& acc3) {
            B v0, v1, v2, v3;
            q.weights(c, v0, v1, v2, v3);
            const B xv = B::load_aligned(x + c);
            acc0 = madd(v0, xv, acc0);
            acc1 = madd(v1, xv, acc1);
            acc2 = madd(v2, xv, acc2);
            acc3 = madd(v3, xv, acc3);
        };
        std::size_t c = 0;
        for (; c + 2 * V <= stride; c += 2 * V) {
            step(c, a0, a1, a2, a3);
            step(c + V, e0, e1, e2, e3);
        }
        if (c < stride) step(c, a0, a1, a2, a3);
        store_row_sums4<Arch>(a0 + e0, a1 + e1, a2 + e2, a3 + e3, b + r, y + r);
    }
    for (; r < rows; ++r) {
        const auto q = m.row(r);
        B a(0.0f);
        for (std::size_t c = 0; c < stride; c += V) a = madd(q.weights(c), B::load_aligned(x + c), a);
        y[r] = lane_sum(a) + b[r];
    }
}

// y[c] = sum_r W[r][c] d[r], with the weights as they are before the kernel changes them.
// Four rows per pass: y is read and written once per four rows.
template <class Arch, class Rows>
[[gnu::always_inline]] inline void transposed_rows(std::size_t rows, std::size_t stride, const float* d, float* y, const Rows& m) {
    using B = batch<Arch>;
    constexpr std::size_t V = B::size;
    for (std::size_t c = 0; c < stride; c += V) B(0.0f).store_aligned(y + c);
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const auto q = m.block(r);
        const B d0(d[r]), d1(d[r + 1]), d2(d[r + 2]), d3(d[r + 3]);
        for (std::size_t c = 0; c < stride; c += V) {
            B v0, v1, v2, v3;
            q.weights(c, v0, v1, v2, v3);
            B acc = B::load_aligned(y + c);
            acc = madd(v0, d0, acc);
            acc = madd(v1, d1, acc);
            acc = madd(v2, d2, acc);
            acc = madd(v3, d3, acc);
            acc.store_aligned(y + c);
        }
    }
    for (; r < rows; ++r) {
        const auto q = m.row(r);
        const B dr(d[r]);
        for (std::size_t c = 0; c < stride; c += V)
            madd(q.weights(c), dr, B::load_aligned(y + c)).store_aligned(y + c);
    }
}

// The weights as they are: gemv and gemv_t.
template <class Arch>
struct stored_rows {
    using B = batch<Arch>;
    struct four {
        const float *w0, *w1, *w2, *w3;
        void weights(std::size_t c, B& v0, B& v1, B& v2, B& v3) const {
            v0 = B::load_aligned(w0 + c);
            v1 = B::load_aligned(w1 + c);
            v2 = B::load_aligned(w2 + c);
            v3 = B::load_aligned(w3 + c);
        }
    };
    struct one {
        const float* w;
        B weights(std::size_t c) const { return B::load_aligned(w + c); }
    };
    const float* W;
    std::size_t stride;
    four block(std::size_t r) const {
        const float* w0 = W + r * stride;
        return {w0, w0 + stride, w0 + 2 * stride, w0 + 3 * stride};
    }
    one row(std::size_t r) const { return {W + r * stride}; }
};

// The rank-1 update W += alpha d x^T applied as the loop reaches each weight. With
// `new_values` the loop gets the updated weights (ger_gemv: the next product uses them),
// otherwise the old ones (gemv_t_ger: BP2 needs W^T delta of the weights before the step).
template <class Arch, bool new_values>
struct updated_rows {
    using B = batch<Arch>;
    static B update(const B& s, const B& xv, float* w, std::size_t c) {
        const B old = B::load_aligned(w + c);
        const B updated = madd(s, xv, old);
        updated.store_aligned(w + c);
        return new_values ? updated : old;
    }
    struct four {
        float *w0, *w1, *w2, *w3;
        B s0, s1, s2, s3;
        const float* x;
        // Every load before the first store: a store into one row could alias the next
        // row's load as far as the compiler knows, which would serialise them.
        void weights(std::size_t c, B& v0, B& v1, B& v2, B& v3) const {
            const B xv = B::load_aligned(x + c);
            const B o0 = B::load_aligned(w0 + c), o1 = B::load_aligned(w1 + c);
            const B o2 = B::load_aligned(w2 + c), o3 = B::load_aligned(w3 + c);
            const B u0 = madd(s0, xv, o0), u1 = madd(s1, xv, o1), u2 = madd(s2, xv, o2), u3 = madd(s3, xv, o3);
            u0.store_aligned(w0 + c);
            u1.store_aligned(w1 + c);
            u2.store_aligned(w2 + c);
            u3.store_aligned(w3 + c);
            v0 = new_values ? u0 : o0;
            v1 = new_values ? u1 : o1;
            v2 = new_values ? u2 : o2;
            v3 = new_values ? u3 : o3;
        }
    };
    struct one {
        float* w;
        B s;
        const float* x;
        B weights(std::size_t c) const { return update(s, B::load_aligned(x + c), w, c); }
    };
    float* W;
    std::size_t stride;
    float alpha;
    const float* d;
    const float* x;
    four block(std::size_t r) const {
        float* w0 = W + r * stride;
        return {w0, w0 + stride, w0 + 2 * stride, w0 + 3 * stride,
                B(alpha * d[r]), B(alpha * d[r + 1]), B(alpha * d[r + 2]), B(alpha * d[r + 3]), x};
    }
    one row(std::size_t r) const { return {W + r * stride, B(alpha * d[r]), x}; }
};

template <class Arch>
void gemv(std::size_t rows, std::size_t stride, const float* W, const float* x, const float* b,
          float* y) {
    product_rows<Arch>(rows, stride, x, b, y, stored_rows<Arch>{W, stride});
}

template <class Arch>
void gemv_t(std::size_t rows, std::size_t stride, const float* W, const float* d, float* y) {
    transposed_rows<Arch>(rows, stride, d, y, stored_rows<Arch>{W, stride});
}

template <class Arch>
void ger(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
         float* W) {
    using B = batch<Arch>;
    constexpr std::size_t V = B::size;
    std::size_t r = 0;
    // Four rows per pass, as in gemv_t_ger: one x load per four weight updates.
    for (; r + 4 <= rows; r += 4) {
        float* w0 = W + r * stride;
        float* w1 = w0 + stride;
        float* w2 = w1 + stride;
        float* w3 = w2 + stride;
        const B s0(alpha * d[r]), s1(alpha * d[r + 1]), s2(alpha * d[r + 2]),
            s3(alpha * d[r + 3]);
        for (std::size_t c = 0; c < stride; c += V) {
            const B xv = B::load_aligned(x + c);
            madd(s0, xv, B::load_aligned(w0 + c)).store_aligned(w0 + c);
            madd(s1, xv, B::load_aligned(w1 + c)).store_aligned(w1 + c);
            madd(s2, xv, B::load_aligned(w2 + c)).store_aligned(w2 + c);
            madd(s3, xv, B::load_aligned(w3 + c)).store_aligned(w3 + c);
        }
    }
    for (; r < rows; ++r) {
        float* w = W + r * stride;
        const B s(alpha * d[r]);
        for (std::size_t c = 0; c < stride; c += V)
            madd(s, B::load_aligned(x + c), B::load_aligned(w + c)).store_aligned(w + c);
    }
}

// gemv_t and ger in one pass: each old weight is loaded once, accumulated into y, then
// updated and stored. transposed_rows() with ger's update expression, so the results are
// gemv_t's and ger's.
// (W is written through updated_rows, which clang-tidy does not follow.)
template <class Arch>
void gemv_t_ger(std::size_t rows, std::size_t stride, float alpha, const float* d,
                const float* x, float* W, float* y) {  // NOLINT(readability-non-const-parameter)
    transposed_rows<Arch>(rows, stride, d, y, updated_rows<Arch, false>{W, stride, alpha, d, x});
}

// ger and gemv in one pass: each weight is loaded once, updated, stored, and the updated
// value multiplied by x_next: product_rows() with ger's update expression, so the results
// are those of ger followed by gemv, bit for bit.
template <class Arch>
void ger_gemv(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
              float* W, const float* x_next, const float* b, float* y) {  // NOLINT(readability-non-const-parameter): as above
    product_rows<Arch>(rows, stride, x_next, b, y, updated_rows<Arch, true>{W, stride, alpha, d, x});
}

// --- element-wise kernels --------------------------------------------------------------

template <class Arch>
void axpy(std::size_t n, float alpha, const float* x, float* y) {
    using B = batch<Arch>;
    const B a(alpha);
    map_binary<Arch>(n, x, y, [a](const B& xv, const B& yv) { return madd(a, xv, yv); });
}

template <class Arch>
float max_abs(std::size_t n, const float* x) {
    using B = batch<Arch>;
    constexpr std::size_t V = B::size;
    // max() may drop NaN lanes (x86 maxps returns its second operand), so NaN is tracked
    // separately. Zero padding cannot raise the maximum of absolute values.
    B m(0.0f);
    typename B::batch_bool_type nan(false);  // parentheses: braces mean a lane list in 8.1
    std::size_t i = 0;
    for (; i + V <= n; i += V) {
        const B v = B::load_aligned(x + i);
        nan = nan | xsimd::isnan(v);
        m = xsimd::max(m, xsimd::abs(v));
    }
    if (i < n) {
        alignas(Arch::alignment()) float tail[V] = {};
        for (std::size_t j = 0; i + j < n; ++j) tail[j] = x[i + j];
        const B v = B::load_aligned(tail);
        nan = nan | xsimd::isnan(v);
        m = xsimd::max(m, xsimd::abs(v));
    }
    // constexpr: evaluated by the compiler, no call to a shared inline function.
    constexpr float quiet_nan = std::numeric_limits<float>::quiet_NaN();
    return xsimd::any(nan) ? quiet_nan : lane_max<Arch>(m);
}

template <class Arch>
void sigmoid(std::size_t n, const float* z, float* a) {
    map_unary<Arch>(n, z, a, [](const batch<Arch>& v) { return sigmoid_batch<Arch>(v); });
}

template <class Arch>
void tanh_kernel(std::size_t n, const float* z, float* a) {
    map_unary<Arch>(n, z, a, [](const batch<Arch>& v) { return tanh_batch<Arch>(v); });
}

template <class Arch>
void relu(std::size_t n, const float* z, float* a) {
    using B = batch<Arch>;
    // z <= 0 is false for NaN, so NaN passes through.
    map_unary<Arch>(n, z, a,
                    [](const B& v) { return xsimd::select(v <= B(0.0f), B(0.0f), v); });
}

template <class Arch>
void softmax(std::size_t n, const float* z, float* a) {
    using B = batch<Arch>;
    constexpr std::size_t V = B::size;
    if (n == 0) return;
    const std::size_t body = n - n % V;

    // Maximum of the n elements (the tail is scalar: a few compares, no staging buffer).
    B mv(z[0]);
    for (std::size_t i = 0; i < body; i += V) mv = xsimd::max(mv, B::load_aligned(z + i));
    float max = lane_max<Arch>(mv);
    for (std::size_t i = body; i < n; ++i) max = z[i] > max ? z[i] : max;
    const B m(max);

    // e = exp(z - max) and its sum. The tail's exponentials stay in a register for the
    // division below; its padding lanes are left out of the sum.
    B sv(0.0f);
    for (std::size_t i = 0; i < body; i += V) {
        const B e = exp_batch<Arch>(B::load_aligned(z + i) - m);
        e.store_aligned(a + i);
        sv += e;
    }
    alignas(Arch::alignment()) float tail[V] = {};
    B tail_e(0.0f);
    float sum = 0.0f;
    if (body < n) {
        for (std::size_t i = body; i < n; ++i) tail[i - body] = z[i];
        tail_e = exp_batch<Arch>(B::load_aligned(tail) - m);
        tail_e.store_aligned(tail);
        for (std::size_t i = body; i < n; ++i) sum += tail[i - body];
    }
    const B total(lane_sum(sv) + sum);

    for (std::size_t i = 0; i < body; i += V)
        divide(B::load_aligned(a + i), total).store_aligned(a + i);
    if (body < n) {
        divide(tail_e, total).store_aligned(tail);
        for (std::size_t i = body; i < n; ++i) a[i] = tail[i - body];
    }
}

template <class Arch>
void sigmoid_backward(std::size_t n, const float* a, float* d) {
    using B = batch<Arch>;
    map_binary<Arch>(n, a, d, [](const B& av, const B& dv) { return dv * (av * (B(1.0f) - av)); });
}

template <class Arch>
void tanh_backward(std::size_t n, const float* a, float* d) {
    using B = batch<Arch>;
    map_binary<Arch>(n, a, d, [](const B& av, const B& dv) { return dv * (B(1.0f) - av * av); });
}

template <class Arch>
void relu_backward(std::size_t n, const float* a, float* d) {
    using B = batch<Arch>;
    map_binary<Arch>(n, a, d, [](const B& av, const B& dv) {
        return xsimd::select(av > B(0.0f), dv, B(0.0f));  // NaN a gives 0, as in the scalar port
    });
}

// The table, field by field (tests/test_kernels.cpp checks with is_complete() that none
// is missing, on every target).
template <class Arch>
constexpr kernel_table make_table() {
    kernel_table t{};
    t.name = table_name<Arch>;
    t.gemv = gemv<Arch>;
    t.gemv_t = gemv_t<Arch>;
    t.ger = ger<Arch>;
    t.gemv_t_ger = gemv_t_ger<Arch>;
    t.ger_gemv = ger_gemv<Arch>;
    t.axpy = axpy<Arch>;
    t.max_abs = max_abs<Arch>;
    t.sigmoid = sigmoid<Arch>;
    t.tanh = tanh_kernel<Arch>;
    t.relu = relu<Arch>;
    t.softmax = softmax<Arch>;
    t.sigmoid_backward = sigmoid_backward<Arch>;
    t.tanh_backward = tanh_backward<Arch>;
    t.relu_backward = relu_backward<Arch>;
    return t;
}

}  // namespace kernels

template <class Arch>
const kernel_table& xsimd_kernels() {
    static_assert(row_floats % kernels::batch<Arch>::size == 0,
                  "MICROPROP_ROW_FLOATS must be a multiple of this instruction set's batch "
                  "width (x86-64 builds of the xsimd port need 16)");
    static_assert(vector_alignment % Arch::alignment() == 0,
                  "vector_alignment too small for aligned loads of this instruction set");
    static_assert(table_name<Arch> != nullptr, "no table name for this architecture");
    static constexpr kernel_table table = kernels::make_table<Arch>();
    return table;
}

}  // namespace microprop::xsimd_port
