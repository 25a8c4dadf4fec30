// Prediction from const arrays (flash): the forward pass of lib/network.cpp, reading the
// parameters where they are and keeping only two layer outputs in the caller's scratch.
#include <cmath>
#include <cstring>

#include "microprop/flash_network.hpp"
#include "microprop/kernels.hpp"
#include "microprop/network.hpp"
#include "layer_pass.hpp"

namespace microprop {
namespace {

bool aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % vector_alignment == 0; }

std::size_t widest_output(const flash_network& net) {
    std::size_t w = 0;
    for (std::uint32_t l = 0; l < net.layer_count; ++l) w = padded(net.outputs[l]) > w ? padded(net.outputs[l]) : w;
    return w;
}

// The description's own consistency, before anything is read through it. Out of line:
// inlined into predict(), GCC 12.2 for the Cortex-M55 at -O3 emits a cbz whose target
// lies beyond its range ("branch out of range" from the assembler).
[[gnu::noinline]] status check(const flash_network& net) {
    if (net.layer_count == 0 || net.layer_count > max_layers || net.outputs == nullptr ||
        net.activations == nullptr || net.weights == nullptr || net.biases == nullptr)
        return status::invalid_shape;
    layer_spec specs[max_layers];
    for (std::uint32_t l = 0; l < net.layer_count; ++l) {
        if (!is_activation(net.activations[l])) return status::invalid_shape;
        specs[l] = {net.outputs[l], static_cast<activation>(net.activations[l])};
    }
    const status s = detail::check_shape(net.inputs, specs, net.layer_count);
    if (s != status::ok) return s;
    if (net.row_floats != row_floats) return status::padding_mismatch;
    for (std::uint32_t l = 0; l < net.layer_count; ++l) {
        if (net.weights[l] == nullptr || net.biases[l] == nullptr) return status::invalid_shape;
        if (!aligned(net.weights[l])) return status::misaligned_buffer;
    }
    return status::ok;
}

}  // namespace

std::size_t flash_scratch_floats(const flash_network& net) {
    if (net.layer_count == 0 || net.layer_count > max_layers || net.outputs == nullptr) return 0;
    return padded(net.inputs) + 2 * widest_output(net);
}

status predict(const flash_network& net, const float* x, float* y, float* scratch, std::size_t scratch_floats) {
    const status s = check(net);
    if (s != status::ok) return s;
    if (scratch == nullptr || scratch_floats < flash_scratch_floats(net)) return status::buffer_too_small;
    if (!aligned(scratch)) return status::misaligned_buffer;
    if (x == nullptr || y == nullptr) return status::null_argument;

    const kernel_table& k = active_kernels();
    const std::size_t widest = widest_output(net);
    float* input = scratch;  // a_0, zero-padded for the vector loads
    float* out[2] = {scratch + padded(net.inputs), scratch + padded(net.inputs) + widest};
    std::memset(scratch, 0, flash_scratch_floats(net) * sizeof(float));
    std::memcpy(input, x, net.inputs * sizeof(float));
    // The aligned copy is checked with the kernel: NaN or infinity comes out non-finite.
    if (!std::isfinite(k.max_abs(net.inputs, input))) return status::non_finite_input;

    const float* prev = input;
    std::size_t cols = net.inputs;
    for (std::uint32_t l = 0; l < net.layer_count; ++l) {
        const std::size_t rows = net.outputs[l];
        const activation act = static_cast<activation>(net.activations[l]);
        float* z = out[l % 2];
        // a_l in place, except where the activation may not alias (softmax): into the other
        // buffer, whose a_{l-1} the product has just used (widest floats: room for any layer).
        float* a = traits_of(act).needs_separate_output ? out[(l + 1) % 2] : z;
        if (!std::isfinite(detail::forward_layer(k, act, rows, padded(cols), net.weights[l], net.biases[l], prev, z, a,
                                                 false)))
            return status::diverged;
        // The next layer reads padded(rows) values: the padding must be zero, whatever a
        // wider earlier layer left in this buffer.
        std::memset(a + rows, 0, (padded(rows) - rows) * sizeof(float));
        prev = a;
        cols = rows;
    }
    std::memcpy(y, prev, net.outputs[net.layer_count - 1] * sizeof(float));
    return status::ok;
}

}  // namespace microprop
