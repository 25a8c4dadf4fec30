// Which peer is timed how, per shape, and its registration with Google Benchmark under
// <kind>/<peer>/<shape>. The table below is the one place that says which peers run
// which kinds; registration follows its order, kind after kind.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "peer_adapters.hpp"
#include "peers_kinds.hpp"
#include "peers_shapes.hpp"
#include "peers_timing.hpp"

namespace microprop_bench_peers {

struct timed_peer {
    const char* name;
    benchmark_body body[kind_count];  // by kind; null: this peer is not timed for that kind
};

// A peer whose one adapter takes part in every kind.
template <class Adapter>
timed_peer every_kind(const char* name) {
    return {name, {time_train_steps<Adapter>, time_predictions<Adapter>, time_minibatches<Adapter>}};
}

template <class Shape>
std::vector<timed_peer> timed_peers() {
    std::vector<timed_peer> peers;
    peers.push_back({"microprop",
                     {time_train_steps<microprop_adapter<Shape>>, time_predictions<microprop_adapter<Shape>>,
                      time_minibatches<microprop_batch_adapter<Shape>>}});
    if constexpr (Shape::pipelined)
        peers.push_back(
            {"microprop_pipelined", {time_train_steps<microprop_pipelined_adapter<Shape>>, nullptr, nullptr}});
#ifdef MICROPROP_BENCH_HAVE_FANN
    // What a FANN user writes (adapter_fann.hpp): sigmoid/MSE steps, softmax predictions.
    peers.push_back({"fann",
                     {time_train_steps<fann_adapter<fann_loss::sigmoid_mse>>,
                      time_predictions<fann_adapter<fann_loss::softmax_cross_entropy>>,
                      time_minibatches<fann_batch_adapter<fann_loss::sigmoid_mse>>}});
#endif
    peers.push_back(every_kind<eigen_adapter<microprop_peer_eigen_default>>("eigen"));
    peers.push_back(every_kind<eigen_adapter<microprop_peer_eigen_native>>("eigen_native"));
    peers.push_back(every_kind<plain_loop_adapter>("plain_loop"));
#ifdef MICROPROP_BENCH_HAVE_TORCH
    peers.push_back(every_kind<torch_adapter>("torch"));
#endif
    peers.push_back({"ceiling",
                     {time_stream_ceiling<stream_passes::read_and_write>,
                      time_stream_ceiling<stream_passes::read>, nullptr}});
    return peers;
}

// The names the summary tables look up: shapes in the order registered, peers in the
// order of the table above.
struct registered_names {
    std::vector<std::string> shapes, peers;

    void add_peer(const std::string& peer) {
        for (const std::string& p : peers)
            if (p == peer) return;
        peers.push_back(peer);
    }
};

template <class Shape>
void register_shape(registered_names& names) {
    const auto data = std::make_shared<const shape_data>(initial_params<Shape>());
    const std::string shape_name = data->initial.name();
    names.shapes.push_back(shape_name);
    const std::vector<timed_peer> peers = timed_peers<Shape>();
    for (const kind_info& k : kinds) {
        for (const timed_peer& peer : peers) {
            const benchmark_body body = peer.body[static_cast<std::size_t>(k.what)];
            if (body == nullptr) continue;
            names.add_peer(peer.name);
            const std::string name = std::string(k.name) + "/" + peer.name + "/" + shape_name;
            benchmark::RegisterBenchmark(name.c_str(),
                                         [body, data](benchmark::State& state) { body(state, *data); });
        }
    }
}

}  // namespace microprop_bench_peers
