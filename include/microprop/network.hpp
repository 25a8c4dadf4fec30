// Multilayer perceptrons that learn one sample at a time, in memory fixed up front.
//
// Two ways to declare a network, one engine:
//   - Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> (mlp.hpp): shape fixed at compile
//     time, storage inside the object, sizeof == footprint().total.
//   - Network (this file): shape chosen at run time, storage in a buffer the caller owns.
// Both hand the same `detail::network_ref` to the engine in lib/network.cpp, which walks
// the layers without knowing their sizes at compile time: one copy of the code in flash
// whatever the number of shapes a firmware uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "microprop/activations.hpp"
#include "microprop/config.hpp"
#include "microprop/status.hpp"

// The deepest network a build supports. It sizes small per-step arrays on the stack and
// the stored shape of the run-time form, so the build sets it (CMake option, exported
// with the target) and library and users agree.
#ifndef MICROPROP_MAX_LAYERS
#define MICROPROP_MAX_LAYERS 8
#endif

namespace microprop {

inline constexpr std::uint32_t max_layers = MICROPROP_MAX_LAYERS;

struct checkpoint_storage;  // checkpoint.hpp
struct checkpoint_info;

// Online networks carry no gradient buffers; mini-batch networks carry one per weight.
enum class training : std::uint8_t { online, minibatch };

struct layer_spec {
    std::uint32_t outputs;
    activation act;
};

// Bytes of each part of a network's storage, padding included.
struct memory_footprint {
    std::size_t weights;      // W_l, rows padded to row_floats
    std::size_t biases;       // b_l
    std::size_t activations;  // two input slots (a_0 and the next input), a_l of every layer, the published output
    std::size_t deltas;       // two ping-pong vectors of the widest layer
    std::size_t gradients;    // mini-batch sums of dW_l and db_l (0 for online networks)
    std::size_t bookkeeping;  // step counters, overflow bounds, the stored shape
    std::size_t total;
};

// Layer l's parameters, read-only, for inspection: W has `rows` rows of `stride` floats
// (the last stride - cols are zero padding). Mini-batch networks also expose the
// accumulated gradient sums, laid out like W and b (null for online networks). To change
// parameters, use set_layer() or load(): they keep the overflow bounds exact.
struct layer_params {
    const float* weights;
    const float* bias;
    std::size_t rows, cols, stride;
    activation act;
    const float* weight_gradients;
    const float* bias_gradients;
};

// Tag of the Mlp constructor that leaves every parameter zero instead of drawing random
// weights: for a network whose parameters a load() or set_layer() provides next.
struct no_initialization_t {
    explicit no_initialization_t() = default;
};
inline constexpr no_initialization_t no_initialization{};

namespace detail {

// Counters kept in front of every network's storage.
struct network_state {
    std::uint64_t steps;        // updates applied (online steps and mini-batches)
    std::uint32_t batch_count;  // samples accumulated since the last apply_batch
    float input_limit;          // inputs with |x_i| above it are refused; 0: no limit
    // True when a_0..a_L and z_L are the forward pass of the current weights, which
    // train_then_predict() may learn.
    bool forward_pending;
    // Which of the two input slots holds a_0; the other receives the next input, so a
    // refused call still has the old a_0 to restore its forward pass from.
    std::uint8_t input_slot;
    // What the steps update (set_trainable): layers first_trainable..L-1, and of those
    // only the biases with biases_only. Zero-initialized: everything trains.
    std::uint8_t first_trainable;
    bool biases_only;
    std::uint8_t reserved[4];
};
static_assert(MICROPROP_MAX_LAYERS <= 255, "network_state stores a layer index in one byte");

// Per layer, upper bounds on max |W_l| and max |b_l| (and, for mini-batch networks, on
// the accumulated gradients). They let a step prove cheaply, before writing anything,
// that it cannot make a weight non-finite.
constexpr std::size_t bounds_per_layer(training mode) { return mode == training::minibatch ? 4 : 2; }

constexpr std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// A run-time-shaped network stores its shape in front of the counters.
struct stored_shape {
    std::uint32_t magic;
    std::uint32_t inputs;
    std::uint32_t layer_count;
    training mode;
    layer_spec layers[max_layers];
};
inline constexpr std::uint32_t stored_shape_magic = 0x5052504Du;  // "MPRP"

constexpr std::size_t header_bytes(std::uint32_t layer_count, training mode, bool stores_shape) {
    return round_up((stores_shape ? sizeof(stored_shape) : 0) + sizeof(network_state) +
                        layer_count * bounds_per_layer(mode) * sizeof(float),
                    vector_alignment);
}

constexpr memory_footprint plan(std::uint32_t inputs, const layer_spec* layers,
                                std::uint32_t layer_count, training mode, bool stores_shape) {
    memory_footprint f{};
    std::size_t widest = 0;
    std::size_t fan_in = inputs;
    f.activations = 2 * padded(inputs) * sizeof(float);  // a_0 and the next input
    for (std::uint32_t l = 0; l < layer_count; ++l) {
        const std::size_t out = layers[l].outputs;
        const std::size_t w = out * padded(fan_in) * sizeof(float);
        const std::size_t v = padded(out) * sizeof(float);
        f.weights += w;
        f.biases += v;
        f.activations += v;
        if (mode == training::minibatch) f.gradients += w + v;
        widest = padded(out) > widest ? padded(out) : widest;
        fan_in = out;
    }
    if (layer_count > 0) f.activations += padded(layers[layer_count - 1].outputs) * sizeof(float);  // published output
    f.deltas = 2 * widest * sizeof(float);
    f.bookkeeping = header_bytes(layer_count, mode, stores_shape);
    f.total = f.weights + f.biases + f.activations + f.deltas + f.gradients + f.bookkeeping;
    return f;
}

// What is wrong with a shape, or status::ok.
constexpr status check_shape(std::uint32_t inputs, const layer_spec* layers,
                             std::uint32_t layer_count) {
    if (layer_count == 0 || layer_count > max_layers || inputs == 0 || inputs > (1u << 24))
        return status::invalid_shape;
    for (std::uint32_t l = 0; l < layer_count; ++l) {
        const bool last = l + 1 == layer_count;
        if (layers[l].outputs == 0 || layers[l].outputs > (1u << 24)) return status::invalid_shape;
        if (!is_activation(static_cast<std::uint8_t>(layers[l].act))) return status::invalid_shape;
        // Softmax is an output/loss pair, not a hidden activation, and needs two classes.
        if (traits_of(layers[l].act).output_only && (!last || layers[l].outputs < 2))
            return status::invalid_shape;
    }
    // Every byte of the storage must be addressable by a size_t: on a 32-bit target layers
    // of 65536 x 65536 would wrap plan()'s sums and every offset into the storage. An upper
    // bound of plan() (mini-batch gradients, padding of every vector), in 64 bits.
    std::uint64_t floats = 6 * (std::uint64_t{inputs} + row_floats);
    std::uint64_t fan_in = inputs;
    for (std::uint32_t l = 0; l < layer_count; ++l) {
        const std::uint64_t out = layers[l].outputs;
        floats += 2 * out * (fan_in + row_floats) + 6 * (out + row_floats);
        fan_in = out;
    }
    if (floats * sizeof(float) + 4096 > static_cast<std::size_t>(-1)) return status::invalid_shape;
    return status::ok;
}

// Everything the engine needs to find a network's parts. Built on each call, never stored.
// An empty Network handle gives a reference with no state (state == nullptr): every entry
// point then returns not_a_network.
struct network_ref {
    const layer_spec* layers;
    std::uint32_t layer_count;
    std::uint32_t inputs;
    training mode;
    network_state* state;
    float* bounds;       // layer_count * bounds_per_layer(mode) floats
    float* data;         // a_0, the next input, the two delta vectors, then each layer's W, b, a (and gradients)
    std::size_t widest;  // padded width of the widest layer: the length of a delta vector
};

network_ref make_ref(const layer_spec* layers, std::uint32_t layer_count, std::uint32_t inputs,
                     training mode, unsigned char* header);

layer_params params(const network_ref& net, std::uint32_t layer);
const float* output(const network_ref& net);
status set_layer(const network_ref& net, std::uint32_t layer, const float* weights, const float* bias);
status get_layer(const network_ref& net, std::uint32_t layer, float* weights, float* bias);

status initialize(const network_ref& net, std::uint64_t seed);
// Exactly one of `target` (output_size() values) and `label` (a class index) is given.
status train_step(const network_ref& net, const float* x, const float* target,
                  const std::uint32_t* label, float eta, float* loss);
status accumulate(const network_ref& net, const float* x, const float* target,
                  const std::uint32_t* label, float* loss);
status apply_batch(const network_ref& net, float eta);
status predict(const network_ref& net, const float* x, float* y);
status set_input_limit(const network_ref& net, float limit);
status set_trainable(const network_ref& net, std::uint32_t first_layer, bool biases_only);
status train_then_predict(const network_ref& net, const float* target, const std::uint32_t* label,
                          float eta, const float* x_next, float* loss);
std::size_t model_size(const network_ref& net);
status save_model(const network_ref& net, void* out, std::size_t capacity, std::size_t* written);
status load_model(const network_ref& net, const void* data, std::size_t size);
status save_checkpoint(const network_ref& net, const checkpoint_storage& storage, checkpoint_info* info);
status restore_checkpoint(const network_ref& net, const checkpoint_storage& storage, checkpoint_info* info);

// The operations both forms offer, written once over Derived::ref().
//
// Every call that returns anything but status::ok leaves everything a caller can observe
// as it was: parameters, overflow bounds, counters, the pending forward pass and output().
// The exceptions are listed in status.hpp.
template <class Derived>
class network_api {
public:
    // Fresh weights: Xavier/Glorot uniform for sigmoid, tanh, identity and softmax
    // layers, He uniform for ReLU, zero biases, counters and gradients reset.
    status initialize(std::uint64_t seed) { return detail::initialize(ref(), seed); }

