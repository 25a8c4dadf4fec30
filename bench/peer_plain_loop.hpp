// The "compiler" peer of bench_peers.cpp: plain-loop training steps, prediction and
// mini-batch, and the streaming ceiling, defined in peer_plain_loop.cpp (the one file
// built with -O3 -march=native).
#pragma once

#include <cstddef>
#include <cstdint>

namespace microprop_bench_peers {

// One fully connected layer, row-major and unpadded: W is out x in. Scratch: a (out), d
// (out); gradient sums gW (out x in) and gb (out), used by plain_minibatch only.
struct plain_layer {
    std::size_t in, out;
    float *W, *b, *a, *d, *gW, *gb;
};

// Sigmoid hidden layers, softmax + cross-entropy output.
inline constexpr std::size_t plain_max_layers = 4;
struct plain_net {
    std::size_t layer_count;
    plain_layer layers[plain_max_layers];
};

// Forward pass only: the output probabilities are left in the last layer's `a`.
void plain_predict(plain_net& n, const float* x);
// One online SGD step on one labelled sample.
void plain_train_step(plain_net& n, const float* x, std::uint32_t label, float eta);
// One SGD step with the mean gradient of `count` samples (x: count rows of n.layers[0].in
// floats): the textbook loop, per-sample backpropagation into gradient sums, then one
// update.
void plain_minibatch(plain_net& n, const float* x, const std::uint32_t* labels, std::size_t count,
                     float eta);

std::uint32_t stream_read(const float* w, std::size_t count);
void stream_read_write(float* w, std::size_t count);

}  // namespace microprop_bench_peers
