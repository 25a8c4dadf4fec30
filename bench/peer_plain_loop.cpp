// The compiler as a peer (online step, prediction, mini-batch of any number of sigmoid
// layers and a softmax output), and the machine's streaming ceiling, for bench_peers.cpp.
//
// This file alone is compiled with -O3 -march=native (set_source_files_properties in
// bench/peers.cmake): the plain loops are what the auto-vectorizer makes of them on this
// CPU. No -ffast-math: the dot-product reductions of the forward pass and of W^T delta stay
// in source order (GCC vectorizes a float reduction only when allowed to reassociate); the
// rank-1 updates and the ceiling's passes vectorize.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "peer_plain_loop.hpp"

namespace microprop_bench_peers {

namespace {

// a = f(W in + b): sigmoid for hidden layers, softmax for the output layer.
void forward_layer(plain_layer& l, const float* in, bool output) {
    for (std::size_t j = 0; j < l.out; ++j) {
        float s = l.b[j];
        for (std::size_t i = 0; i < l.in; ++i) s += l.W[j * l.in + i] * in[i];
        l.a[j] = output ? s : 1.0f / (1.0f + std::exp(-s));
    }
    if (!output) return;
    float m = -INFINITY;
    for (std::size_t j = 0; j < l.out; ++j) m = l.a[j] > m ? l.a[j] : m;
    float sum = 0.0f;
    for (std::size_t j = 0; j < l.out; ++j) {
        l.a[j] = std::exp(l.a[j] - m);
        sum += l.a[j];
    }
    const float inv = 1.0f / sum;
    for (std::size_t j = 0; j < l.out; ++j) l.a[j] *= inv;
}

const float* input_of(const plain_net& n, std::size_t l, const float* x) {
    return l == 0 ? x : n.layers[l - 1].a;
}

// The deltas of every layer for the sample of the last forward pass.
void deltas(plain_net& n, std::uint32_t label) {
    plain_layer& top = n.layers[n.layer_count - 1];
    // BP1: delta_L = yhat - onehot(label).
    for (std::size_t j = 0; j < top.out; ++j) top.d[j] = top.a[j] - (j == label ? 1.0f : 0.0f);
    // BP2 (weights not yet updated): delta_l = (W_{l+1}^T delta_{l+1}) .* a_l .* (1 - a_l).
    for (std::size_t l = n.layer_count - 1; l > 0; --l) {
        const plain_layer& up = n.layers[l];
        plain_layer& lo = n.layers[l - 1];
        for (std::size_t i = 0; i < lo.out; ++i) lo.d[i] = 0.0f;
        for (std::size_t j = 0; j < up.out; ++j)
            for (std::size_t i = 0; i < up.in; ++i) lo.d[i] += up.W[j * up.in + i] * up.d[j];
        for (std::size_t i = 0; i < lo.out; ++i) lo.d[i] *= lo.a[i] * (1.0f - lo.a[i]);
    }
}

}  // namespace

void plain_predict(plain_net& n, const float* x) {
    for (std::size_t l = 0; l < n.layer_count; ++l)
        forward_layer(n.layers[l], input_of(n, l, x), l + 1 == n.layer_count);
}

void plain_train_step(plain_net& n, const float* x, std::uint32_t label, float eta) {
    plain_predict(n, x);
    deltas(n, label);
    // BP3/BP4 and the update: W -= eta delta a^T, b -= eta delta.
    for (std::size_t l = 0; l < n.layer_count; ++l) {
        plain_layer& L = n.layers[l];
        const float* in = input_of(n, l, x);
        for (std::size_t j = 0; j < L.out; ++j) {
            const float g = eta * L.d[j];
            for (std::size_t i = 0; i < L.in; ++i) L.W[j * L.in + i] -= g * in[i];
            L.b[j] -= g;
        }
    }
}

void plain_minibatch(plain_net& n, const float* x, const std::uint32_t* labels, std::size_t count,
                     float eta) {
    for (std::size_t l = 0; l < n.layer_count; ++l) {
        plain_layer& L = n.layers[l];
        for (std::size_t k = 0; k < L.out * L.in; ++k) L.gW[k] = 0.0f;
        for (std::size_t j = 0; j < L.out; ++j) L.gb[j] = 0.0f;
    }
    for (std::size_t s = 0; s < count; ++s) {
        const float* xs = x + s * n.layers[0].in;
        plain_predict(n, xs);
        deltas(n, labels[s]);
        // BP3/BP4 summed over the batch.
        for (std::size_t l = 0; l < n.layer_count; ++l) {
            plain_layer& L = n.layers[l];
            const float* in = input_of(n, l, xs);
            for (std::size_t j = 0; j < L.out; ++j) {
                for (std::size_t i = 0; i < L.in; ++i) L.gW[j * L.in + i] += L.d[j] * in[i];
                L.gb[j] += L.d[j];
            }
        }
    }
    // The mean gradient step: W -= (eta / N) sum_s delta_s a_s^T.
    const float rate = eta / static_cast<float>(count);
    for (std::size_t l = 0; l < n.layer_count; ++l) {
        plain_layer& L = n.layers[l];
        for (std::size_t k = 0; k < L.out * L.in; ++k) L.W[k] -= rate * L.gW[k];
        for (std::size_t j = 0; j < L.out; ++j) L.b[j] -= rate * L.gb[j];
    }
}

// The streaming ceiling's two passes. A read-only pass (an integer sum of the bit
// patterns in four independent 32-byte accumulators, so it is bound by the loads and not by
// one dependency chain) and a read-modify-write pass (negation: exact, so the values never
// drift into denormals however often it runs). GNU vector types, lowered to what
// -march=native offers.
typedef std::uint32_t u32x8 __attribute__((vector_size(32)));

std::uint32_t stream_read(const float* w, std::size_t count) {
    u32x8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    std::size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        u32x8 t0, t1, t2, t3;
        std::memcpy(&t0, w + i, sizeof t0);
        std::memcpy(&t1, w + i + 8, sizeof t1);
        std::memcpy(&t2, w + i + 16, sizeof t2);
        std::memcpy(&t3, w + i + 24, sizeof t3);
        a0 += t0;
        a1 += t1;
        a2 += t2;
        a3 += t3;
    }
    const u32x8 a = (a0 + a1) + (a2 + a3);
    std::uint32_t s = 0;
    for (int k = 0; k < 8; ++k) s += a[k];
    for (; i < count; ++i) {
        std::uint32_t u;
        std::memcpy(&u, w + i, sizeof u);
        s += u;
    }
    return s;
}

void stream_read_write(float* w, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) w[i] = -w[i];
}

}  // namespace microprop_bench_peers
