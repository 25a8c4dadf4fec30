// What every peer is fed, identically: the run's constants, 64 pre-generated samples per
// shape, and the parameters every peer starts from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>

#include "bench_support.hpp"
#include "peers_params.hpp"

namespace microprop_bench_peers {

inline constexpr std::size_t sample_count = 64;  // a power of two: the cycle is a mask
inline constexpr std::size_t batch = 32;         // the "32" of minibatch32
inline constexpr std::size_t batches = sample_count / batch;
inline constexpr float eta = 0.01f;
// Room for one output vector on the stack; every measured shape has 10 classes.
inline constexpr std::size_t max_classes = 16;

// The online benchmarks cycle through the samples, the mini-batch ones through the batches
// (samples 0-31, then 32-63).
constexpr std::size_t next_sample(std::size_t s) { return (s + 1) & (sample_count - 1); }

// Inputs ~U(0, 1) and random labels, drawn from a generator seeded with the input size,
// so every peer and every run sees the same data.
struct sample_set {
    std::size_t inputs, classes;
    microprop_bench::aligned_floats x, targets;  // targets: one-hot, for FANN's MSE
    std::uint32_t labels[sample_count];

    sample_set(std::size_t n_inputs, std::size_t n_classes)
        : inputs(n_inputs), classes(n_classes), x(sample_count * n_inputs),
          targets(sample_count * n_classes), labels{} {
        std::mt19937 rng(static_cast<std::uint32_t>(n_inputs));
        microprop_bench::fill_uniform(x.data(), sample_count * n_inputs, 0.0f, 1.0f, rng);
        std::uniform_int_distribution<std::uint32_t> label(0, static_cast<std::uint32_t>(n_classes) - 1);
        for (std::size_t s = 0; s < sample_count; ++s) {
            labels[s] = label(rng);
            targets[s * n_classes + labels[s]] = 1.0f;
        }
    }
    const float* input(std::size_t s) const { return x.data() + s * inputs; }
    const float* target(std::size_t s) const { return targets.data() + s * classes; }
    // Mini-batch k: `batch` consecutive samples.
    const float* batch_inputs(std::size_t k) const { return input(k * batch); }
    const std::uint32_t* batch_labels(std::size_t k) const { return labels + k * batch; }
};

// What one shape's benchmarks and checks share: the initial parameters (microprop's
// Xavier initialisation with seed 1) and the samples.
struct shape_data {
    params initial;
    sample_set samples;
    explicit shape_data(params p)
        : initial(std::move(p)), samples(initial.sizes.front(), initial.sizes.back()) {}
};

}  // namespace microprop_bench_peers
