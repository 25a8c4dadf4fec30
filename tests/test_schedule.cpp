// Learning-rate schedules (microprop/schedule.hpp): exact values, the error bounds the
// header documents (against double references: std::pow, std::cos and std::sin in the
// test only), monotonicity, the periods of the cosine restarts, huge step counts, the
// validity rules, and the step counter a model file carries.
//
// Error measures: relative |y - f| / f against the double value f; for the polynomials,
// |y - f| in float ulps at the correctly rounded result (support.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "microprop/microprop.hpp"
#include "microprop/schedule.hpp"
#include "support.hpp"

namespace {

using namespace microprop;
using test::unit_roundoff;

#ifndef MICROPROP_TEST_SWEEP_STRIDE
#define MICROPROP_TEST_SWEEP_STRIDE 1
#endif
constexpr std::int64_t sweep_stride = MICROPROP_TEST_SWEEP_STRIDE;

constexpr double pi = 3.14159265358979323846;
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr float flt_min = std::numeric_limits<float>::min();

// The polynomials' largest errors over every float of [0, 1/2] (sin: from 2^-100, where
// its result is normal), measured with a stride of 1; a strided sweep stays below them.
constexpr double cos_half_pi_max_ulp = 1.3;   // measured 1.272
constexpr double sin_half_pi_max_ulp = 1.75;  // measured 1.736

// (1 + u)^n - 1: n roundings, each of relative error at most u, compounded.
double compounded(std::uint64_t n) { return std::expm1(static_cast<double>(n) * std::log1p(unit_roundoff)); }

double relative_error(float value, double reference) {
    return std::fabs(static_cast<double>(value) - reference) / reference;
}

// (1 + cos(pi t / T)) / 2 in double without cancellation near the end of the period.
double cosine_factor_reference(std::uint64_t t, std::uint64_t length) {
    const double remaining = static_cast<double>(length - t), period = static_cast<double>(length);
    const double c = t <= length - t ? std::cos(pi * static_cast<double>(t) / (2 * period))
                                     : std::sin(pi * remaining / (2 * period));
    return c * c;
}

// The factor's documented bound: two times the quotient's and the polynomial's relative
// error (an ulp is at most 2u of the result) plus the square's rounding. The quotient of
// floats: one rounding, three when the integers above 2^24 are rounded to float first.
double cosine_factor_bound(std::uint64_t length) {
    const double quotient = (length <= (1u << 24) ? 1 : 3) * unit_roundoff;
    return 2 * (quotient + 2 * sin_half_pi_max_ulp * unit_roundoff) + unit_roundoff;
}

std::vector<std::uint64_t> strided_steps(std::uint64_t count, std::uint64_t stride) {
    std::vector<std::uint64_t> steps;
    for (std::uint64_t s = 0; s < count; s += stride) steps.push_back(s);
    return steps;
}

// The polynomial's largest ulp error against f over every `step`-th float of [lo, hi].
double max_ulp(float (*poly)(float), double (*f)(double), float lo, float hi, std::int64_t step) {
    double worst = 0;
    const std::int64_t last = test::float_ordinal(hi);
    for (std::int64_t k = test::float_ordinal(lo);; k += step) {
        if (k > last) k = last;
        const float x = test::float_at_ordinal(k);
        const double want = f(static_cast<double>(x));
        worst = std::fmax(worst, std::fabs(static_cast<double>(poly(x)) - want) * test::inverse_float_ulp_at(want));
        if (k == last) break;
    }
    return worst;
}

double cos_half_pi_reference(double x) { return std::cos(pi * x / 2); }
double sin_half_pi_reference(double x) { return std::sin(pi * x / 2); }

}  // namespace

