// Prediction from parameters in read-only memory (flash): a trained network exported as
// const arrays (`microprop export --c-header`) predicts without copying its weights to
// RAM. To keep learning on the device, load the exported model file into an arena
// instead (Network::create_from_model or load()).
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/config.hpp"
#include "microprop/status.hpp"

namespace microprop {

// Plain arrays, as the exported header defines them. Layer l's weights are `outputs[l]`
// rows of padded(n_{l-1}) floats (rows padded with zeros to `row_floats`, the array
// aligned to vector_alignment), its bias `outputs[l]` floats; activations use the codes
// of microprop::activation.
struct flash_network {
    std::uint32_t inputs;
    std::uint32_t layer_count;
    std::uint32_t row_floats;  // the padding the arrays were exported with
    const std::uint32_t* outputs;
    const std::uint8_t* activations;
    const float* const* weights;
    const float* const* biases;
};

// Floats of scratch memory predict() needs: the input copy and two layer outputs.
std::size_t flash_scratch_floats(const flash_network& net);

// Forward pass: writes the output layer's activations (outputs[layer_count - 1] floats)
// to y. scratch: flash_scratch_floats(net) floats aligned to vector_alignment. Checks the
// description first: invalid_shape (sizes, activations), padding_mismatch (row_floats is
// not this build's), misaligned_buffer (weights or scratch), buffer_too_small (scratch),
// non_finite_input; diverged if an activation comes out non-finite.
status predict(const flash_network& net, const float* x, float* y, float* scratch,
               std::size_t scratch_floats);

}  // namespace microprop
