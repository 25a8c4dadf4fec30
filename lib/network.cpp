// The engine: forward pass, backpropagation (BP1-BP4 of docs/backprop.md) and the SGD
// updates, for any shape, through the kernels of kernels.hpp. Nothing here knows a
// layer size at compile time or mentions an architecture.
#include <cmath>
#include <cstring>
#include <limits>

#include "microprop/kernels.hpp"
#include "microprop/math.hpp"
#include "microprop/network.hpp"
#include "microprop/random.hpp"
#include "layer_pass.hpp"
#include "layout.hpp"

namespace microprop::detail {
namespace {

// A step is refused if its bounds reach half of FLT_MAX: far from any real training,
// and leaves room for the rounding of the bound arithmetic itself. The bounds are
// computed in float (no software double on a Cortex-M4): a product that overflows gives
// +inf, which fails every `< overflow_limit` test, so an overflow can only refuse a step.
constexpr float overflow_limit = 0.5f * 3.40282346638528859812e+38f;

bool finite(float v) { return std::isfinite(v); }

// --- input validation: everything is checked before anything is written ---------------

using math::max_magnitude_bits;

constexpr std::uint32_t infinity_bits = 0x7F800000u;

bool all_finite(const float* v, std::size_t count) { return max_magnitude_bits(v, count) < infinity_bits; }

// An input: finite, and within the network's input limit if it has one.
status check_input(const network_ref& n, const float* x) {
    if (x == nullptr) return status::null_argument;
    const std::uint32_t m = max_magnitude_bits(x, n.inputs);
    if (m >= infinity_bits) return status::non_finite_input;
    const float limit = n.state->input_limit;
    if (limit > 0.0f) {
        std::uint32_t limit_bits;
        std::memcpy(&limit_bits, &limit, sizeof limit_bits);
        if (m > limit_bits) return status::input_out_of_range;
    }
    return status::ok;
}

status check_target(const network_ref& n, const float* target, const std::uint32_t* label) {
    const layer_spec& out = n.layers[n.layer_count - 1];
    const loss_kind loss = loss_for(out.act);
    if (label != nullptr) {
        if (loss == loss_kind::squared_error) return status::label_needs_classifier;
        return *label < out.outputs ? status::ok : status::label_out_of_range;
    }
    if (!all_finite(target, out.outputs)) return status::non_finite_target;
    if (loss == loss_kind::squared_error) return status::ok;
    // Cross-entropies take probabilities; softmax's BP1 (yhat - y) also needs 1^T y = 1.
    float sum = 0.0f;
    for (std::uint32_t i = 0; i < out.outputs; ++i) {
        if (target[i] < 0.0f || target[i] > 1.0f) return status::invalid_target;
        sum += target[i];
    }
    if (loss == loss_kind::cross_entropy && std::fabs(sum - 1.0f) > 1e-4f) return status::invalid_target;
    return status::ok;
}

status check_sample(const network_ref& n, const float* x, const float* target,
                    const std::uint32_t* label) {
    if (target == nullptr && label == nullptr) return status::null_argument;
    const status s = check_input(n, x);
    return s != status::ok ? s : check_target(n, target, label);
}

float target_value(const float* target, const std::uint32_t* label, std::size_t i) {
    return label != nullptr ? (i == *label ? 1.0f : 0.0f) : target[i];
}

// --- forward pass ---------------------------------------------------------------------
// The phases of a step (forward, loss, overflow proof, backward) are kept out of line
// ([[gnu::noinline]]): run one after another, they then reuse one stack area instead of
// being stacked in a single frame. train_step's worst-case stack matters on Cortex-M.

// Where the forward pass writes z_l: in place of a_l, except z_L, which goes to delta
// buffer 0 and stays there for the loss.
float* z_of(const network_ref& n, std::uint32_t l) {
    return l + 1 == n.layer_count ? delta_buffer(n, 0) : view(n, l).a;
}

// An upper bound of max|a_l| for the overflow proof of the pipelined step, whose forward
// pass ran in an earlier call (NaN if a_l holds a NaN): forward_layer()'s bound again.
float max_activation(const network_ref& n, const kernel_table& k, std::uint32_t l) {
    const activation act = n.layers[l].act;
    return traits_of(act).bounded_by_one ? 1.0f : k.max_abs(n.layers[l].outputs, view(n, l).a);
}

// Layers first..L-1 of the forward pass; with z_first_done, z_first is already in place
// (the pipelined step's fused kernel computed it) and only its activation is due.
// Keeps every a_l (the backward pass needs them). max_a[l] receives max|a_l| for
// l = 0..L-1 (a_0 = x), which the overflow bounds use. Returns false if anything came
// out non-finite.
bool forward_layers(const network_ref& n, const kernel_table& k, std::uint32_t first,
                    bool z_first_done, float* max_a) {
    for (std::uint32_t l = first; l < n.layer_count; ++l) {
        const layer_view v = view(n, l);
        const float* prev = l == 0 ? input_copy(n) : view(n, l - 1).a;
        const float m = forward_layer(k, v.act, v.rows, v.stride, v.W, v.b, prev, z_of(n, l), v.a,
                                      l == first && z_first_done);
        if (!finite(m)) return false;
        if (l + 1 < n.layer_count) max_a[l + 1] = m;
    }
    return true;
}

// The whole forward pass of x; leaves z_L in delta buffer 0. x goes into the free input
// slot, which becomes a_0: the old a_0 stays in the other one for restore_forward().
[[gnu::noinline]] bool forward(const network_ref& n, const kernel_table& k, const float* x, float* max_a) {
    n.state->input_slot ^= 1u;
    float* a0 = input_copy(n);
    std::memcpy(a0, x, n.inputs * sizeof(float));
    max_a[0] = k.max_abs(n.inputs, a0);
    return forward_layers(n, k, 0, false, max_a);
}

// The sample's loss from z_L (delta buffer 0) and yhat = a_L, never taking log(0).
[[gnu::noinline]] float sample_loss(const network_ref& n, const float* target, const std::uint32_t* label) {
    const layer_view out = view(n, n.layer_count - 1);
    const float* z = delta_buffer(n, 0);
    float loss = 0.0f;
    switch (loss_for(out.act)) {
        case loss_kind::cross_entropy: {
            // -y^T log softmax(z) = logsumexp(z) - y^T z, with sum y = 1; the sum of
            // exp(z - max) is at least 1, so the log is finite.
            float m = z[0];
            for (std::size_t i = 1; i < out.rows; ++i) m = z[i] > m ? z[i] : m;
            float sum = 0.0f, yz = 0.0f;
            for (std::size_t i = 0; i < out.rows; ++i) {
                sum += math::exp(z[i] - m);
                yz += target_value(target, label, i) * (z[i] - m);
            }
            // cppcheck-suppress invalidFunctionArg ; sum >= exp(0) = 1 (see above), never 0
            loss = std::log(sum) - yz;
            break;
        }
        case loss_kind::binary_cross_entropy:
            // -y log s(z) - (1-y) log(1 - s(z)) = max(z, 0) - y z + log(1 + exp(-|z|)).
            for (std::size_t i = 0; i < out.rows; ++i) {
                const float zi = z[i], y = target_value(target, label, i);
                loss += (zi > 0.0f ? zi : 0.0f) - y * zi + std::log1p(math::exp(-std::fabs(zi)));
            }
            break;
        case loss_kind::squared_error:
            for (std::size_t i = 0; i < out.rows; ++i) {
                const float e = out.a[i] - target[i];
                loss += 0.5f * e * e;
            }
            break;
    }
    return loss;
}

// BP1: the entry delta into delta buffer 0 (overwriting z_L).
// Softmax + cross-entropy, sigmoid + binary cross-entropy and identity + squared error
// all give yhat - y; any other output pair gives (yhat - y) (.) f'(z_L).
void entry_delta(const network_ref& n, const kernel_table& k, const float* target,
                 const std::uint32_t* label) {
    const layer_view out = view(n, n.layer_count - 1);
    float* d = delta_buffer(n, 0);
    for (std::size_t i = 0; i < out.rows; ++i) d[i] = out.a[i] - target_value(target, label, i);
    if (!traits_of(out.act).entry_delta_is_difference) times_derivative(k, out.act, out.rows, out.a, d);
}

// --- proving that an update cannot overflow, before writing anything -------------------

// What a step updates (set_trainable): layers first..L-1, their weights unless
// biases_only. Backpropagation ends at layer `first`.
struct trainable_part {
    std::uint32_t first;
    bool weights;
};

trainable_part trainable(const network_ref& n) { return {n.state->first_trainable, !n.state->biases_only}; }

// For the layer walk from L down to the first trainable layer: bounds on max|delta_l|
// (delta_bound[l]). BP2 gives |delta_{l-1}| <= rows_l * max|W_l| * max|delta_l| *
// max f'_{l-1}. With `exact`, the deltas are computed for real (a dry backward pass that
// writes only the delta buffers) instead of bounded through the stored max|W|.
bool delta_bounds(const network_ref& n, const kernel_table& k, bool exact, float entry_max,
                  std::uint32_t first, float* delta_bound) {
    const std::uint32_t last = n.layer_count - 1;
    delta_bound[last] = entry_max;
    int cur = 0;
    for (std::uint32_t l = last; l > first; --l) {
        const layer_view v = view(n, l);
        const layer_view below = view(n, l - 1);
        if (exact) {
            float* next = delta_buffer(n, 1 - cur);
            k.gemv_t(v.rows, v.stride, v.W, delta_buffer(n, cur), next);
            times_derivative(k, below.act, below.rows, below.a, next);
            const float m = k.max_abs(below.rows, next);
            if (!finite(m)) return false;
            delta_bound[l - 1] = m;
            cur = 1 - cur;
        } else {
            delta_bound[l - 1] = static_cast<float>(v.rows) * weight_bound(n, l) * delta_bound[l] *
                                 traits_of(below.act).max_derivative;
        }
        if (!(delta_bound[l - 1] < overflow_limit)) return false;
    }
    return true;
}

enum class bound_mode { update, accumulate };

// True if W_l + alpha delta_l a_{l-1}^T (update, |alpha| = eta) or G_l + delta_l a_{l-1}^T
// (accumulate) and the matching bias change stay below overflow_limit for every
// trainable layer (only the bias change with biases_only): first with the stored bounds
// (cheap), then, if those are too loose, with exact maxima. Delta buffer 0 holds delta_L
// on entry and on return. Measured maxima replace the stored bounds only when the step is
// safe (it is then applied): a refused step changes no byte.
[[gnu::noinline]] bool step_is_safe(const network_ref& n, const kernel_table& k, bound_mode mode,
                                    float eta, const float* max_a, float entry_max,
                                    const float* target, const std::uint32_t* label) {
    const bool update = mode == bound_mode::update;
    const trainable_part part = trainable(n);
    float delta_bound[max_layers];  // filled from L down to part.first by delta_bounds()
    // Per layer: max |matrix| and max |bias vector|. Zeroed so that no path, as the static
    // analyzer sees it, reads a layer that was not filled in.
    float matrix_max[max_layers] = {};
    float bias_max[max_layers] = {};
    for (std::uint32_t l = part.first; l < n.layer_count; ++l) {
        matrix_max[l] = update ? weight_bound(n, l) : grad_bound(n, l);
        bias_max[l] = update ? bias_bound(n, l) : grad_bias_bound(n, l);
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool exact = attempt == 1;
        if (exact) {
            for (std::uint32_t l = part.first; l < n.layer_count; ++l) {
                const layer_view v = view(n, l);
                if (part.weights) matrix_max[l] = k.max_abs(v.rows * v.stride, update ? v.W : v.G);
                bias_max[l] = k.max_abs(v.rows, update ? v.b : v.gb);
            }
        }
        bool safe = delta_bounds(n, k, exact, entry_max, part.first, delta_bound);
        if (exact) entry_delta(n, k, target, label);  // the dry run overwrote delta buffer 0
        for (std::uint32_t l = part.first; safe && l < n.layer_count; ++l) {
            // delta_bounds() set it for every layer from part.first up when it returned true.
            const float d = delta_bound[l];  // NOLINT(clang-analyzer-core.uninitialized.Assign)
            safe = (!part.weights || matrix_max[l] + eta * d * max_a[l] < overflow_limit) &&
                   bias_max[l] + eta * d < overflow_limit;
        }
        if (!safe) continue;
        if (exact) {  // the exact maxima replace the bounds that had grown too loose
            for (std::uint32_t l = part.first; l < n.layer_count; ++l) {
                (update ? weight_bound(n, l) : grad_bound(n, l)) = matrix_max[l];
                (update ? bias_bound(n, l) : grad_bias_bound(n, l)) = bias_max[l];
            }
        }
        return true;
    }
    return false;
}

// --- backward pass ----------------------------------------------------------------------

// True when the pipelined step fuses the first layer's update with x_next's first
// product (ger_gemv): when the first layer's weights train.
bool fuses_next_product(const network_ref& n) {
    const trainable_part part = trainable(n);
    return part.first == 0 && part.weights;
}

// From delta_L in buffer 0 down to the first trainable layer, applying BP2-BP4 (BP2 stops
// there: nothing below it trains). Online (eta > 0): the SGD step with the fused kernel,
// which computes W_l^T delta_l from the old weights (as BP2 requires) while writing the
// updated ones. Mini-batch (eta == 0): adds delta_l a_{l-1}^T to the gradient sums and
// leaves the weights alone. With biases_only, the weights and their sums are left alone.
// Pipelined (x_next not null, online only): the first layer's update also computes
// z_1 = W_1' x_next + b_1' for the next sample, in the same pass over W_1, when that
// layer's weights train (fuses_next_product); otherwise the caller computes z_1.
[[gnu::noinline]] void backward(const network_ref& n, const kernel_table& k, float eta,
                                const float* max_a, float entry_max, const float* x_next) {
    const bool update = eta > 0.0f;
    const trainable_part part = trainable(n);
    int cur = 0;
    for (std::uint32_t l = n.layer_count; l-- > part.first;) {
        const layer_view v = view(n, l);
        const float* d = delta_buffer(n, cur);
        const float* a_prev = l == 0 ? input_copy(n) : view(n, l - 1).a;
        const float d_max = l + 1 == n.layer_count ? entry_max : k.max_abs(v.rows, d);
        const bool propagate = l > part.first;  // BP2 continues to layer l - 1
        float* next = delta_buffer(n, 1 - cur);
        if (update) {
            // BP3 and the online update W_l <- W_l - eta delta_l a_{l-1}^T; where BP2
            // continues, also its first half, W_l^T delta_l, with the weights before the update.
            if (!part.weights) {
                if (propagate) k.gemv_t(v.rows, v.stride, v.W, d, next);
                k.axpy(v.rows, -eta, d, v.b);  // BP4: b_l <- b_l - eta delta_l
            } else if (propagate) {
                k.gemv_t_ger(v.rows, v.stride, -eta, d, a_prev, v.W, next);
                k.axpy(v.rows, -eta, d, v.b);
            } else if (l > 0 || x_next == nullptr) {
                k.ger(v.rows, v.stride, -eta, d, a_prev, v.W);
                k.axpy(v.rows, -eta, d, v.b);
            } else {
                // The next product needs the updated bias, so BP4 comes first. z_1 goes
                // where the forward pass puts it, unless that is delta_1's own buffer
                // (a one-layer network): then through the free buffer.
                k.axpy(v.rows, -eta, d, v.b);
                float* z = z_of(n, 0);
                float* y = z == d ? next : z;
                k.ger_gemv(v.rows, v.stride, -eta, d, a_prev, v.W, x_next, v.b, y);
                if (y != z) std::memcpy(z, y, v.rows * sizeof(float));
            }
            if (part.weights) weight_bound(n, l) += eta * d_max * max_a[l];
            bias_bound(n, l) += eta * d_max;
        } else {
            if (part.weights) {
                k.ger(v.rows, v.stride, 1.0f, d, a_prev, v.G);  // BP3: dW_l += delta_l a_{l-1}^T
                grad_bound(n, l) += d_max * max_a[l];
            }
            k.axpy(v.rows, 1.0f, d, v.gb);  // BP4: db_l += delta_l
            grad_bias_bound(n, l) += d_max;
            if (propagate) k.gemv_t(v.rows, v.stride, v.W, d, next);  // BP2, first half
        }
        if (propagate) {
            const layer_view below = view(n, l - 1);
            times_derivative(k, below.act, below.rows, below.a, next);  // BP2: (.) f'(z_{l-1})
        }
        cur = 1 - cur;
    }
}

// Everything after the forward pass of a step: loss, BP1, the overflow proof, BP2-BP4
// and the updates (or gradient sums). The activations and z_L in delta buffer 0 are those
// of the sample, max_a their maxima.
status learn(const network_ref& n, const kernel_table& k, const float* target,
             const std::uint32_t* label, float eta, const float* max_a, const float* x_next,
             float* loss) {
    const float sample = loss != nullptr ? sample_loss(n, target, label) : 0.0f;
    entry_delta(n, k, target, label);  // BP1
    const float entry_max = k.max_abs(n.layers[n.layer_count - 1].outputs, delta_buffer(n, 0));
    if (!finite(entry_max)) return status::diverged;
    const bool online = eta > 0.0f;
    if (!step_is_safe(n, k, online ? bound_mode::update : bound_mode::accumulate,
                      online ? eta : 1.0f, max_a, entry_max, target, label))
        return status::diverged;
    backward(n, k, eta, max_a, entry_max, x_next);
    if (online)
        ++n.state->steps;
    else
        ++n.state->batch_count;
    if (loss != nullptr) *loss = sample;
    return status::ok;
}

// What a refused call must give back after it has overwritten the forward pass it found
// (a refusal for divergence comes after the forward pass or BP1 that detects it). a_0 is
// still in its input slot and the weights are unchanged, so if that forward pass was
// pending (train_then_predict() may learn it), computing it again restores a_1..a_L and
// z_L bit for bit. If none was pending, nothing of it can be observed but output(),
// which only successful calls publish.
[[gnu::noinline]] void restore_forward(const network_ref& n, const kernel_table& k, bool was_pending,
                                       std::uint8_t slot) {
    n.state->input_slot = slot;
    n.state->forward_pending = false;
    if (!was_pending) return;
    float max_a[max_layers];
    n.state->forward_pending = forward_layers(n, k, 0, false, max_a);  // it succeeded before
}

void publish_output(const network_ref& n) {
    const layer_view out = view(n, n.layer_count - 1);
    std::memcpy(published_output(n), out.a, out.rows * sizeof(float));
}

status run_step(const network_ref& n, const float* x, const float* target,
                const std::uint32_t* label, float eta, float* loss) {
    const kernel_table& k = active_kernels();
    const bool was_pending = n.state->forward_pending;
    const std::uint8_t slot = n.state->input_slot;
    float max_a[max_layers];
    n.state->forward_pending = false;  // the activations are about to be overwritten
    const status s = forward(n, k, x, max_a) ? learn(n, k, target, label, eta, max_a, nullptr, loss)
                                             : status::diverged;
    if (s != status::ok) {
        restore_forward(n, k, was_pending, slot);
        return s;
    }
    publish_output(n);
    return status::ok;
}


}  // namespace

network_ref make_ref(const layer_spec* layers, std::uint32_t layer_count, std::uint32_t inputs,
                     training mode, unsigned char* header) {
    network_ref r{};
    r.layers = layers;
    r.layer_count = layer_count;
    r.inputs = inputs;
    r.mode = mode;
    // The compile-time form passes its storage; the run-time form passes the byte after
    // its stored shape. Both start with the counters, then the bounds.
    r.state = reinterpret_cast<network_state*>(header);
    // cppcheck-suppress invalidPointerCast ; the bounds are floats laid out in the byte storage
    r.bounds = reinterpret_cast<float*>(header + sizeof(network_state));
    const std::size_t used = sizeof(network_state) + layer_count * bounds_per_layer(mode) * sizeof(float);
    const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(header) + used;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): aligning into a caller's buffer needs the address
    r.data = reinterpret_cast<float*>(round_up(start, vector_alignment));
    for (std::uint32_t l = 0; l < layer_count; ++l)
        r.widest = padded(layers[l].outputs) > r.widest ? padded(layers[l].outputs) : r.widest;
    return r;
}