TEST_CASE("schedule: the builders give valid schedules, is_valid rejects each broken rule") {
    CHECK(is_valid(schedule::constant(0.1f)));
    CHECK(is_valid(schedule::step_decay(0.1f, 0.5f, 10)));
    CHECK(is_valid(schedule::exponential(0.1f, 1.0f)));
    CHECK(is_valid(schedule::inverse_time(0.1f, 0.0f)));
    CHECK(is_valid(schedule::cosine_restarts(0.1f, 1)));
    CHECK(is_valid(schedule::cosine_restarts(0.1f, 10, 2, 0.1f)));  // eta_min == base: constant
    static_assert(is_valid(schedule::exponential(1e-3f, 0.999f)), "usable in constant expressions");

    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float subnormal = std::numeric_limits<float>::denorm_min();
    const learning_rate_schedule refused[] = {
        schedule::constant(0.0f), schedule::constant(-0.1f), schedule::constant(inf),
        schedule::constant(nan), schedule::constant(subnormal),
        schedule::step_decay(0.1f, 0.5f, 0), schedule::step_decay(0.1f, 1.5f, 10),
        schedule::step_decay(0.1f, 0.0f, 10), schedule::step_decay(0.1f, nan, 10),
        schedule::exponential(0.1f, 1.0001f), schedule::exponential(0.1f, subnormal),
        schedule::exponential(0.1f, -0.5f),
        schedule::inverse_time(0.1f, -1.0f), schedule::inverse_time(0.1f, inf),
        schedule::inverse_time(0.1f, nan), schedule::inverse_time(0.1f, subnormal),
        schedule::cosine_restarts(0.1f, 0), schedule::cosine_restarts(0.1f, 10, 0),
        schedule::cosine_restarts(0.1f, 10, 1, 0.2f), schedule::cosine_restarts(0.1f, 10, 1, -0.01f),
        schedule::cosine_restarts(0.1f, 10, 1, subnormal), schedule::cosine_restarts(0.1f, 10, 1, nan),
    };
    for (const learning_rate_schedule& s : refused) {
        CAPTURE(static_cast<int>(s.kind));
        CHECK_FALSE(is_valid(s));
        CHECK(learning_rate(s, 0) == 0.0f);  // a refused schedule changes no weight
        CHECK(learning_rate(s, 12345) == 0.0f);
    }
    learning_rate_schedule unknown = schedule::constant(0.1f);
    unknown.kind = static_cast<schedule_kind>(7);
    CHECK_FALSE(is_valid(unknown));
    CHECK(learning_rate(unknown, 3) == 0.0f);
    // Fields a kind does not use are not looked at.
    learning_rate_schedule loose = schedule::constant(0.1f);
    loose.gamma = nan;
    loose.step_size = 0;
    CHECK(is_valid(loose));
}

TEST_CASE("schedule: exact values") {
    const learning_rate_schedule all[] = {
        schedule::constant(0.1f), schedule::step_decay(0.1f, 0.9f, 3), schedule::exponential(0.1f, 0.9f),
        schedule::inverse_time(0.1f, 0.3f), schedule::cosine_restarts(0.1f, 7, 2, 0.001f)};
    for (const learning_rate_schedule& s : all) CHECK(learning_rate(s, 0) == 0.1f);  // step 0: base

    CHECK(learning_rate(schedule::constant(0.25f), u64_max) == 0.25f);
    // Powers of 1/2 and of 2 are exact.
    const learning_rate_schedule halving = schedule::step_decay(1.0f, 0.5f, 10);
    CHECK(learning_rate(halving, 9) == 1.0f);
    CHECK(learning_rate(halving, 10) == 0.5f);
    CHECK(learning_rate(halving, 25) == 0.25f);
    CHECK(learning_rate(halving, 1260) == std::ldexp(1.0f, -126));  // FLT_MIN, still normal
    CHECK(learning_rate(halving, 1270) == 0.0f);                    // 2^-127: below FLT_MIN
    CHECK(learning_rate(schedule::exponential(3.0f, 0.5f), 4) == 0.1875f);
    CHECK(learning_rate(schedule::exponential(0.1f, 1.0f), u64_max) == 0.1f);
    CHECK(learning_rate(schedule::inverse_time(1.0f, 1.0f), 3) == 0.25f);
    CHECK(learning_rate(schedule::inverse_time(6.0f, 0.5f), 4) == 2.0f);
    CHECK(learning_rate(schedule::inverse_time(0.1f, 0.0f), u64_max) == 0.1f);
    // Cosine: the half period gives the mean of base and eta_min up to the bound; each
    // period starts at base.
    const learning_rate_schedule cosine = schedule::cosine_restarts(1.0f, 4, 1, 0.5f);
    CHECK(relative_error(learning_rate(cosine, 2), 0.75) <= cosine_factor_bound(4) + 3 * unit_roundoff);
    CHECK(learning_rate(cosine, 4) == 1.0f);
    CHECK(learning_rate(cosine, 4000) == 1.0f);
    CHECK(learning_rate(schedule::cosine_restarts(0.3f, 1), 99) == 0.3f);  // T = 1: always base
}

