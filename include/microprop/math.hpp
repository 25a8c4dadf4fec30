// Polynomial exp, sigmoid and tanh: the coefficients every port uses, and the scalar
// versions (the reference, and what Cortex-M runs).
//
// exp(x): Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, with ln2 split in a
// high part exact in float and a low correction; exp(r) = 1 + r + r^2 P(r), P a degree-5
// minimax polynomial (Cephes expf class); the result is scaled by 2^n in two steps, so
// both ends (2^128 and subnormal results) are reached without overflow in the exponent.
// Error bound, checked by tests/test_math.cpp: at most 2 ulp on [-87.3, 88.7].
// Saturation: x >= 88.72283935546875 (ln FLT_MAX) gives FLT_MAX, x <= -103.972 gives 0,
// for every non-NaN input including +-inf. NaN propagates.
//
// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with e = exp(-|x|) in
// (0, 1], so nothing overflows. Bound: 3 ulp for every finite float; exactly 1 for large
// x, exactly 0 for x below about -104. NaN propagates.
//
// tanh(x) = x + x^3 Q(x^2) for |x| < 0.625 (no cancellation near 0), otherwise
// sign(x) (1 - e) / (1 + e) with e = exp(-2|x|). Saturates to exactly +-1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace microprop::math {

// exp
inline constexpr float exp_hi = 88.72283935546875f;  // smallest float whose exp overflows
inline constexpr float exp_lo = -103.97208f;         // exp(x) rounds to 0 below this
inline constexpr float log2e = 1.44269504088896341f;
inline constexpr float ln2_hi = 0.693359375f;       // exact in 9 bits: n * ln2_hi is exact
inline constexpr float ln2_lo = -2.12194440e-4f;    // ln2 - ln2_hi
inline constexpr float exp_p0 = 1.9875691500e-4f;   // exp(r) = 1 + r + r^2 (p0 r^5 + ... + p5)
inline constexpr float exp_p1 = 1.3981999507e-3f;
inline constexpr float exp_p2 = 8.3334519073e-3f;
inline constexpr float exp_p3 = 4.1665795894e-2f;
inline constexpr float exp_p4 = 1.6666665459e-1f;
inline constexpr float exp_p5 = 5.0000001201e-1f;
inline constexpr float float_max = 3.40282346638528859812e+38f;

// tanh for |x| < tanh_poly_limit: x + x^3 (q0 x^8 + q1 x^6 + q2 x^4 + q3 x^2 + q4)
inline constexpr float tanh_poly_limit = 0.625f;
inline constexpr float tanh_tiny = 1.220703125e-4f;  // 2^-13: below it tanh(x) rounds to x
inline constexpr float tanh_q0 = -5.70498872745e-3f;
inline constexpr float tanh_q1 = 2.06390887954e-2f;
inline constexpr float tanh_q2 = -5.37397155531e-2f;
inline constexpr float tanh_q3 = 1.33314422036e-1f;
inline constexpr float tanh_q4 = -3.33332819422e-1f;

// c0 x^k + c1 x^(k-1) + ... + ck by Horner's rule: ((c0 x + c1) x + c2) ..., each step
// rounded once (the library compiles with -ffp-contract=off). The vector ports evaluate
// the same polynomials in the same order.
inline float horner(float, float c0) { return c0; }
template <class... Rest>
inline float horner(float x, float c0, float c1, Rest... rest) {
    return horner(x, c0 * x + c1, rest...);
}

// 2^k as a float for k in [-126, 127] (built from the exponent bits).
inline float pow2i(std::int32_t k) {
    const std::uint32_t bits = static_cast<std::uint32_t>(k + 127) << 23;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

inline float exp(float x) {
    if (x != x) return x;  // NaN propagates
    if (x >= exp_hi) return float_max;
    if (x <= exp_lo) return 0.0f;
    // n = round(x / ln2): add +-0.5, then truncate toward zero (round half away from zero).
    const float t = x * log2e;
    float fn = static_cast<float>(static_cast<std::int32_t>(t < 0.0f ? t - 0.5f : t + 0.5f));
    const float r = (x - fn * ln2_hi) - fn * ln2_lo;
    const float p = horner(r, exp_p0, exp_p1, exp_p2, exp_p3, exp_p4, exp_p5);
    const float y = p * (r * r) + r + 1.0f;
    // 2^n in two factors, each a normal float: n is in [-150, 128].
    const std::int32_t n = static_cast<std::int32_t>(fn);
    const std::int32_t n1 = n / 2;
    return y * pow2i(n1) * pow2i(n - n1);
}

inline float sigmoid(float x) {
    if (x != x) return x;
    const float e = math::exp(x < 0.0f ? x : -x);  // exp(-|x|) in (0, 1]
    return x < 0.0f ? e / (1.0f + e) : 1.0f / (1.0f + e);
}

inline float tanh(float x) {
    if (x != x) return x;
    const float ax = x < 0.0f ? -x : x;
    if (ax < tanh_tiny) return x;  // x^3 / 3 is below half an ulp of x; keeps the sign of -0
    if (ax < tanh_poly_limit) {
        const float z = x * x;
        const float q = horner(z, tanh_q0, tanh_q1, tanh_q2, tanh_q3, tanh_q4);
        return q * z * x + x;
    }
    const float e = math::exp(-2.0f * ax);
    const float r = (1.0f - e) / (1.0f + e);
    return x < 0.0f ? -r : r;
}

// The largest |x[i]| of count floats, as the bits of the float: for non-negative floats
// the order of the bit patterns is the order of the values, and +inf and every NaN have
// the largest patterns (0x7F800000 and above), so a NaN anywhere makes the result a NaN
// pattern. No branch per element: compilers vectorize it. The engine checks inputs with
// it, the scalar Cortex-M port computes max_abs with it.
inline std::uint32_t max_magnitude_bits(const float* x, std::size_t count) {
    std::uint32_t m = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, x + i, sizeof bits);
        bits &= 0x7FFFFFFFu;
        m = bits > m ? bits : m;
    }
    return m;
}

}  // namespace microprop::math