layer_params params(const network_ref& n, std::uint32_t layer) {
    if (n.state == nullptr || layer >= n.layer_count) return layer_params{};
    const layer_view v = view(n, layer);
    return layer_params{v.W, v.b, v.rows, v.cols, v.stride, v.act, v.G, v.gb};
}

const float* output(const network_ref& n) { return n.state != nullptr ? published_output(n) : nullptr; }

void measure_bounds(const network_ref& n, const kernel_table& k, std::uint32_t l) {
    const layer_view v = view(n, l);
    weight_bound(n, l) = k.max_abs(v.rows * v.stride, v.W);
    bias_bound(n, l) = k.max_abs(v.rows, v.b);
}

void parameters_changed(const network_ref& n) {
    if (n.mode == training::minibatch) {
        for (std::uint32_t l = 0; l < n.layer_count; ++l) {
            const layer_view v = view(n, l);
            std::memset(v.G, 0, v.rows * v.stride * sizeof(float));
            std::memset(v.gb, 0, padded(v.rows) * sizeof(float));
            grad_bound(n, l) = 0.0f;
            grad_bias_bound(n, l) = 0.0f;
        }
    }
    n.state->batch_count = 0;
    n.state->forward_pending = false;
}

status set_layer(const network_ref& n, std::uint32_t layer, const float* weights, const float* bias) {
    if (n.state == nullptr) return status::not_a_network;
    if (layer >= n.layer_count) return status::layer_out_of_range;
    if (weights == nullptr || bias == nullptr) return status::null_argument;
    const layer_view v = view(n, layer);
    if (!all_finite(weights, v.rows * v.cols) || !all_finite(bias, v.rows)) return status::non_finite_parameter;
    for (std::size_t r = 0; r < v.rows; ++r)  // the padding after each row stays zero
        std::memcpy(v.W + r * v.stride, weights + r * v.cols, v.cols * sizeof(float));
    std::memcpy(v.b, bias, v.rows * sizeof(float));
    measure_bounds(n, active_kernels(), layer);
    parameters_changed(n);
    return status::ok;
}