TEST_CASE("schedule: integers round to the nearest float, ties to even") {
    // learning_rate() converts steps, offsets and periods to float: IEEE 754 rounding,
    // checked here on each platform (its compiler's conversion or its libgcc routine).
    const auto to_float = [](std::uint64_t v) { return static_cast<float>(v); };
    CHECK(to_float((1u << 24) + 1) == 16777216.0f);                            // tie, down to even
    CHECK(to_float((1u << 24) + 3) == 16777220.0f);                            // tie, up to even
    CHECK(to_float((std::uint64_t{1} << 63) + (std::uint64_t{1} << 39)) == 0x1p63f);  // tie
    CHECK(to_float((std::uint64_t{1} << 63) + (std::uint64_t{1} << 39) + 1) == 0x1.000002p63f);
    CHECK(to_float(u64_max) == 0x1p64f);
}

TEST_CASE("schedule: gamma^k within (1 + u)^(k-1) - 1 of the exact power") {
    test::rng r(41);
    double worst_ratio = 0;  // measured error over the bound
    std::size_t measured = 0;
    const std::uint64_t ks[] = {1, 2, 3, 7, 16, 99, 100, 101, 167, 168, 255, 1000, 4097, 65535, 1000003};
    for (int g = 0; g < 200; ++g) {
        const float gamma = g == 0 ? 0.999999940395f : r.uniform(0.5f, 1.0f);  // and 1 - 2^-24
        for (std::uint64_t k : ks) {
            const double exact = std::pow(static_cast<double>(gamma), static_cast<double>(k));
            if (exact < 1e-30) continue;
            const double bound = compounded(k - 1) + 1e-15;  // the reference's own rounding
            const double e = relative_error(schedule::power(gamma, k), exact);
            CHECK_MESSAGE(e <= bound, "gamma " << gamma << " k " << k);
            worst_ratio = std::fmax(worst_ratio, e / bound);
            ++measured;
        }
    }
    MESSAGE("power(): worst error " << worst_ratio << " of the bound over " << measured << " powers");
    // The documented 1e-5 limit: (1 + u)^k - 1 for the rate base * gamma^k.
    CHECK(compounded(167) < 1e-5);
    CHECK(compounded(168) > 1e-5);
    CHECK(schedule::power(0.5f, 126) == std::ldexp(1.0f, -126));
    CHECK(schedule::power(0.5f, 127) == 0.0f);
    CHECK(schedule::power(0.9f, 0) == 1.0f);
    CHECK(schedule::power(1.0f, u64_max) == 1.0f);
    CHECK(schedule::power(0.999999940395f, u64_max) == 0.0f);
}

TEST_CASE("schedule: cos(pi x / 2) and sin(pi x / 2) polynomials over a dense sweep of [0, 1/2]") {
    // Every 101st float on the host (about 10 million points each), fewer on emulators.
    const std::int64_t step = 101 * sweep_stride;
    const double cos_ulp = max_ulp(schedule::cos_half_pi, cos_half_pi_reference, 0.0f, 0.5f, step);
    const double sin_ulp = max_ulp(schedule::sin_half_pi, sin_half_pi_reference, 0x1p-100f, 0.5f, step);
    MESSAGE("cos_half_pi: max " << cos_ulp << " ulp; sin_half_pi: max " << sin_ulp << " ulp (one float in "
                                << step << ")");
    CHECK(cos_ulp <= cos_half_pi_max_ulp);
    CHECK(sin_ulp <= sin_half_pi_max_ulp);
    CHECK(schedule::cos_half_pi(0.0f) == 1.0f);
    CHECK(schedule::sin_half_pi(0.0f) == 0.0f);
}

