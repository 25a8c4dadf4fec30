// Fine-tuning with the frozen layers in flash: the first layers of a trained network (the
// backbone) stay in read-only memory as a flash_network (`microprop export --c-header`),
// and only the last layers (the head, a Network or an Mlp in RAM whose inputs are the
// backbone's outputs) learn. RAM holds the head's arena and a scratch buffer for the
// backbone's forward pass, nothing of the frozen weights:
//
//   static Mlp<32, Dense<10, Softmax>> head(no_initialization);     // layers k..L-1 in RAM
//   head.load(head_model, head_model_size);                          // or set_layer()
//   alignas(vector_alignment) static float scratch[SCRATCH];         // >= frozen_backbone_scratch_floats(backbone)
//   frozen_backbone<decltype(head)> net;
//   if (frozen_backbone<decltype(head)>::bind(backbone, head, scratch, SCRATCH, &net) != status::ok) ...
//   net.train_step(x, label, 0.05f);                                 // the head learns
//
// The result is bit for bit that of the whole network in RAM with set_trainable(k): the
// backbone's forward pass is the same layer computation (lib/layer_pass.hpp), on the same
// numbers, with the same kernel table. A refused call changes nothing: the backbone's
// pass only writes the scratch buffer, and the head refuses as it always does.
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/config.hpp"
#include "microprop/flash_network.hpp"
#include "microprop/status.hpp"

namespace microprop {

// Floats of scratch a frozen_backbone needs: the backbone's forward pass
// (flash_scratch_floats) and its outputs, the head's inputs.
inline std::size_t frozen_backbone_scratch_floats(const flash_network& backbone) {
    const std::size_t pass = flash_scratch_floats(backbone);
    return pass == 0 ? 0 : pass + padded(backbone.outputs[backbone.layer_count - 1]);
}

template <class Head>
class frozen_backbone {
public:
    frozen_backbone() = default;  // unbound: every call returns not_a_network

    // Binds a backbone in flash to a head in RAM. invalid_shape if the backbone's outputs
    // are not the head's inputs (or the description is unusable), buffer_too_small or
    // misaligned_buffer for the scratch (frozen_backbone_scratch_floats floats, aligned
    // to vector_alignment), null_argument for a null out. Nothing is written on refusal.
    static status bind(const flash_network& backbone, Head& head, float* scratch, std::size_t scratch_floats,
                       frozen_backbone* out) {
        if (out == nullptr) return status::null_argument;
        const std::size_t needed = frozen_backbone_scratch_floats(backbone);
        if (needed == 0 || backbone.outputs[backbone.layer_count - 1] != head.input_size())
            return status::invalid_shape;
        if (scratch == nullptr || scratch_floats < needed) return status::buffer_too_small;
        if (reinterpret_cast<std::uintptr_t>(scratch) % vector_alignment != 0) return status::misaligned_buffer;
        out->backbone_ = &backbone;
        out->head_ = &head;
        out->scratch_ = scratch;
        out->pass_floats_ = flash_scratch_floats(backbone);
        out->features_ = scratch + out->pass_floats_;
        return status::ok;
    }

    // The operations of the head's online API, each after the backbone's forward pass of
    // its input (a backbone that refuses an input, say non_finite_input, stops the call
    // before the head sees it).
    status predict(const float* x, float* y = nullptr) {
        const status s = features(x);
        return s != status::ok ? s : head_->predict(features_, y);
    }
    status train_step(const float* x, std::uint32_t label, float eta, float* loss = nullptr) {
        const status s = features(x);
        return s != status::ok ? s : head_->train_step(features_, label, eta, loss);
    }
    status train_step_target(const float* x, const float* target, float eta, float* loss = nullptr) {
        const status s = features(x);
        return s != status::ok ? s : head_->train_step_target(features_, target, eta, loss);
    }
    // The head's pipelined step: learn the pending sample, then predict x_next (may be null).
    status train_then_predict(std::uint32_t label, float eta, const float* x_next, float* loss = nullptr) {
        const status s = x_next != nullptr ? features(x_next) : status::ok;
        if (s != status::ok) return s;
        return head_->train_then_predict(label, eta, x_next != nullptr ? features_ : nullptr, loss);
    }
    status train_then_predict_target(const float* target, float eta, const float* x_next, float* loss = nullptr) {
        const status s = x_next != nullptr ? features(x_next) : status::ok;
        if (s != status::ok) return s;
        return head_->train_then_predict_target(target, eta, x_next != nullptr ? features_ : nullptr, loss);
    }

    const float* output() const { return head_ != nullptr ? head_->output() : nullptr; }
    Head* head() const { return head_; }
    const flash_network* backbone() const { return backbone_; }

private:
    // The backbone's outputs for x into features_ (the scratch after the pass's own part).
    status features(const float* x) {
        if (head_ == nullptr) return status::not_a_network;
        return microprop::predict(*backbone_, x, features_, scratch_, pass_floats_);
    }

    const flash_network* backbone_ = nullptr;
    Head* head_ = nullptr;
    float* scratch_ = nullptr;
    float* features_ = nullptr;
    std::size_t pass_floats_ = 0;
};

}  // namespace microprop
