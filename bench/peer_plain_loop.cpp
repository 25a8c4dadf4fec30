// The compiler as a peer, and the machine's streaming ceiling, for bench_peers.cpp.
//
// This file alone is compiled with -O3 -march=native (set_source_files_properties in
// bench/CMakeLists.txt): the plain loops are what the auto-vectorizer makes of them on this
// CPU. No -ffast-math: the dot-product reductions of the forward pass and of W^T delta stay
// in source order (GCC vectorizes a float reduction only when allowed to reassociate); the
// rank-1 updates and the ceiling's passes vectorize.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "peer_plain_loop.hpp"

namespace microprop_bench_peers {

// One online SGD step: sigmoid hidden layer, softmax + cross-entropy output.
void plain_train_step(plain_net& n, const float* x, std::uint32_t label, float eta) {
    // Forward: a1 = sigmoid(W1 x + b1), y = softmax(W2 a1 + b2).
    for (std::size_t j = 0; j < n.n1; ++j) {
        float s = n.b1[j];
        for (std::size_t i = 0; i < n.n0; ++i) s += n.W1[j * n.n0 + i] * x[i];
        n.a1[j] = 1.0f / (1.0f + std::exp(-s));
    }
    float m = -INFINITY;
    for (std::size_t j = 0; j < n.n2; ++j) {
        float s = n.b2[j];
        for (std::size_t i = 0; i < n.n1; ++i) s += n.W2[j * n.n1 + i] * n.a1[i];
        n.y[j] = s;
        m = s > m ? s : m;
    }
    float sum = 0.0f;
    for (std::size_t j = 0; j < n.n2; ++j) {
        n.y[j] = std::exp(n.y[j] - m);
        sum += n.y[j];
    }
    // BP1: delta2 = yhat - onehot(label).
    const float inv = 1.0f / sum;
    for (std::size_t j = 0; j < n.n2; ++j) n.d2[j] = n.y[j] * inv - (j == label ? 1.0f : 0.0f);
    // BP2 with the old W2: delta1 = (W2^T delta2) .* a1 .* (1 - a1).
    for (std::size_t i = 0; i < n.n1; ++i) n.d1[i] = 0.0f;
    for (std::size_t j = 0; j < n.n2; ++j)
        for (std::size_t i = 0; i < n.n1; ++i) n.d1[i] += n.W2[j * n.n1 + i] * n.d2[j];
    for (std::size_t i = 0; i < n.n1; ++i) n.d1[i] *= n.a1[i] * (1.0f - n.a1[i]);
    // BP3/BP4 and the update: W -= eta delta a^T, b -= eta delta.
    for (std::size_t j = 0; j < n.n2; ++j) {
        const float g = eta * n.d2[j];
        for (std::size_t i = 0; i < n.n1; ++i) n.W2[j * n.n1 + i] -= g * n.a1[i];
        n.b2[j] -= g;
    }
    for (std::size_t j = 0; j < n.n1; ++j) {
        const float g = eta * n.d1[j];
        for (std::size_t i = 0; i < n.n0; ++i) n.W1[j * n.n0 + i] -= g * x[i];
        n.b1[j] -= g;
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
