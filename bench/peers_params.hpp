// The common currency of the peer benchmark: a network's weights and biases, row-major
// and unpadded, one vector per layer. Every peer is set up from one of these and read
// back into one, so the equality check compares like with like whatever each peer's
// own layout (microprop pads rows, FANN numbers connections globally).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "microprop/microprop.hpp"

namespace microprop_bench_peers {

struct params {
    std::vector<std::size_t> sizes;  // inputs, then the outputs of each layer
    std::vector<std::vector<float>> W, b;  // W[l]: sizes[l + 1] x sizes[l]; b[l]: sizes[l + 1]

    std::size_t layers() const { return sizes.size() - 1; }
    // Weights only, biases not counted: the unit of the ns_per_weight counter.
    std::size_t weights() const {
        std::size_t n = 0;
        for (std::size_t l = 0; l < layers(); ++l) n += sizes[l] * sizes[l + 1];
        return n;
    }
    // The same shape, zero-filled: what a peer's parameters are read back into.
    params blank() const {
        params p{sizes, {}, {}};
        for (std::size_t l = 0; l < layers(); ++l) {
            p.W.emplace_back(sizes[l] * sizes[l + 1], 0.0f);
            p.b.emplace_back(sizes[l + 1], 0.0f);
        }
        return p;
    }
    // Per-layer pointers, for the peers' C-style interfaces.
    std::vector<const float*> W_ptrs() const { return ptrs<const float>(W); }
    std::vector<const float*> b_ptrs() const { return ptrs<const float>(b); }
    std::vector<float*> W_ptrs() { return ptrs<float>(W); }
    std::vector<float*> b_ptrs() { return ptrs<float>(b); }
    // "784-128-10": the last part of every benchmark name.
    std::string name() const {
        std::string s;
        for (std::size_t n : sizes) s += (s.empty() ? "" : "-") + std::to_string(n);
        return s;
    }

private:
    template <class T, class V>
    static std::vector<T*> ptrs(V& v) {
        std::vector<T*> p;
        for (auto& e : v) p.push_back(e.data());
        return p;
    }
};

// A microprop network's parameters, through get_layer() (which drops the row padding).
template <class Net>
params params_of(const Net& net) {
    params p;
    p.sizes.push_back(net.input_size());
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) p.sizes.push_back(net.layer(l).rows);
    p = p.blank();
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        if (net.get_layer(l, p.W[l].data(), p.b[l].data()) != microprop::status::ok) {
            std::fprintf(stderr, "bench_peers: microprop refused to copy out layer %u\n",
                         static_cast<unsigned>(l));
            std::abort();
        }
    }
    return p;
}

}  // namespace microprop_bench_peers
