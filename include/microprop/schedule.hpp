// Learning-rate schedules evaluated per step: no state, no allocation, no libm.
//
// A schedule is a small value (learning_rate_schedule, 32 bytes); learning_rate(s, step)
// is the rate of the update number `step`, counted from 0 (the first update uses step 0).
// The step to pass is the network's own counter, Network::steps() (the updates applied so
// far): it is stored in model files and checkpoints (docs/model-format.md), so a network
// loaded from a file continues its schedule where it stopped, by construction. Nothing
// else about a schedule's position needs saving.
//
// The schedules and their torch.optim.lr_scheduler equivalents (after `step` calls of
// scheduler.step(), each after optimizer.step()), with eta_0 = base:
//   constant          eta_0                                   (no scheduler)
//   step_decay        eta_0 gamma^floor(step / step_size)      StepLR(step_size, gamma)
//   exponential       eta_0 gamma^step                         ExponentialLR(gamma)
//   inverse_time      eta_0 / (1 + decay step)                 LambdaLR(lambda s: 1 / (1 + decay s))
//   cosine_restarts   eta_min + (eta_0 - eta_min) (1 + cos(pi t / T)) / 2
//                                                 CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)
// where, for cosine_restarts, the periods have lengths T_0, T_0 T_mult, T_0 T_mult^2, ...
// steps, T is the length of the period `step` falls in and t in [0, T) its offset there
// (torch's T_i and T_cur; each period starts at eta_0 and ends just above eta_min).
//
// Bit for bit the same on every platform: only + - * / in a fixed order (the library
// compiles with -ffp-contract=off) and conversions of integers to float (correctly
// rounded under IEEE 754). No operation gets a subnormal operand: every value that could
// fall below the smallest normal float (FLT_MIN, 1.18e-38) is replaced by 0 first, so
// flush-to-zero hardware gives the same bits. A rate below FLT_MIN is returned as 0.
//
// Error bounds, relative, against exact arithmetic on the float parameters (u = 2^-24;
// derivations in docs/schedules.md, checked by tests/test_schedule.cpp):
//   constant          exact
//   step_decay,       (1 + u)^k - 1 for k decays (k = floor(step / step_size), or step):
//   exponential       about k u, that is at most about k ulp; below 1e-5 for k <= 167
//   inverse_time      4 u to first order (the step rounded to float, product, sum, quotient)
//   cosine_restarts   13 u for periods up to 2^24 steps, 17 u for longer ones (the offset's
//                     quotient, the polynomial's 1.75 ulp at most, the square, the product
//                     and the sum with eta_min)
// Huge steps (up to 2^64 - 1) never overflow nor give a NaN: gamma^k reaches 0, the
// inverse time's denominator at most infinity (rate 0), and a cosine period longer than
// 2^64 - 1 steps is measured in float.
#pragma once

#include <cstdint>
#include <limits>

#include "microprop/math.hpp"

