// The timed loop, one for the three kinds (a template on the peer adapter,
// peer_adapters.hpp, and on what one iteration does), and the streaming ceiling. The
// adapter is built before the loop, so set-up is never timed; single-threaded throughout.
#pragma once

#include <cstddef>
#include <cstdint>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "microprop/microprop.hpp"
#include "peer_plain_loop.hpp"
#include "peers_workload.hpp"

namespace microprop_bench_peers {

// What Google Benchmark runs for one <kind>/<peer>/<shape>.
using benchmark_body = void (*)(benchmark::State&, const shape_data&);

// Items are samples; ns_per_weight is the time per weight (biases not counted), and for
// minibatch32 per weight and sample.
inline void count_per_weight(benchmark::State& state, const params& p, std::size_t samples_per_iteration) {
    const auto samples = static_cast<double>(samples_per_iteration);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(samples_per_iteration));
    state.counters["ns_per_weight"] = microprop_bench::ns_per(static_cast<double>(p.weights()) * samples);
}

// A refused step ends the benchmark with microprop's reason (no other peer refuses).
inline bool refused(benchmark::State& state, microprop::status s) {
    if (s == microprop::status::ok) return false;
    state.SkipWithError(microprop::status_message(s));
    return true;
}

// One timed loop for every kind: `step(peer, i)` runs one iteration on sample or batch i,
// and i walks the cycle 0 .. Cycle - 1 (Cycle a power of two: the wrap is a mask).
template <class Peer, std::size_t Cycle, class Step>
void time_cycle(benchmark::State& state, const shape_data& data, std::size_t samples_per_step, Step step) {
    static_assert((Cycle & (Cycle - 1)) == 0, "the cycle wraps with a mask");
    Peer peer(data);
    std::size_t i = 0;
    for (auto _ : state) {
        if (refused(state, step(peer, i))) break;
        benchmark::ClobberMemory();
        i = (i + 1) & (Cycle - 1);
    }
    count_per_weight(state, data.initial, samples_per_step);
}

template <class Peer>
void time_train_steps(benchmark::State& state, const shape_data& data) {
    time_cycle<Peer, sample_count>(state, data, 1, [](Peer& peer, std::size_t s) { return peer.train_step(s); });
}

template <class Peer>
void time_predictions(benchmark::State& state, const shape_data& data) {
    time_cycle<Peer, sample_count>(state, data, 1, [](Peer& peer, std::size_t s) {
        const microprop::status result = peer.predict(s);
        benchmark::DoNotOptimize(peer.output());
        return result;
    });
}

template <class Peer>
void time_minibatches(benchmark::State& state, const shape_data& data) {
    time_cycle<Peer, batches>(state, data, batch, [](Peer& peer, std::size_t k) { return peer.minibatch(k); });
}

// The ceiling, not a peer: streaming passes over as many floats as the network has
// weights, what the memory hierarchy allows in this run. train_step makes one read-only
// pass and one read-write pass (a forward pass plus a fused backward + update), predict one
// read-only pass. None for minibatch32: 32 samples per pass over the weights make it
// compute-bound, so a bandwidth ceiling says nothing there.
enum class stream_passes { read, read_and_write };

template <stream_passes Passes>
void time_stream_ceiling(benchmark::State& state, const shape_data& data) {
    const std::size_t n = data.initial.weights();
    microprop_bench::aligned_floats w(n);
    std::size_t k = 0;
    for (const auto& W : data.initial.W)
        for (float v : W) w[k++] = v;
    for (auto _ : state) {
        benchmark::DoNotOptimize(stream_read(w.data(), n));
        if constexpr (Passes == stream_passes::read_and_write) stream_read_write(w.data(), n);
        benchmark::ClobberMemory();
    }
    count_per_weight(state, data.initial, 1);
}

}  // namespace microprop_bench_peers