    // One online SGD step (forward, BP1-BP4, update) on a sample whose class is `label`
    // (softmax or sigmoid output; the target is the one-hot vector of the label).
    // `loss`, if not null, receives the sample's loss before the update.
    status train_step(const float* x, std::uint32_t label, float eta, float* loss = nullptr) {
        return detail::train_step(ref(), x, nullptr, &label, eta, loss);
    }
    // The same with a target vector of output_size() values (regression, multi-label,
    // soft labels).
    status train_step_target(const float* x, const float* target, float eta, float* loss = nullptr) {
        return detail::train_step(ref(), x, target, nullptr, eta, loss);
    }

    // The pipelined online step, for streams. It learns the sample of the last forward
    // pass (the last predict() or train_then_predict(), whose input the network kept)
    // with `label`, then runs the forward pass of x_next with the updated weights:
    // output() then holds x_next's prediction. The result is exactly train_step(x, label,
    // eta) followed by predict(x_next), bit for bit, but the first layer's update and
    // x_next's first product share one pass over W_1, which is read and written once per
    // sample instead of three times. x_next may be null: learn only (a label that
    // arrives after its prediction costs no second forward pass).
    //   net.predict(x0);                                    // prime the pipeline
    //   for each t: net.train_then_predict(label_t, eta, x_next);
    // Returns no_forward_pass when the network holds no forward pass of its current
    // weights (nothing predicted yet, or train_step, accumulate, apply_batch, load,
    // set_layer or initialize ran since). A refused call (bad label, eta or x_next, or a
    // step that would diverge) changes nothing: the pending forward pass stays, and the
    // same call with sane arguments then succeeds. If the step is applied but x_next's
    // forward pass overflows, the sample stays learned and the call returns
    // next_prediction_diverged (no forward pass pending then).
    status train_then_predict(std::uint32_t label, float eta, const float* x_next, float* loss = nullptr) {
        return detail::train_then_predict(ref(), nullptr, &label, eta, x_next, loss);
    }
    status train_then_predict_target(const float* target, float eta, const float* x_next,
                                     float* loss = nullptr) {
        return detail::train_then_predict(ref(), target, nullptr, eta, x_next, loss);
    }