namespace microprop {

enum class schedule_kind : std::uint8_t { constant, step_decay, exponential, inverse_time, cosine_restarts };

// A plain value (trivially copyable, no constructor): copy it, store it. Build it with
// the functions of namespace schedule; fields a kind does not use are ignored (the
// builders set them to 0 or 1).
struct learning_rate_schedule {
    float base;                       // eta_0, the rate of step 0 (every kind)
    float gamma;                      // step_decay, exponential: the factor of one decay
    float decay;                      // inverse_time: the step's weight in the denominator
    float eta_min;                    // cosine_restarts: the floor every period decays to
    std::uint32_t step_size;          // step_decay: steps between two decays
    std::uint32_t period;             // cosine_restarts: T_0, the first period's length in steps
    std::uint32_t period_multiplier;  // cosine_restarts: T_mult, each period's length over the last's
    schedule_kind kind;
};

namespace schedule {

inline constexpr float smallest_normal = std::numeric_limits<float>::min();
inline constexpr float largest_finite = std::numeric_limits<float>::max();

constexpr learning_rate_schedule constant(float base) {
    return {base, 1.0f, 0.0f, 0.0f, 1, 1, 1, schedule_kind::constant};
}
constexpr learning_rate_schedule step_decay(float base, float gamma, std::uint32_t step_size) {
    return {base, gamma, 0.0f, 0.0f, step_size, 1, 1, schedule_kind::step_decay};
}
constexpr learning_rate_schedule exponential(float base, float gamma) {
    return {base, gamma, 0.0f, 0.0f, 1, 1, 1, schedule_kind::exponential};
}
constexpr learning_rate_schedule inverse_time(float base, float decay) {
    return {base, 1.0f, decay, 0.0f, 1, 1, 1, schedule_kind::inverse_time};
}
constexpr learning_rate_schedule cosine_restarts(float base, std::uint32_t period,
                                                 std::uint32_t period_multiplier = 1,
                                                 float eta_min = 0.0f) {
    return {base, 1.0f, 0.0f, eta_min, 1, period, period_multiplier, schedule_kind::cosine_restarts};
}

// A positive normal float: not 0, not subnormal, not infinite, not NaN (NaN fails every
// comparison).
constexpr bool is_positive_normal(float x) { return x >= smallest_normal && x <= largest_finite; }

// x, or 0 when x is below the smallest normal float (x >= 0): no subnormal goes further.
constexpr float flush_subnormal(float x) { return x < smallest_normal ? 0.0f : x; }

// gamma^k by binary powering (squaring), for gamma in [FLT_MIN, 1].
// Every computed power of gamma^e is gamma^e (1 + theta) with |theta| <= (1 + u)^(e-1) - 1:
// true for gamma itself, and a product of two such powers with one rounding adds their
// exponents and one factor (1 + u). 0 as soon as the result is known to be below FLT_MIN
// (the factors are at most 1, so the result only decreases); at most 64 squarings.
inline float power(float gamma, std::uint64_t k) {
    float result = 1.0f;
    float square = gamma;  // gamma^(2^j) at bit j of k
    for (;;) {
        if ((k & 1u) != 0) {
            result = result * square;
            if (result < smallest_normal) return 0.0f;
        }
        k >>= 1;
        if (k == 0) return result;
        square = square * square;
        if (square < smallest_normal) return 0.0f;  // gamma^k <= gamma^(2^(j+1)) = square
    }
}

// cos(pi x / 2) and sin(pi x / 2) for x in [0, 1/2] (angles up to pi / 4), by their Taylor
// series in x, rounded to float; the first omitted terms are below 2.5e-9 of the result
// (x = 1/2: (pi/4)^12 / 12! for cos, (pi/4)^11 / 11! for sin), far below the roundings.
// Their largest errors over every float of [0, 1/2] are in docs/schedules.md; the bounds
// tests/test_schedule.cpp holds them to are cos_half_pi_max_ulp and sin_half_pi_max_ulp.
inline constexpr float cos_c1 = -1.2337005501361697f;     // -(pi/2)^2 / 2!
inline constexpr float cos_c2 = 2.5366950790104802e-1f;   //  (pi/2)^4 / 4!
inline constexpr float cos_c3 = -2.0863480763352957e-2f;  // -(pi/2)^6 / 6!
inline constexpr float cos_c4 = 9.1926027483942636e-4f;   //  (pi/2)^8 / 8!
inline constexpr float cos_c5 = -2.5202042373060596e-5f;  // -(pi/2)^10 / 10!
inline constexpr float sin_s0 = 1.5707963267948966f;      //  (pi/2)
inline constexpr float sin_s1 = -6.4596409750624625e-1f;  // -(pi/2)^3 / 3!
inline constexpr float sin_s2 = 7.9692626246167038e-2f;   //  (pi/2)^5 / 5!
inline constexpr float sin_s3 = -4.6817541353186881e-3f;  // -(pi/2)^7 / 7!
inline constexpr float sin_s4 = 1.6044118478735982e-4f;   //  (pi/2)^9 / 9!

// x is at least 2^-96 or 0 here, so x^2 may be subnormal: flushed (it is far below an
// ulp of the result either way).
inline float cos_half_pi(float x) {
    const float z = flush_subnormal(x * x);
    return math::horner(z, cos_c5, cos_c4, cos_c3, cos_c2, cos_c1, 1.0f);
}
inline float sin_half_pi(float x) {
    const float z = flush_subnormal(x * x);
    return math::horner(z, sin_s4, sin_s3, sin_s2, sin_s1, sin_s0) * x;
}

// (1 + cos(pi t / T)) / 2 for an offset t in a period of T steps, given t, T - t and T.
// It equals cos^2(pi t / 2T) = sin^2(pi (T - t) / 2T): the cosine for t <= T - t, the
// sine of the distance to the period's end otherwise. The argument stays in [0, 1/2], and
// near the end of a period, where the factor is about (pi (T - t) / 2T)^2, it is computed
// from the exact integer T - t instead of a difference of nearly equal numbers: the
// factor keeps its relative accuracy down to its smallest values.
inline float cosine_factor(float elapsed, float remaining, float length) {
    const float c = elapsed <= remaining ? cos_half_pi(elapsed / length) : sin_half_pi(remaining / length);
    return flush_subnormal(c * c);
}

// The factor of cosine_restarts at `step`: finds the period `step` falls in. With T_mult
// = 1 by a remainder; otherwise by walking the periods, each at least twice the last, so
// at most 64 iterations. A period whose length does not fit in 64 bits holds every step
// left (a step is below 2^64); its length is then taken in float.
inline float cosine_restarts_factor(std::uint64_t step, std::uint32_t period, std::uint32_t multiplier) {
    std::uint64_t length = period;
    if (multiplier == 1) {
        step %= length;
    } else {
        while (step >= length) {
            step -= length;
            if (length > std::numeric_limits<std::uint64_t>::max() / multiplier) {
                const float elapsed = static_cast<float>(step);
                const float longer = static_cast<float>(length) * static_cast<float>(multiplier);
                return cosine_factor(elapsed, longer > elapsed ? longer - elapsed : 0.0f, longer);
            }
            length *= multiplier;
        }
    }
    return cosine_factor(static_cast<float>(step), static_cast<float>(length - step),
                         static_cast<float>(length));
}

}  // namespace schedule

// Whether learning_rate() accepts the schedule. Every kind: base a positive normal float
// (not 0, subnormal, infinite or NaN). Then, per kind (the fields it does not use are not
// looked at):
//   step_decay, exponential   gamma in [FLT_MIN, 1] (a decay, never a growth: no overflow);
//                             step_decay: step_size >= 1
//   inverse_time              decay 0 or a positive normal float
//   cosine_restarts           period >= 1, period_multiplier >= 1 (torch: T_0 >= 1,
//                             T_mult >= 1); eta_min 0 or a positive normal float, at most
//                             base (the rate anneals down)
// A kind outside the enumeration is invalid.
constexpr bool is_valid(const learning_rate_schedule& s) {
    using schedule::is_positive_normal;
    if (!is_positive_normal(s.base)) return false;
    switch (s.kind) {
        case schedule_kind::constant:
            return true;
        case schedule_kind::step_decay:
            return s.step_size >= 1 && is_positive_normal(s.gamma) && s.gamma <= 1.0f;
        case schedule_kind::exponential:
            return is_positive_normal(s.gamma) && s.gamma <= 1.0f;
        case schedule_kind::inverse_time:
            return s.decay == 0.0f || is_positive_normal(s.decay);
        case schedule_kind::cosine_restarts:
            return s.period >= 1 && s.period_multiplier >= 1 &&
                   (s.eta_min == 0.0f || is_positive_normal(s.eta_min)) && s.eta_min <= s.base;
    }
    return false;
}

// The learning rate of update number `step` (0 for the first update; pass
// Network::steps()). 0 for a schedule is_valid() rejects: a refused schedule changes no
// weight rather than spreading a NaN. Never NaN, never infinite, never subnormal.
inline float learning_rate(const learning_rate_schedule& s, std::uint64_t step) {
    if (!is_valid(s)) return 0.0f;
    switch (s.kind) {
        case schedule_kind::constant:
            return s.base;
        case schedule_kind::step_decay:
            return schedule::flush_subnormal(s.base * schedule::power(s.gamma, step / s.step_size));
        case schedule_kind::exponential:
            return schedule::flush_subnormal(s.base * schedule::power(s.gamma, step));
        case schedule_kind::inverse_time:
            // decay * step >= FLT_MIN or 0; at most +inf, whose quotient is 0.
            return schedule::flush_subnormal(s.base / (1.0f + s.decay * static_cast<float>(step)));
        case schedule_kind::cosine_restarts: {
            const float factor = schedule::cosine_restarts_factor(step, s.period, s.period_multiplier);
            // A factor of 1 (every period's first step) is base exactly, not
            // eta_min + (base - eta_min), which may round away from it.
            if (factor == 1.0f) return s.base;
            const float span = schedule::flush_subnormal(s.base - s.eta_min);
            return s.eta_min + schedule::flush_subnormal(span * factor);
        }
    }
    return 0.0f;
}

}  // namespace microprop