status get_layer(const network_ref& n, std::uint32_t layer, float* weights, float* bias) {
    if (n.state == nullptr) return status::not_a_network;
    if (layer >= n.layer_count) return status::layer_out_of_range;
    if (weights == nullptr || bias == nullptr) return status::null_argument;
    const layer_view v = view(n, layer);
    for (std::size_t r = 0; r < v.rows; ++r) std::memcpy(weights + r * v.cols, v.W + r * v.stride, v.cols * sizeof(float));
    std::memcpy(bias, v.b, v.rows * sizeof(float));
    return status::ok;
}

status initialize(const network_ref& n, std::uint64_t seed) {
    if (n.state == nullptr) return status::not_a_network;
    splitmix64 rng(seed);
    for (std::uint32_t l = 0; l < n.layer_count; ++l) {
        const layer_view v = view(n, l);
        // Glorot/Xavier uniform keeps the variance of sigmoid/tanh/linear layers; He
        // uniform compensates for ReLU zeroing half of its inputs.
        // Both are uniform on [-sqrt(3 / fan), sqrt(3 / fan)): fan = (in + out) / 2 for
        // Glorot (sqrt(6 / (in + out))), fan = in / 2 for He (sqrt(6 / in)).
        const float fan = traits_of(v.act).he_initialization ? static_cast<float>(v.cols) * 0.5f
                                                              : static_cast<float>(v.cols + v.rows) * 0.5f;
        const float limit = std::sqrt(3.0f / fan);
        for (std::size_t r = 0; r < v.rows; ++r) {
            float* w = v.W + r * v.stride;
            for (std::size_t c = 0; c < v.stride; ++c) w[c] = c < v.cols ? rng.symmetric(limit) : 0.0f;
        }
        std::memset(v.b, 0, padded(v.rows) * sizeof(float));
        std::memset(v.a, 0, padded(v.rows) * sizeof(float));
        weight_bound(n, l) = limit;  // |symmetric(limit)| < limit
        bias_bound(n, l) = 0.0f;
    }
    parameters_changed(n);
    std::memset(n.data, 0, front_floats(n) * sizeof(float));  // input slots, deltas, published output
    n.state->input_slot = 0;
    n.state->steps = 0;
    return status::ok;
}