    // Mini-batch (networks declared with training::minibatch): accumulate the gradients
    // of several samples, then apply their mean with apply_batch().
    status accumulate(const float* x, std::uint32_t label, float* loss = nullptr) {
        return detail::accumulate(ref(), x, nullptr, &label, loss);
    }
    status accumulate_target(const float* x, const float* target, float* loss = nullptr) {
        return detail::accumulate(ref(), x, target, nullptr, loss);
    }
    status apply_batch(float eta) { return detail::apply_batch(ref(), eta); }

    // Forward pass only; writes output_size() values to y (y may be null: read output()).
    status predict(const float* x, float* y = nullptr) { return detail::predict(ref(), x, y); }

    // Model files (docs/model-format.md): the shape, the steps trained and every weight
    // and bias, little-endian, with a CRC-32; the same bytes on every platform.
    // save() writes model_size() bytes to out (buffer_too_small, nothing written, if
    // capacity is less; model_too_large if the shape's file exceeds the format's 32-bit
    // size field, model_file_max_size). Mini-batch gradient sums not yet applied are not
    // saved. load() validates everything (size, magic, version, CRC, every field, the
    // shape against this network's, every value finite) before writing anything: a
    // rejected file leaves the network as it was, with a status naming the problem. A
    // loaded network has exact overflow bounds, no pending gradients and no pending
    // forward pass.
    std::size_t model_size() const { return detail::model_size(ref()); }
    status save(void* out, std::size_t capacity, std::size_t* written = nullptr) const {
        return detail::save_model(ref(), out, capacity, written);
    }
    status load(const void* data, std::size_t size) { return detail::load_model(ref(), data, size); }

