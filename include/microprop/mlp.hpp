// The compile-time form: the type reads like the network, the object is its storage.
//
//   microprop::Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> net;   // online SGD
//   microprop::MiniBatchMlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> batched;
//
// sizeof(net) == net.footprint().total: weights, biases, activations, the two delta
// vectors and a few counters, nothing else. The class only adds storage; all logic is in
// the size-independent engine (ETL's idea), compiled once.
#pragma once

#include <cstdint>

#include "microprop/network.hpp"

namespace microprop {

struct Identity { static constexpr activation value = activation::identity; };
struct Sigmoid { static constexpr activation value = activation::sigmoid; };
struct Tanh { static constexpr activation value = activation::tanh; };
struct Relu { static constexpr activation value = activation::relu; };
struct Softmax { static constexpr activation value = activation::softmax; };

// A fully connected layer of `Outputs` units followed by activation `Act`.
template <std::uint32_t Outputs, class Act = Sigmoid>
struct Dense {
    static constexpr layer_spec spec{Outputs, Act::value};
};

template <training Mode, std::uint32_t Inputs, class... Layers>
class BasicMlp : public detail::network_api<BasicMlp<Mode, Inputs, Layers...>> {
    static constexpr std::uint32_t count = sizeof...(Layers);
    static constexpr layer_spec specs[count] = {Layers::spec...};
    static constexpr memory_footprint plan = detail::plan(Inputs, specs, count, Mode, false);
    static_assert(count >= 1, "a network needs at least one Dense layer");
    static_assert(count <= max_layers, "more layers than MICROPROP_MAX_LAYERS");
    static_assert(detail::check_shape(Inputs, specs, count) == status::ok,
                  "invalid shape: sizes must be >= 1 and softmax (with >= 2 outputs) may "
                  "only be the last layer");

public:
    // Initialized with `seed` (the same seed gives the same weights on every platform).
    explicit BasicMlp(std::uint64_t seed = 1) : storage_{} { this->initialize(seed); }
    // Every parameter zero (a valid network that predicts the same output for every
    // input), no random draw: for a network whose parameters load() or set_layer() brings.
    explicit BasicMlp(no_initialization_t) : storage_{} {}

    static constexpr memory_footprint footprint() { return plan; }

private:
    friend class detail::network_api<BasicMlp>;
    detail::network_ref ref() const {
        // The engine takes one reference type for reading and writing; const members of
        // network_api only read through it.
        return detail::make_ref(specs, count, Inputs, Mode, const_cast<unsigned char*>(storage_));
    }
    alignas(vector_alignment) unsigned char storage_[plan.total];
};

template <std::uint32_t Inputs, class... Layers>
using Mlp = BasicMlp<training::online, Inputs, Layers...>;

template <std::uint32_t Inputs, class... Layers>
using MiniBatchMlp = BasicMlp<training::minibatch, Inputs, Layers...>;

}  // namespace microprop