status train_step(const network_ref& n, const float* x, const float* target,
                  const std::uint32_t* label, float eta, float* loss) {
    if (n.state == nullptr) return status::not_a_network;
    if (!(eta > 0.0f) || !finite(eta)) return status::invalid_learning_rate;
    const status s = check_sample(n, x, target, label);
    if (s != status::ok) return s;
    return run_step(n, x, target, label, eta, loss);
}

status set_trainable(const network_ref& n, std::uint32_t first_layer, bool biases_only) {
    if (n.state == nullptr) return status::not_a_network;
    if (first_layer >= n.layer_count) return status::layer_out_of_range;
    if (n.state->batch_count > 0) return status::batch_in_progress;
    n.state->first_trainable = static_cast<std::uint8_t>(first_layer);
    n.state->biases_only = biases_only;
    return status::ok;
}

status set_input_limit(const network_ref& n, float limit) {
    if (n.state == nullptr) return status::not_a_network;
    if (!(limit >= 0.0f)) return status::invalid_input_limit;  // NaN and negative values
    n.state->input_limit = limit == std::numeric_limits<float>::infinity() ? 0.0f : limit;
    return status::ok;
}

status accumulate(const network_ref& n, const float* x, const float* target,
                  const std::uint32_t* label, float* loss) {
    if (n.state == nullptr) return status::not_a_network;
    if (n.mode != training::minibatch) return status::no_gradients;
    const status s = check_sample(n, x, target, label);
    if (s != status::ok) return s;
    return run_step(n, x, target, label, 0.0f, loss);
}

