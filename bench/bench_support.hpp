// Shared helpers of the benchmark binaries: aligned zero-filled buffers, deterministic
// random fill, the counters every benchmark reports, and the build in the JSON context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <random>

#include <benchmark/benchmark.h>

#include "microprop/config.hpp"

namespace microprop_bench {

// `n` floats aligned to vector_alignment, zero-filled, rounded up to whole vectors so
// that kernels may read up to the padded length.
class aligned_floats {
public:
    explicit aligned_floats(std::size_t n)
        : size_(microprop::padded(n == 0 ? 1 : n)),
          data_(static_cast<float*>(::operator new(size_ * sizeof(float),
                                                   std::align_val_t{microprop::vector_alignment}))) {
        for (std::size_t i = 0; i < size_; ++i) data_[i] = 0.0f;
    }
    ~aligned_floats() { ::operator delete(data_, std::align_val_t{microprop::vector_alignment}); }
    aligned_floats(const aligned_floats&) = delete;
    aligned_floats& operator=(const aligned_floats&) = delete;

    float* data() { return data_; }
    const float* data() const { return data_; }
    std::size_t size() const { return size_; }
    float& operator[](std::size_t i) { return data_[i]; }

private:
    std::size_t size_;
    float* data_;
};

// The first `n` floats of `p` drawn from U(lo, hi); the rest is left as it is (zero).
inline void fill_uniform(float* p, std::size_t n, float lo, float hi, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(lo, hi);
    for (std::size_t i = 0; i < n; ++i) p[i] = dist(rng);
}

// Counters whose value, in the JSON/CSV output, is in the unit their name says. The
// console reporter appends "/s" to rates and "s" to inverted rates: read
// "GFLOP/s=12.3/s" as 12.3 GFLOP/s and "ns_per_weight=0.25s" as 0.25 ns per weight.
inline benchmark::Counter gflops(double flops_per_iteration) {
    return benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
inline benchmark::Counter ns_per(double units_per_iteration) {
    return benchmark::Counter(units_per_iteration * 1e-9,
                              benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The compiler and flags that built the benchmark (MICROPROP_BENCH_COMPILER and
// MICROPROP_BENCH_FLAGS, set by microprop_bench_build_context in bench/CMakeLists.txt) as
// the context keys compiler and compiler_flags; nothing in a binary built without them.
inline void add_compiler_context() {
#if defined(MICROPROP_BENCH_COMPILER) && defined(MICROPROP_BENCH_FLAGS)
    benchmark::AddCustomContext("compiler", MICROPROP_BENCH_COMPILER);
    benchmark::AddCustomContext("compiler_flags", MICROPROP_BENCH_FLAGS);
#endif
}

}  // namespace microprop_bench
