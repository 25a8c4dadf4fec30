// The measured shapes: inputs, sigmoid hidden layers, a softmax output with cross-entropy
// loss. A shape is a type (microprop's networks are sized at compile time), so the code
// that walks the shapes is a template visited once per shape.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "microprop/microprop.hpp"
#include "peers_params.hpp"

namespace microprop_bench_peers {

// Whether the network API offers train_then_predict(label, eta, x_next): the
// microprop_pipelined peer is built only then, so this file also compiles against a
// microprop without it.
template <class Net, class = void>
struct has_pipelined : std::false_type {};
template <class Net>
struct has_pipelined<Net, std::void_t<decltype(std::declval<Net&>().train_then_predict(
                              std::uint32_t{}, float{}, static_cast<const float*>(nullptr)))>>
    : std::true_type {};

template <std::uint32_t Inputs, class... Layers>
struct shape {
    using online = microprop::Mlp<Inputs, Layers...>;
    using batched = microprop::MiniBatchMlp<Inputs, Layers...>;
    static constexpr bool pipelined = has_pipelined<online>::value;
};

using microprop::Dense;
using microprop::Sigmoid;
using microprop::Softmax;
using shape_small = shape<64, Dense<32, Sigmoid>, Dense<10, Softmax>>;
using shape_mnist = shape<784, Dense<128, Sigmoid>, Dense<10, Softmax>>;
using shape_deep = shape<256, Dense<256, Sigmoid>, Dense<256, Sigmoid>, Dense<10, Softmax>>;

// A type passed as a value, so that a generic lambda can receive it (C++17 has no
// template lambdas): visit(type_tag<T>{}) and `typename decltype(tag)::type` inside.
template <class T>
struct type_tag {
    using type = T;
};

// Calls visit(type_tag<Shape>{}) for every measured shape, in the order of the report.
template <class Visit>
void for_each_shape(Visit&& visit) {
    visit(type_tag<shape_small>{});
    visit(type_tag<shape_mnist>{});
    visit(type_tag<shape_deep>{});
}

// The parameters every peer starts from: microprop's Xavier initialisation with seed 1.
// (On the heap: 784-128-10's network is half a megabyte.)
template <class Shape>
params initial_params() {
    const auto net = std::make_unique<typename Shape::online>(1);
    return params_of(*net);
}

}  // namespace microprop_bench_peers