// The N-sample update: W_l <- W_l - (eta / N) sum_samples delta_l a_{l-1}^T, the mean of
// the single-sample gradients; likewise for b_l. Then the sums start again from zero.
status apply_batch(const network_ref& n, float eta) {
    if (n.state == nullptr) return status::not_a_network;
    if (n.mode != training::minibatch) return status::no_gradients;
    if (!(eta > 0.0f) || !finite(eta)) return status::invalid_learning_rate;
    if (n.state->batch_count == 0) return status::empty_batch;
    const kernel_table& k = active_kernels();
    const float alpha = -eta / static_cast<float>(n.state->batch_count);
    const float scale = -alpha;
    // The trainable layers' max|W|, max|b|, max|G|, max|gb|: the stored bounds, measured
    // if too loose. With biases_only the weight sums stay zero and W unchanged.
    const trainable_part part = trainable(n);
    float w[max_layers] = {}, b[max_layers] = {}, g[max_layers] = {}, gb[max_layers] = {};
    bool safe = false;
    for (int attempt = 0; attempt < 2 && !safe; ++attempt) {
        safe = true;
        for (std::uint32_t l = part.first; l < n.layer_count; ++l) {
            const layer_view v = view(n, l);
            const bool exact = attempt == 1;
            w[l] = exact ? k.max_abs(v.rows * v.stride, v.W) : weight_bound(n, l);
            b[l] = exact ? k.max_abs(v.rows, v.b) : bias_bound(n, l);
            g[l] = exact ? k.max_abs(v.rows * v.stride, v.G) : grad_bound(n, l);
            gb[l] = exact ? k.max_abs(v.rows, v.gb) : grad_bias_bound(n, l);
            safe = safe && w[l] + scale * g[l] < overflow_limit && b[l] + scale * gb[l] < overflow_limit;
        }
    }
    if (!safe) return status::diverged;
    for (std::uint32_t l = part.first; l < n.layer_count; ++l) {
        const layer_view v = view(n, l);
        if (part.weights) {
            k.axpy(v.rows * v.stride, alpha, v.G, v.W);
            std::memset(v.G, 0, v.rows * v.stride * sizeof(float));
        }
        k.axpy(v.rows, alpha, v.gb, v.b);
        std::memset(v.gb, 0, v.rows * sizeof(float));
        weight_bound(n, l) = w[l] + scale * g[l];
        bias_bound(n, l) = b[l] + scale * gb[l];
        grad_bound(n, l) = 0.0f;
        grad_bias_bound(n, l) = 0.0f;
    }
    n.state->batch_count = 0;
    n.state->forward_pending = false;
    ++n.state->steps;
    return status::ok;
}

