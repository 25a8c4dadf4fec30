// Where each part of a network lives in its storage: the one description of the layout
// that lib/network.cpp (the engine) and lib/model_file.cpp (save/load) share. Private to
// the library; the sizes themselves are planned in network.hpp (detail::plan).
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/config.hpp"
#include "microprop/network.hpp"

namespace microprop::detail {

struct layer_view {
    std::size_t rows, cols, stride;
    activation act;
    float* W;
    float* b;
    float* a;
    float* G;   // mini-batch gradient sums, null for online networks
    float* gb;
};

// The storage walk: a_0, the next input (pipelined step), the two deltas, then per
// layer W, b, a (G, gb).
inline float* input_copy(const network_ref& n) { return n.data; }
inline float* next_input(const network_ref& n) { return n.data + padded(n.inputs); }

inline float* delta_buffer(const network_ref& n, int which) {
    return n.data + 2 * padded(n.inputs) + static_cast<std::size_t>(which) * n.widest;
}

inline layer_view view(const network_ref& n, std::uint32_t layer) {
    float* p = n.data + 2 * padded(n.inputs) + 2 * n.widest;
    std::size_t cols = n.inputs;
    for (std::uint32_t l = 0;; ++l) {
        layer_view v{};
        v.rows = n.layers[l].outputs;
        v.cols = cols;
        v.stride = padded(cols);
        v.act = n.layers[l].act;
        const std::size_t w = v.rows * v.stride;
        const std::size_t o = padded(v.rows);
        v.W = p;
        v.b = p + w;
        v.a = p + w + o;
        p += w + 2 * o;
        if (n.mode == training::minibatch) {
            v.G = p;
            v.gb = p + w;
            p += w + o;
        }
        if (l == layer) return v;
        cols = v.rows;
    }
}

// Bounds kept per layer: max|W| and max|b|, then (mini-batch) max|G| and max|gb|.
inline float& weight_bound(const network_ref& n, std::uint32_t l) { return n.bounds[l * bounds_per_layer(n.mode)]; }
inline float& bias_bound(const network_ref& n, std::uint32_t l) { return n.bounds[l * bounds_per_layer(n.mode) + 1]; }
inline float& grad_bound(const network_ref& n, std::uint32_t l) { return n.bounds[l * bounds_per_layer(n.mode) + 2]; }
inline float& grad_bias_bound(const network_ref& n, std::uint32_t l) { return n.bounds[l * bounds_per_layer(n.mode) + 3]; }

}  // namespace microprop::detail
