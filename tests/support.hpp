// Helpers shared by the test files (tests only: these may use the heap).
//
// - aligned_buffer: a float array on vector_alignment, followed by guard floats that the
//   kernels must never touch.
// - Bit-level float access and ulp distance against a double reference.
// - The library's deterministic generator with a range helper.
// - The error bounds the tests hold every port to.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "microprop/config.hpp"
#include "microprop/network.hpp"
#include "microprop/random.hpp"

namespace microprop::test {

// --- error bounds (see math.hpp and tests/test_math.cpp) -------------------------------
inline constexpr double exp_max_ulp = 2.0;      // on [-87.3, 88.7]
inline constexpr double sigmoid_max_ulp = 3.0;  // every finite float
inline constexpr double tanh_max_ulp = 2.0;     // every finite float (measured 1.50, see test_math)

// Unit roundoff of float, u = 2^-24, and the classical a-priori factor
// gamma_n(n) = n u / (1 - n u) bounding n successive roundings.
inline constexpr double unit_roundoff = 1.0 / 16777216.0;
inline double gamma_n(std::size_t n) {
    const double nu = static_cast<double>(n) * unit_roundoff;
    return nu / (1.0 - nu);
}

// --- float bits ----------------------------------------------------------------------
inline std::uint32_t bits_of(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}
inline float float_from_bits(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}
inline bool is_nan(float f) { return f != f; }
inline bool same_bits(float a, float b) { return bits_of(a) == bits_of(b); }

// Position of a float on the ordered line of all floats (-0 and +0 both map to 0), so that
// consecutive floats differ by 1.
inline std::int64_t float_ordinal(float f) {
    const std::uint32_t u = bits_of(f);
    const std::int64_t mag = static_cast<std::int64_t>(u & 0x7fffffffu);
    return (u & 0x80000000u) != 0 ? -mag : mag;
}
inline float float_at_ordinal(std::int64_t k) {
    const std::uint32_t mag = static_cast<std::uint32_t>(k < 0 ? -k : k);
    return float_from_bits(k < 0 ? (mag | 0x80000000u) : mag);
}

// The float ulp at the correctly rounded value of `ref`: 2^(e - 23) for a normal result
// in [2^e, 2^(e+1)), and 2^-149 for a subnormal (or zero) result.
inline double float_ulp_at(double ref) {
    const float cr = static_cast<float>(ref);
    const double a = std::fabs(static_cast<double>(cr));
    if (!(a >= static_cast<double>(std::numeric_limits<float>::min()))) return std::ldexp(1.0, -149);
    if (std::isinf(a)) return std::ldexp(1.0, 104);  // ulp of FLT_MAX
    return std::ldexp(1.0, std::ilogb(a) - 23);
}

// 1 / float_ulp_at(ref), built from the exponent bits (fast enough for dense sweeps).
inline double inverse_float_ulp_at(double ref) {
    const std::uint32_t e = (bits_of(static_cast<float>(ref)) >> 23) & 0xffu;  // biased
    // ulp = 2^(e - 150) for a normal result (e >= 1), 2^-149 for subnormals and zero;
    // e = 255 (overflow to infinity) is given the ulp of FLT_MAX.
    const std::int64_t exponent = e == 0 ? 149 : 150 - static_cast<std::int64_t>(e == 255 ? 254 : e);
    const std::uint64_t bits = static_cast<std::uint64_t>(1023 + exponent) << 52;
    double inv;
    std::memcpy(&inv, &bits, sizeof inv);
    return inv;
}

// |y - ref| in float ulps of the correctly rounded result; +inf if y is NaN or infinite.
inline double ulp_error(float y, double ref) {
    if (!std::isfinite(y)) return std::numeric_limits<double>::infinity();
    return std::fabs(static_cast<double>(y) - ref) / float_ulp_at(ref);
}

// --- aligned buffer with guards --------------------------------------------------------
// `size` floats starting on vector_alignment, then `guard_floats` guard floats holding
// guard_bits. Untouched guards are checked with guards_intact().
class aligned_buffer {
public:
    static constexpr std::size_t guard_floats = 2 * row_floats + 16;
    static constexpr std::uint32_t guard_bits = 0x7fc0dead;  // a quiet NaN with a payload