status predict(const network_ref& n, const float* x, float* y) {
    if (n.state == nullptr) return status::not_a_network;
    const status checked = check_input(n, x);
    if (checked != status::ok) return checked;
    const kernel_table& k = active_kernels();
    const bool was_pending = n.state->forward_pending;
    const std::uint8_t slot = n.state->input_slot;
    float max_a[max_layers];
    n.state->forward_pending = false;
    if (!forward(n, k, x, max_a)) {
        restore_forward(n, k, was_pending, slot);
        return status::diverged;
    }
    n.state->forward_pending = true;  // train_then_predict() may learn this sample
    publish_output(n);
    if (y != nullptr) std::memcpy(y, output(n), n.layers[n.layer_count - 1].outputs * sizeof(float));
    return status::ok;
}

// The pipelined step: learn the sample whose forward pass the network holds, and with
// x_next, run the next forward pass, its first product fused with the first update.
status train_then_predict(const network_ref& n, const float* target, const std::uint32_t* label,
                          float eta, const float* x_next, float* loss) {
    if (n.state == nullptr) return status::not_a_network;
    if (!(eta > 0.0f) || !finite(eta)) return status::invalid_learning_rate;
    if (target == nullptr && label == nullptr) return status::null_argument;
    if (!n.state->forward_pending) return status::no_forward_pass;
    const status s = check_target(n, target, label);
    if (s != status::ok) return s;
    if (x_next != nullptr) {
        const status next_ok = check_input(n, x_next);
        if (next_ok != status::ok) return next_ok;
    }

    const kernel_table& k = active_kernels();
    // The maxima the overflow proof needs, which forward() measured when it ran.
    float max_a[max_layers];
    max_a[0] = k.max_abs(n.inputs, input_copy(n));
    for (std::uint32_t l = 0; l + 1 < n.layer_count; ++l) max_a[l + 1] = max_activation(n, k, l);
    // An aligned, zero-padded copy for the kernels (the caller's x_next may be neither).
    if (x_next != nullptr) std::memcpy(next_input(n), x_next, n.inputs * sizeof(float));
    const status learned = learn(n, k, target, label, eta, max_a, x_next != nullptr ? next_input(n) : nullptr, loss);
    if (learned != status::ok) {  // BP1 overwrote z_L: the pending forward pass is computed again
        restore_forward(n, k, true, n.state->input_slot);
        return learned;
    }
    // The sample is learned: its forward pass is used up.
    n.state->forward_pending = false;
    if (x_next == nullptr) return status::ok;

    // x_next's slot becomes a_0 and its forward pass goes on (z_1 is in place when the
    // first layer's update computed it).
    n.state->input_slot ^= 1u;
    if (!forward_layers(n, k, 0, fuses_next_product(n), max_a)) return status::next_prediction_diverged;
    n.state->forward_pending = true;
    publish_output(n);
    return status::ok;
}