    // Layer l's parameters copied in: `weights` holds rows x cols floats, row by row with
    // no padding (the order of model files), `bias` rows floats (layer(l) gives rows and
    // cols). Refused with layer_out_of_range, null_argument or non_finite_parameter
    // before anything is written. Like load(), it re-measures the layer's overflow bounds,
    // clears pending mini-batch gradients and drops the pending forward pass.
    status set_layer(std::uint32_t l, const float* weights, const float* bias) {
        return detail::set_layer(ref(), l, weights, bias);
    }
    // Layer l's parameters copied out, in the same order as set_layer() takes them.
    status get_layer(std::uint32_t l, float* weights, float* bias) const {
        return detail::get_layer(ref(), l, weights, bias);
    }

    // Power-fail-safe checkpoints in two slots of storage the firmware provides
    // (checkpoint.hpp). save_checkpoint() writes the slot that does not hold the newest
    // complete checkpoint (erase, model file, read-back check, commit record last), so a
    // save cut short at any point loses only itself: buffer_too_small if a slot cannot
    // hold the model, model_too_large as for save(), invalid_shape if the write unit is
    // out of range, storage_failed if a callback fails or the read-back differs.
    // restore_checkpoint() loads the newest complete checkpoint: no_checkpoint if there is
    // none, model_shape_mismatch if it is of another shape (network unchanged),
    // storage_failed if a read fails (should that happen while the parameters are copied,
    // after every check passed, the network is half-loaded: restore again).
    status save_checkpoint(const checkpoint_storage& storage, checkpoint_info* info = nullptr) const {
        return detail::save_checkpoint(ref(), storage, info);
    }
    status restore_checkpoint(const checkpoint_storage& storage, checkpoint_info* info = nullptr) {
        return detail::restore_checkpoint(ref(), storage, info);
    }