TEST_CASE("schedule: inverse time within 4u, cosine factor within its bound, of double") {
    test::rng r(7);
    const learning_rate_schedule inverse[] = {schedule::inverse_time(0.1f, 0.01f), schedule::inverse_time(2.5f, 1e-6f),
                                              schedule::inverse_time(1e-3f, 3.0f)};
    double worst = 0;
    for (const learning_rate_schedule& s : inverse) {
        for (std::uint64_t step = 0; step < 2000; ++step) {
            const std::uint64_t at = step < 1000 ? step : r.next() >> (step % 64);
            const double exact = static_cast<double>(s.base) /
                                 (1.0 + static_cast<double>(s.decay) * static_cast<double>(at));
            if (exact < 1e-30) continue;
            const double e = relative_error(learning_rate(s, at), exact);
            CHECK_MESSAGE(e <= compounded(4) * 1.0001, "step " << at);
            worst = std::fmax(worst, e);
        }
    }
    MESSAGE("inverse_time: worst relative error " << worst / unit_roundoff << " u");

    // Every offset of short periods, samples of long ones (beyond 2^24 the integers round).
    const std::uint64_t lengths[] = {1, 2, 3, 7, 10, 100, 1000, 12345, 1u << 20, (1u << 24) + 7,
                                     std::uint64_t{1} << 40, u64_max / 3};
    for (std::uint64_t length : lengths) {
        double worst_factor = 0;
        const std::uint64_t stride = length <= 20000 ? 1 : length / (20000 / static_cast<std::uint64_t>(sweep_stride)) + 1;
        for (std::uint64_t t : strided_steps(length, stride)) {
            for (std::uint64_t offset : {t, length - 1 - t}) {  // both ends of the period
                const double exact = cosine_factor_reference(offset, length);
                if (exact < 1e-30) continue;
                const float mine = schedule::cosine_factor(static_cast<float>(offset),
                                                           static_cast<float>(length - offset),
                                                           static_cast<float>(length));
                worst_factor = std::fmax(worst_factor, relative_error(mine, exact));
            }
        }
        CAPTURE(length);
        CHECK(worst_factor <= cosine_factor_bound(length));
        MESSAGE("cosine factor, period " << length << ": worst relative error " << worst_factor / unit_roundoff
                                         << " u (bound " << cosine_factor_bound(length) / unit_roundoff << " u)");
    }
}

TEST_CASE("schedule: step decay, exponential and inverse time never increase") {
    const learning_rate_schedule decreasing[] = {
        schedule::step_decay(0.1f, 0.9f, 5), schedule::exponential(0.1f, 0.97f), schedule::exponential(0.5f, 0.5f),
        schedule::inverse_time(0.1f, 0.05f), schedule::inverse_time(1.0f, 1e-7f)};
    for (const learning_rate_schedule& s : decreasing) {
        float last = learning_rate(s, 0);
        for (std::uint64_t step = 1; step < 5000; ++step) {
            const float now = learning_rate(s, step);
            REQUIRE(now <= last);
            REQUIRE(now >= 0.0f);
            last = now;
        }
    }
}

TEST_CASE("schedule: cosine restarts, period boundaries with T_mult 1 and 2") {
    // T_0 = 5, T_mult = 1: restarts at 0, 5, 10, ...; T_mult = 2: at 0, 5, 15, 35, 75, ...
    const float base = 0.1f, eta_min = 0.001f;
    for (std::uint32_t multiplier : {1u, 2u, 3u}) {
        const learning_rate_schedule s = schedule::cosine_restarts(base, 5, multiplier, eta_min);
        std::uint64_t start = 0, length = 5;
        for (int period = 0; period < 8; ++period) {
            CAPTURE(multiplier);
            CAPTURE(period);
            CHECK(learning_rate(s, start) == base);
            if (start > 0) CHECK(learning_rate(s, start - 1) < learning_rate(s, start));
            float last = base;
            for (std::uint64_t t = 1; t < length; ++t) {  // within a period: down, above eta_min
                const float now = learning_rate(s, start + t);
                REQUIRE(now <= last);
                REQUIRE(now > eta_min);
                const double exact = eta_min + (static_cast<double>(base) - eta_min) * cosine_factor_reference(t, length);
                REQUIRE(relative_error(now, exact) <= cosine_factor_bound(length) + 3 * unit_roundoff);
                last = now;
            }
            start += length;
            length *= multiplier;
        }
    }
    // The last step of a period of T: eta_min + (base - eta_min) sin^2(pi / 2T), no cancellation.
    const learning_rate_schedule zero_floor = schedule::cosine_restarts(1.0f, 1000000);
    const double end = std::pow(std::sin(pi / 2e6), 2);
    CHECK(relative_error(learning_rate(zero_floor, 999999), end) <= cosine_factor_bound(1000000) + 2 * unit_roundoff);
}