// --- the run-time-shaped form ------------------------------------------------------------

}  // namespace microprop::detail

namespace microprop {

namespace {
detail::stored_shape* shape_in(unsigned char* header) {
    return reinterpret_cast<detail::stored_shape*>(header);
}

// The network laid out from `header` (its stored shape already checked).
detail::network_ref ref_at(unsigned char* header) {
    const detail::stored_shape* s = shape_in(header);
    return detail::make_ref(s->layers, s->layer_count, s->inputs, s->mode, header + sizeof(detail::stored_shape));
}
}  // namespace

status Network::create(const network_shape& shape, void* buffer, std::size_t size, Network* out,
                       std::size_t* required, std::uint64_t seed) {
    const status s = detail::check_shape(shape.inputs, shape.layers, shape.layer_count);
    if (s != status::ok) return s;
    if (shape.mode != training::online && shape.mode != training::minibatch) return status::invalid_shape;
    const memory_footprint f = footprint_of(shape);
    if (required != nullptr) *required = f.total;
    // create(shape, nullptr, 0, nullptr, &required) is the size query.
    if (buffer == nullptr || size < f.total || out == nullptr) return status::buffer_too_small;
    if (reinterpret_cast<std::uintptr_t>(buffer) % vector_alignment != 0) return status::misaligned_buffer;

    unsigned char* header = static_cast<unsigned char*>(buffer);
    std::memset(header, 0, f.total);
    detail::stored_shape* stored = shape_in(header);
    stored->magic = detail::stored_shape_magic;
    stored->inputs = shape.inputs;
    stored->layer_count = shape.layer_count;
    stored->mode = shape.mode;
    for (std::uint32_t l = 0; l < shape.layer_count; ++l) stored->layers[l] = shape.layers[l];
    out->header_ = header;
    out->initialize(seed);
    return status::ok;
}

status Network::attach(void* buffer, std::size_t size, Network* out) {
    if (out == nullptr || buffer == nullptr || size < sizeof(detail::stored_shape)) return status::not_a_network;
    if (reinterpret_cast<std::uintptr_t>(buffer) % vector_alignment != 0) return status::misaligned_buffer;
    unsigned char* header = static_cast<unsigned char*>(buffer);
    const detail::stored_shape* stored = shape_in(header);
    if (stored->magic != detail::stored_shape_magic) return status::not_a_network;
    if (detail::check_shape(stored->inputs, stored->layers, stored->layer_count) != status::ok ||
        (stored->mode != training::online && stored->mode != training::minibatch))
        return status::not_a_network;
    if (size < footprint_of(detail::shape_of(ref_at(header))).total) return status::buffer_too_small;
    out->header_ = header;
    return status::ok;
}

memory_footprint Network::footprint() const {
    return header_ != nullptr ? footprint_of(detail::shape_of(ref())) : memory_footprint{};
}

detail::network_ref Network::ref() const {
    if (header_ == nullptr) return detail::network_ref{};  // every entry point: not_a_network
    return ref_at(header_);
}

}  // namespace microprop
