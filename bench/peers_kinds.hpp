// The three measurements, in the order of the benchmark names and of the summary tables.
// A benchmark's name is <kind>/<peer>/<shape>, so that a script can compute ratios per
// (kind, shape): tools/plot_benchmarks.py (docs/benchmarks.md) and tools/headline.py (the
// README) depend on these names.
#pragma once

#include <cstddef>

namespace microprop_bench_peers {

enum class kind { train_step, predict, minibatch };
inline constexpr std::size_t kind_count = 3;

struct kind_info {
    kind what;
    const char* name;  // the first part of the benchmark name
    const char* unit;  // of the summary table
};

inline constexpr kind_info kinds[kind_count] = {
    {kind::train_step, "train_step", "ns per step"},
    {kind::predict, "predict", "ns per prediction"},
    {kind::minibatch, "minibatch32", "ns per 32-sample batch"},
};

}  // namespace microprop_bench_peers
