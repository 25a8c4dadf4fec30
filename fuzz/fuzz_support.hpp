// Shared by the model and checkpoint harnesses and the seed generator: the small
// fixed-shape networks the harnesses load into, and helpers over any network.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.hpp"
#include "microprop/microprop.hpp"

namespace microprop::fuzz {

// The fixed shapes. The seed generator writes model files and checkpoints of each, so the
// fuzzer starts from inputs that load. Shape 3 (17 inputs) crosses the host's 16-float row padding.
using NetA = Mlp<2, Dense<3, Sigmoid>, Dense<2, Softmax>>;
using NetB = Mlp<3, Dense<1, Identity>>;
using NetC = MiniBatchMlp<4, Dense<5, Relu>, Dense<3, Tanh>, Dense<1, Sigmoid>>;
using NetD = Mlp<17, Dense<3, Tanh>, Dense<2, Softmax>>;
inline constexpr int shape_count = 4;

// Runs f(net) on a freshly initialized network of fixed shape `which` (0 to 3). The
// networks are static (no stack of a few KB per call) and re-initialized every time, so
// every run starts from the same state.
template <class F>
void with_fixed_network(int which, std::uint64_t seed, F&& f) {
    static NetA a;
    static NetB b;
    static NetC c;
    static NetD d;
    switch (which & 3) {
        case 0: a.initialize(seed); f(a); break;
        case 1: b.initialize(seed); f(b); break;
        case 2: c.initialize(seed); f(c); break;
        default: d.initialize(seed); f(d); break;
    }
}

// The model file a network saves (its whole state as far as files go).
template <class Net>
std::vector<unsigned char> model_bytes(Net& net) {
    std::vector<unsigned char> out(net.model_size());
    std::size_t written = 0;
    MICROPROP_FUZZ_CHECK(net.save(out.data(), out.size(), &written) == status::ok);
    MICROPROP_FUZZ_CHECK(written == out.size());
    return out;
}

// Every weight and bias of the network is finite: the library's promise whatever it is fed.
template <class Net>
bool all_finite(Net& net) {
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        const layer_params p = net.layer(l);
        for (std::size_t r = 0; r < p.rows; ++r) {
            for (std::size_t c = 0; c < p.cols; ++c)
                if (!std::isfinite(p.weights[r * p.stride + c])) return false;
            if (!std::isfinite(p.bias[r])) return false;
        }
    }
    return true;
}

}  // namespace microprop::fuzz
