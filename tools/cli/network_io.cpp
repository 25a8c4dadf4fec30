#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"
#include "tool.hpp"

namespace microprop::cli {

void arena_network::allocate(std::size_t bytes) {
    try {
        arena_.assign((bytes + sizeof(block) - 1) / sizeof(block), block{});
    } catch (const std::bad_alloc&) {
        throw failure("not enough memory for a network of " + std::to_string(bytes) + " bytes");
    } catch (const std::length_error&) {
        throw failure("not enough memory for a network of " + std::to_string(bytes) + " bytes");
    }
}

void arena_network::create(const network_shape& shape, std::uint64_t seed) {
    // Ask for the size first: create() checks the shape before anything else.
    std::size_t need = 0;
    status s = Network::create(shape, nullptr, 0, nullptr, &need, seed);
    if (s != status::buffer_too_small) throw usage_error(status_message(s));
    allocate(need);
    s = Network::create(shape, arena_.data(), arena_.size() * sizeof(block), &net_, nullptr, seed);
    if (s != status::ok) throw failure(status_message(s));
    shape_ = shape;
}

void arena_network::load(const std::string& bytes, const std::string& path) {
    // read_model_shape() checks size, magic, version, CRC and shape; create_from_model()
    // then checks every value. Either way the library's status names the problem.
    network_shape shape{};
    status s = read_model_shape(bytes.data(), bytes.size(), &shape);
    if (s != status::ok) throw failure(path + ": " + status_message(s));
    shape.mode = training::online;
    allocate(footprint_of(shape).total);
    s = Network::create_from_model(bytes.data(), bytes.size(), arena_.data(), arena_.size() * sizeof(block), &net_);
    if (s != status::ok) throw failure(path + ": " + status_message(s));
    shape_ = shape;
}

const char* activation_name(activation a) {
    return is_activation(static_cast<std::uint8_t>(a)) ? traits_of(a).name : "unknown";
}

const char* loss_name(loss_kind k) {
    switch (k) {
        case loss_kind::cross_entropy: return "cross-entropy";
        case loss_kind::binary_cross_entropy: return "binary cross-entropy";
        case loss_kind::squared_error: return "squared error";
    }
    return "unknown";
}

const char* loss_description(loss_kind k) {
    // The squared error is the library's 1/2 sum, which its name alone does not say.
    return k == loss_kind::squared_error ? "1/2 sum of squared errors" : loss_name(k);
}

std::string shape_string(const network_shape& shape) {
    std::string s = std::to_string(shape.inputs);
    for (std::uint32_t l = 0; l < shape.layer_count; ++l) s += "-" + std::to_string(shape.layers[l].outputs);
    return s;
}

std::string activations_string(const network_shape& shape) {
    std::string s;
    for (std::uint32_t l = 0; l < shape.layer_count; ++l) {
        if (l != 0) s += ", ";
        s += activation_name(shape.layers[l].act);
    }
    return s;
}

std::string kernels_line() {
    std::string runnable;
    for (std::size_t i = 0; i < kernel_table_count(); ++i) {
        if (i != 0) runnable += ", ";
        runnable += kernel_table_at(i).name;
    }
    std::string s = std::string(active_kernels().name) + " (runnable here: " + runnable;
    const char* wanted = std::getenv("MICROPROP_KERNELS");
    if (wanted != nullptr && *wanted != '\0' && std::strcmp(wanted, active_kernels().name) != 0)
        s += "; MICROPROP_KERNELS=" + std::string(wanted) + " names none of them";
    else
        s += "; MICROPROP_KERNELS chooses";
    return s + ")";
}

std::uint32_t predicted_class(const sample_layout& layout, const float* y) {
    if (layout.binary) return y[0] > 0.5f ? 1 : 0;
    std::size_t best = 0;
    for (std::size_t i = 1; i < layout.outputs; ++i)
        if (y[i] > y[best]) best = i;
    return static_cast<std::uint32_t>(best);
}

double squared_error(const float* y, const float* target, std::size_t outputs) {
    double sum = 0;
    for (std::size_t k = 0; k < outputs; ++k) {
        const double e = static_cast<double>(y[k]) - target[k];
        sum += e * e;
    }
    return sum;
}

double prediction_loss(const sample_layout& layout, activation output, const float* y, std::uint32_t label,
                       const float* target) {
    const double smallest = std::numeric_limits<float>::denorm_min();
    auto log_clamped = [&](double p) { return std::log(p > smallest ? p : smallest); };
    double loss = 0.0;
    switch (loss_for(output)) {
        case loss_kind::cross_entropy:
            loss = -log_clamped(y[label]);
            break;
        case loss_kind::binary_cross_entropy:
            // The target of output i is 1 for the labelled class, 0 for the others; a
            // binary classifier's one output has the label itself as its target.
            for (std::size_t i = 0; i < layout.outputs; ++i) {
                const bool one = layout.binary ? label == 1 : i == label;
                loss -= one ? log_clamped(y[i]) : log_clamped(1.0 - static_cast<double>(y[i]));
            }
            break;
        case loss_kind::squared_error:
            loss = 0.5 * squared_error(y, target, layout.outputs);
            break;
    }
    return loss;
}

}  // namespace microprop::cli