    // Refuse inputs with any |x_i| > limit (input_out_of_range, nothing changed), in
    // every call that takes an input: a sensor glitch to 1e30 is finite, and one step on
    // it can wreck weights learned over weeks. The limit is part of the network's state
    // (zero-initialized: no limit); 0 or infinity removes it; NaN or a negative limit is
    // refused (invalid_input_limit). Not stored in model files.
    status set_input_limit(float limit) { return detail::set_input_limit(ref(), limit); }
    // Fine-tuning: the steps (train_step, train_then_predict, accumulate, apply_batch)
    // update only layers first_layer..layer_count()-1, the earlier ones stay frozen; with
    // biases_only, only the biases of those layers (bias-only adaptation, as TinyTL).
    // Frozen parameters are never written, and backpropagation stops at first_layer: no
    // BP2 below it, so a frozen prefix also saves its share of the backward work. The
    // setting is part of the network's state (default: everything trains), kept by
    // initialize(), load() and set_layer(), and not stored in model files.
    // layer_out_of_range if first_layer >= layer_count(); batch_in_progress while a
    // mini-batch is accumulated (its sums belong to the old setting): nothing changed.
    status set_trainable(std::uint32_t first_layer, bool biases_only = false) {
        return detail::set_trainable(ref(), first_layer, biases_only);
    }
    std::uint32_t first_trainable_layer() const {
        const network_ref r = ref();
        return r.state != nullptr ? r.state->first_trainable : 0;
    }
    bool trains_biases_only() const {
        const network_ref r = ref();
        return r.state != nullptr && r.state->biases_only;
    }

    float input_limit() const {
        const network_ref r = ref();
        const float l = r.state != nullptr ? r.state->input_limit : 0.0f;
        return l > 0.0f ? l : std::numeric_limits<float>::infinity();
    }

    // The output activations of the last successful forward pass (null for an empty
    // handle). A refused call never changes them.
    const float* output() const { return detail::output(ref()); }

    // Read-only views; an empty handle or a layer out of range gives all-null, all-zero.
    layer_params layer(std::uint32_t l) const { return detail::params(ref(), l); }
    std::uint32_t input_size() const { return ref().inputs; }
    std::uint32_t output_size() const {
        const network_ref r = ref();
        return r.layer_count > 0 ? r.layers[r.layer_count - 1].outputs : 0;
    }
    std::uint32_t layer_count() const { return ref().layer_count; }
    std::uint64_t steps() const { const network_ref r = ref(); return r.state != nullptr ? r.state->steps : 0; }
    std::uint32_t batch_count() const {
        const network_ref r = ref();
        return r.state != nullptr ? r.state->batch_count : 0;
    }

private:
    network_ref ref() const { return static_cast<const Derived*>(this)->ref(); }
};

}  // namespace detail

// A network whose shape is chosen at run time, laid out in a buffer the caller owns.
// For example {784, 2, {{128, activation::sigmoid}, {10, activation::softmax}}}.
struct network_shape {
    std::uint32_t inputs;
    std::uint32_t layer_count;
    layer_spec layers[max_layers];
    training mode = training::online;
};

constexpr memory_footprint footprint_of(const network_shape& s) {
    return detail::plan(s.inputs, s.layers, s.layer_count, s.mode, true);
}

class Network : public detail::network_api<Network> {
public:
    Network() = default;  // empty handle; create() or attach() makes it usable

    // Lays out a network of `shape` in buffer[0, size) and initializes it with `seed`.
    // The buffer must be aligned to vector_alignment and at least footprint_of(shape).total
    // bytes; otherwise buffer_too_small / misaligned_buffer, with *required (if not null)
    // set to the size needed, and nothing written.
    static status create(const network_shape& shape, void* buffer, std::size_t size, Network* out,
                         std::size_t* required = nullptr, std::uint64_t seed = 1);

    // Re-opens a buffer that create() laid out earlier (kept in retained RAM, say).
    static status attach(void* buffer, std::size_t size, Network* out);

    // Lays out a network of the shape a model file describes in buffer[0, size) and loads
    // the file into it (the buffer rules and *required are those of create()). `mode`
    // chooses online or mini-batch training (model files hold no gradients).
    static status create_from_model(const void* data, std::size_t data_size, void* buffer,
                                    std::size_t size, Network* out, std::size_t* required = nullptr,
                                    training mode = training::online);

    // False for an empty handle, on which every call returns not_a_network.
    bool valid() const { return header_ != nullptr; }
    memory_footprint footprint() const;  // all zero for an empty handle

private:
    friend class detail::network_api<Network>;
    detail::network_ref ref() const;
    unsigned char* header_ = nullptr;
};

}  // namespace microprop
