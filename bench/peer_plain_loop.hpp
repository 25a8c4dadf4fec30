// The "compiler" peer of bench_peers.cpp: a plain-loop training step and the streaming
// ceiling, defined in peer_plain_loop.cpp (the one file built with -O3 -march=native).
#pragma once

#include <cstddef>
#include <cstdint>

namespace microprop_bench_peers {

// Row-major, unpadded: W1 is n1 x n0, W2 is n2 x n1. Scratch: z1/a1 (n1), y (n2), d1 (n1),
// d2 (n2).
struct plain_net {
    std::size_t n0, n1, n2;
    float *W1, *b1, *W2, *b2;
    float *a1, *y, *d1, *d2;
};

void plain_train_step(plain_net& n, const float* x, std::uint32_t label, float eta);
std::uint32_t stream_read(const float* w, std::size_t count);
void stream_read_write(float* w, std::size_t count);

}  // namespace microprop_bench_peers