    explicit aligned_buffer(std::size_t size = 0) : size_(size) {
        const std::size_t total = size + guard_floats;
        data_ = static_cast<float*>(
            ::operator new(total * sizeof(float), std::align_val_t{vector_alignment}));
        for (std::size_t i = 0; i < size; ++i) data_[i] = 0.0f;
        fill_guards(float_from_bits(guard_bits));
    }
    aligned_buffer(const aligned_buffer& other) : aligned_buffer(other.size_) {
        std::memcpy(data_, other.data_, (size_ + guard_floats) * sizeof(float));
        guard_ = other.guard_;
    }
    aligned_buffer& operator=(const aligned_buffer&) = delete;
    ~aligned_buffer() { ::operator delete(data_, std::align_val_t{vector_alignment}); }

    float* data() { return data_; }
    const float* data() const { return data_; }
    std::size_t size() const { return size_; }
    float& operator[](std::size_t i) { return data_[i]; }
    float operator[](std::size_t i) const { return data_[i]; }

    // Replaces the guard value (e.g. with a NaN or a huge number to detect reads past the
    // end); guards_intact() then checks for that value.
    void fill_guards(float value) {
        guard_ = value;
        for (std::size_t i = 0; i < guard_floats; ++i) data_[size_ + i] = value;
    }
    bool guards_intact() const {
        for (std::size_t i = 0; i < guard_floats; ++i)
            if (!same_bits(data_[size_ + i], guard_)) return false;
        return true;
    }
    bool bitwise_equal(const aligned_buffer& other) const {
        return size_ == other.size_ && std::memcmp(data_, other.data_, size_ * sizeof(float)) == 0;
    }

private:
    float* data_;
    std::size_t size_;
    float guard_ = 0.0f;
};

// --- deterministic random numbers --------------------------------------------------------
// The library's own generator (same numbers on every platform), with a range helper.
class rng {
public:
    explicit rng(std::uint64_t seed) : g_(seed) {}
    std::uint64_t next() { return g_.next(); }
    // Uniform in [lo, hi), from 24 random bits.
    float uniform(float lo, float hi) {
        const double t = static_cast<double>(g_.uniform());
        return static_cast<float>(lo + (hi - lo) * t);
    }

private:
    splitmix64 g_;
};

// --- parameters, through the public copy in/out (set_layer keeps the bounds exact) ------
// Weight (r, c) and bias r of layer l. Like every set_layer(), this drops the pending
// forward pass and clears mini-batch sums.
template <class Net>
void set_weight(Net& net, std::uint32_t l, std::size_t r, std::size_t c, float value) {
    const layer_params p = net.layer(l);
    std::vector<float> w(p.rows * p.cols), b(p.rows);
    net.get_layer(l, w.data(), b.data());
    w[r * p.cols + c] = value;
    net.set_layer(l, w.data(), b.data());
}
template <class Net>
void set_bias(Net& net, std::uint32_t l, std::size_t r, float value) {
    const layer_params p = net.layer(l);
    std::vector<float> w(p.rows * p.cols), b(p.rows);
    net.get_layer(l, w.data(), b.data());
    b[r] = value;
    net.set_layer(l, w.data(), b.data());
}
// Layers first.. of `from` into layers 0.. of `to` (whose layers have their shapes):
// every parameter of a network of the same shape with first = 0.
template <class From, class To>
void copy_parameters(const From& from, To& to, std::uint32_t first = 0) {
    for (std::uint32_t l = first; l < from.layer_count(); ++l) {
        const layer_params p = from.layer(l);
        std::vector<float> w(p.rows * p.cols), b(p.rows);
        from.get_layer(l, w.data(), b.data());
        to.set_layer(l - first, w.data(), b.data());
    }
}

// Every weight (padding included) and bias of a network and its step counter, as floats
// whose bits the tests compare.
template <class Net>
std::vector<float> parameters_of(const Net& net) {
    std::vector<float> p{static_cast<float>(net.steps())};
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        const layer_params lp = net.layer(l);
        p.insert(p.end(), lp.weights, lp.weights + lp.rows * lp.stride);
        p.insert(p.end(), lp.bias, lp.bias + lp.rows);
    }
    return p;
}

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

inline network_shape make_shape(std::uint32_t inputs, const std::vector<layer_spec>& layers,
                                training mode = training::online) {
    network_shape s{};
    s.inputs = inputs;
    for (const layer_spec& l : layers) s.layers[s.layer_count++] = l;
    s.mode = mode;
    return s;
}

// A run-time-shaped network in a buffer of its own; `created` is create()'s status.
struct owned_network {
    aligned_buffer buffer;
    Network net;
    status created;
    owned_network(const network_shape& shape, std::uint64_t seed)
        : buffer(footprint_of(shape).total / sizeof(float) + 1),
          created(Network::create(shape, buffer.data(), buffer.size() * sizeof(float), &net, nullptr, seed)) {}
};

}  // namespace microprop::test
