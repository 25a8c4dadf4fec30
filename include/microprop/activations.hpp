// The activations, each described once. Everything that depends on which activation a
// layer has (its forward and BP2 kernels, the overflow proof's bounds, the loss it implies
// as an output, the initialisation, its name and its code in model files and the C API)
// reads this table. Adding an activation is: its value in `activation`, its entry in
// `activation_table`, and its two kernels in `kernel_table` (every port).
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/kernels.hpp"

namespace microprop {

// The values are the codes of model files (docs/model-format.md) and of the C API's
// mp_activation: never renumber, only append.
enum class activation : std::uint8_t { identity, sigmoid, tanh, relu, softmax };
inline constexpr std::uint32_t activation_count = 5;

// The loss is implied by the output activation, as in the derivation (BP1):
//   softmax -> cross-entropy, sigmoid -> binary cross-entropy (multi-label), summed over
//   the outputs; identity, tanh, relu -> squared error, 1/2 ||yhat - y||^2 summed over the
//   outputs (a sum, not a mean: its gradient is yhat - y).
enum class loss_kind : std::uint8_t { cross_entropy, binary_cross_entropy, squared_error };

// An element-wise kernel of kernel_table: (n, in, out).
using elementwise_kernel = void (*kernel_table::*)(std::size_t, const float*, float*);

struct activation_traits {
    const char* name;  // "sigmoid": the CLI's spelling and the one in messages
    // a = f(z), exactly n elements; null for the identity (a = z).
    elementwise_kernel forward;
    // BP2's factor d (.) f'(z), written from a = f(z); null where f' is never applied
    // (the identity, f' = 1, and softmax, which only ends a network with its BP1).
    elementwise_kernel backward;
    // The largest f'(z): the overflow proof bounds delta_{l-1} through it.
    float max_derivative;
    // |f(z)| <= 1 for every finite z: the proof's bound on max|a| is 1, with no pass over a.
    bool bounded_by_one;
    // f(z) must not be written over z (softmax reads all of z for each output).
    bool needs_separate_output;
    // Only as the last layer, with at least two outputs (softmax: an output/loss pair).
    bool output_only;
    // The loss it implies as the output activation, and whether that loss's gradient with
    // respect to z is yhat - y (BP1 without the f' factor: softmax + cross-entropy, sigmoid
    // + binary cross-entropy, identity + squared error).
    loss_kind loss;
    bool entry_delta_is_difference;
    // He uniform initialisation (ReLU zeroes half of its inputs) instead of Glorot.
    bool he_initialization;
};

inline constexpr activation_traits activation_table[activation_count] = {
    // name       forward                 backward                         f'max  |a|<=1  separate output_only loss                          yhat-y He
    {"identity", nullptr,                nullptr,                         1.0f,  false,  false,   false,      loss_kind::squared_error,        true,  false},
    {"sigmoid",  &kernel_table::sigmoid, &kernel_table::sigmoid_backward, 0.25f, true,   false,   false,      loss_kind::binary_cross_entropy, true,  false},
    {"tanh",     &kernel_table::tanh,    &kernel_table::tanh_backward,    1.0f,  true,   false,   false,      loss_kind::squared_error,        false, false},
    {"relu",     &kernel_table::relu,    &kernel_table::relu_backward,    1.0f,  false,  false,   false,      loss_kind::squared_error,        false, true},
    {"softmax",  &kernel_table::softmax, nullptr,                         1.0f,  true,   true,    true,       loss_kind::cross_entropy,        true,  false},
};

// False for a value outside the enumeration (a damaged file, a C caller's integer).
constexpr bool is_activation(std::uint32_t code) { return code < activation_count; }

constexpr const activation_traits& traits_of(activation a) { return activation_table[static_cast<std::uint8_t>(a)]; }

constexpr loss_kind loss_for(activation output) { return traits_of(output).loss; }

}  // namespace microprop
