// Where each part of a network lives in its storage: the one description of the layout
// that lib/network.cpp (the engine) and lib/model_file.cpp (save/load) share. Private to
// the library; the sizes themselves are planned in network.hpp (detail::plan).
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/config.hpp"
#include "microprop/kernels.hpp"
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

// The storage walk: two input slots (a_0 and the next input, state->input_slot says
// which is a_0), the two deltas, the published output, then per layer W, b, a (G, gb).
inline float* input_slot(const network_ref& n, unsigned slot) { return n.data + slot * padded(n.inputs); }
inline float* input_copy(const network_ref& n) { return input_slot(n, n.state->input_slot); }
inline float* next_input(const network_ref& n) { return input_slot(n, 1u - n.state->input_slot); }

inline float* delta_buffer(const network_ref& n, int which) {
    return n.data + 2 * padded(n.inputs) + static_cast<std::size_t>(which) * n.widest;
}

// What output() shows: a copy of a_L made when a call succeeds, so that a refused call
// (which may have overwritten a_L before it found the step unsafe) leaves it as it was.
inline float* published_output(const network_ref& n) { return n.data + 2 * padded(n.inputs) + 2 * n.widest; }

// The floats in front of the first layer: input slots, deltas, published output.
inline std::size_t front_floats(const network_ref& n) {
    return 2 * padded(n.inputs) + 2 * n.widest + padded(n.layers[n.layer_count - 1].outputs);
}

inline layer_view view(const network_ref& n, std::uint32_t layer) {
    float* p = n.data + front_floats(n);
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

// The shape a reference describes.
inline network_shape shape_of(const network_ref& n) {
    network_shape s{};
    s.inputs = n.inputs;
    s.layer_count = n.layer_count;
    s.mode = n.mode;
    for (std::uint32_t l = 0; l < n.layer_count; ++l) s.layers[l] = n.layers[l];
    return s;
}

// After parameters were written from outside a step (set_layer, a model file): the
// layer's overflow bounds measured exactly; then, once for the network, the mini-batch
// sums cleared (they were gradients of other parameters) and the pending forward pass
// dropped.
void measure_bounds(const network_ref& n, const kernel_table& k, std::uint32_t l);
void parameters_changed(const network_ref& n);

}  // namespace microprop::detail
