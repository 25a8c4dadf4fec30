// A synthetic vibration sensor shared by the demo and the firmware: each sample is a window
// of 16 readings, and the machine's state (idle, running, unbalanced, bearing fault) is the
// class. Deterministic for a seed, on every platform.
#pragma once

#include <cmath>
#include <cstdint>

#include "microprop/random.hpp"

namespace sensor {

inline constexpr std::uint32_t window = 16, states = 4;
inline const char* const state_names[states] = {"idle", "running", "unbalanced", "bearing fault"};

class stream {
public:
    explicit stream(std::uint64_t seed) : rng_(seed) {}

    // Writes one window to x and returns the machine's state.
    std::uint32_t next(float* x) {
        const std::uint32_t state = static_cast<std::uint32_t>(rng_.next() % states);
        read(state, x);
        return state;
    }

    // A window for a given state.
    void read(std::uint32_t state, float* x) {
        const float phase = 6.2831853f * rng_.uniform();
        for (std::uint32_t t = 0; t < window; ++t) {
            const float time = static_cast<float>(t) + phase;
            const float base = 0.8f * std::sin(0.8f * time);
            float v = 0.0f;
            if (state == 1) v = base;
            if (state == 2) v = base + 0.5f * std::sin(0.4f * time);
            if (state == 3) v = base + 0.4f * std::sin(2.6f * time);
            x[t] = v + 0.35f * (rng_.uniform() + rng_.uniform() + rng_.uniform() - 1.5f);
        }
    }

private:
    microprop::splitmix64 rng_;
};

inline std::uint32_t argmax(const float* y, std::uint32_t n) {
    std::uint32_t best = 0;
    for (std::uint32_t i = 1; i < n; ++i) best = y[i] > y[best] ? i : best;
    return best;
}

}  // namespace sensor
