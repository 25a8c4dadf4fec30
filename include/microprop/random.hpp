// A small seedable generator of our own (SplitMix64), so the same seed gives the same
// initial weights on every platform and compiler; <random>'s distributions do not.
#pragma once

#include <cstdint>

namespace microprop {

class splitmix64 {
public:
    explicit constexpr splitmix64(std::uint64_t seed) : state_(seed) {}

    constexpr std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // Uniform in [0, 1) with 24 random bits: exact in float, identical everywhere.
    constexpr float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }

    // Uniform in [-limit, limit).
    constexpr float symmetric(float limit) { return (2.0f * uniform() - 1.0f) * limit; }

private:
    std::uint64_t state_;
};

}  // namespace microprop