TEST_CASE("schedule: huge step counts neither overflow nor give NaN") {
    const std::uint64_t huge[] = {std::uint64_t{1} << 32, std::uint64_t{1} << 53, std::uint64_t{1} << 63,
                                  u64_max - 1, u64_max};
    const learning_rate_schedule all[] = {
        schedule::constant(0.1f), schedule::step_decay(0.1f, 0.9f, 1), schedule::step_decay(0.1f, 0.5f, 0xFFFFFFFFu),
        schedule::exponential(0.1f, 0.999999940395f), schedule::inverse_time(0.1f, 1e-3f),
        schedule::inverse_time(0.1f, std::numeric_limits<float>::max()), schedule::cosine_restarts(0.1f, 1, 2),
        schedule::cosine_restarts(0.1f, 7, 3, 0.01f), schedule::cosine_restarts(0.1f, 1, 0xFFFFFFFFu),
        schedule::cosine_restarts(0.1f, 0xFFFFFFFFu, 0xFFFFFFFFu, 0.05f), schedule::cosine_restarts(0.1f, 3)};
    for (const learning_rate_schedule& s : all) {
        for (std::uint64_t step : huge) {
            const float rate = learning_rate(s, step);
            CAPTURE(static_cast<int>(s.kind));
            CAPTURE(step);
            CHECK(std::isfinite(rate));
            CHECK(rate >= 0.0f);
            CHECK(rate <= s.base);
            CHECK((rate == 0.0f || rate >= flt_min));
            if (s.kind == schedule_kind::cosine_restarts) CHECK(rate >= s.eta_min);
        }
    }
    CHECK(learning_rate(schedule::exponential(0.1f, 0.9f), u64_max) == 0.0f);
    CHECK(learning_rate(schedule::inverse_time(0.1f, std::numeric_limits<float>::max()), u64_max) == 0.0f);
    // floor(2^36 / (2^32 - 1)) = 16 decays.
    CHECK(learning_rate(schedule::step_decay(0.1f, 0.5f, 0xFFFFFFFFu), std::uint64_t{1} << 36) ==
          0.1f * std::ldexp(1.0f, -16));
    // T_0 = 1, T_mult = 2: periods 1, 2, 4, ..., 2^63 end at step 2^64 - 2; step 2^64 - 1
    // starts a period of 2^64 steps (longer than 64 bits count): the rate is base again.
    const learning_rate_schedule doubling = schedule::cosine_restarts(0.1f, 1, 2);
    CHECK(learning_rate(doubling, u64_max) == 0.1f);
    CHECK(learning_rate(doubling, (std::uint64_t{1} << 63) - 1) == 0.1f);  // start of the period of 2^63
    CHECK(learning_rate(doubling, u64_max - 1) == 0.0f);  // its last step: 0.1 sin^2(pi / 2^64) < FLT_MIN
    // The period of 2^63 at its middle: base / 2 up to the bound.
    CHECK(relative_error(learning_rate(doubling, (std::uint64_t{1} << 63) - 1 + (std::uint64_t{1} << 62)), 0.05) <=
          cosine_factor_bound(std::uint64_t{1} << 63) + 2 * unit_roundoff);
}

TEST_CASE("schedule: the position is the network's step count, which the model file keeps") {
    using net_type = Mlp<4, Dense<6, Tanh>, Dense<3, Softmax>>;
    const learning_rate_schedule s = schedule::cosine_restarts(0.2f, 5, 2, 0.01f);
    const auto train = [&](net_type& net, int steps, std::uint64_t seed) {
        test::rng r(seed);
        for (int i = 0; i < steps; ++i) {
            float x[4];
            for (float& v : x) v = r.uniform(-1, 1);
            REQUIRE(net.train_step(x, static_cast<std::uint32_t>(r.next() % 3), learning_rate(s, net.steps())) == status::ok);
        }
    };
    auto straight = std::make_unique<net_type>(5);
    auto resumed = std::make_unique<net_type>(5);
    train(*straight, 12, 1);
    train(*straight, 12, 2);
    train(*resumed, 12, 1);
    std::vector<unsigned char> file(resumed->model_size());
    std::size_t written = 0;
    REQUIRE(resumed->save(file.data(), file.size(), &written) == status::ok);
    auto loaded = std::make_unique<net_type>(99);
    REQUIRE(loaded->load(file.data(), file.size()) == status::ok);
    CHECK(loaded->steps() == 12);
    train(*loaded, 12, 2);
    for (std::uint32_t l = 0; l < 2; ++l) {
        const layer_params a = straight->layer(l), b = loaded->layer(l);
        for (std::size_t i = 0; i < a.rows * a.stride; ++i) REQUIRE(test::same_bits(a.weights[i], b.weights[i]));
        for (std::size_t i = 0; i < a.rows; ++i) REQUIRE(test::same_bits(a.bias[i], b.bias[i]));
    }
}
