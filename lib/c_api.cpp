// The C API (include/microprop/microprop.h): each function converts its arguments and
// forwards to the C++ API. The handle is the network's buffer; Network::attach re-reads
// the shape stored at its start on every call (a few dozen instructions).
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "microprop/microprop.h"
#include "microprop/microprop.hpp"

namespace {

using namespace microprop;

// The two enumerations must agree value for value.
static_assert(MP_OK == static_cast<int>(status::ok), "");
static_assert(MP_BUFFER_TOO_SMALL == static_cast<int>(status::buffer_too_small), "");
static_assert(MP_MISALIGNED_BUFFER == static_cast<int>(status::misaligned_buffer), "");
static_assert(MP_INVALID_SHAPE == static_cast<int>(status::invalid_shape), "");
static_assert(MP_NOT_A_NETWORK == static_cast<int>(status::not_a_network), "");
static_assert(MP_INVALID_LEARNING_RATE == static_cast<int>(status::invalid_learning_rate), "");
static_assert(MP_NON_FINITE_INPUT == static_cast<int>(status::non_finite_input), "");
static_assert(MP_NON_FINITE_TARGET == static_cast<int>(status::non_finite_target), "");
static_assert(MP_INVALID_TARGET == static_cast<int>(status::invalid_target), "");
static_assert(MP_LABEL_OUT_OF_RANGE == static_cast<int>(status::label_out_of_range), "");
static_assert(MP_LABEL_NEEDS_CLASSIFIER == static_cast<int>(status::label_needs_classifier), "");
static_assert(MP_NO_GRADIENTS == static_cast<int>(status::no_gradients), "");
static_assert(MP_EMPTY_BATCH == static_cast<int>(status::empty_batch), "");
static_assert(MP_DIVERGED == static_cast<int>(status::diverged), "");
static_assert(MP_NO_FORWARD_PASS == static_cast<int>(status::no_forward_pass), "");
static_assert(MP_NEXT_PREDICTION_DIVERGED == static_cast<int>(status::next_prediction_diverged), "");
static_assert(MP_MODEL_TRUNCATED == static_cast<int>(status::model_truncated), "");
static_assert(MP_MODEL_BAD_MAGIC == static_cast<int>(status::model_bad_magic), "");
static_assert(MP_MODEL_UNSUPPORTED_VERSION == static_cast<int>(status::model_unsupported_version), "");
static_assert(MP_MODEL_CORRUPT == static_cast<int>(status::model_corrupt), "");
static_assert(MP_MODEL_INVALID == static_cast<int>(status::model_invalid), "");
static_assert(MP_MODEL_SHAPE_MISMATCH == static_cast<int>(status::model_shape_mismatch), "");
static_assert(MP_PADDING_MISMATCH == static_cast<int>(status::padding_mismatch), "");
static_assert(MP_STORAGE_FAILED == static_cast<int>(status::storage_failed), "");
static_assert(MP_NO_CHECKPOINT == static_cast<int>(status::no_checkpoint), "");
static_assert(MP_INPUT_OUT_OF_RANGE == static_cast<int>(status::input_out_of_range), "");
static_assert(MP_INVALID_INPUT_LIMIT == static_cast<int>(status::invalid_input_limit), "");
static_assert(MP_NULL_ARGUMENT == static_cast<int>(status::null_argument), "");
static_assert(MP_LAYER_OUT_OF_RANGE == static_cast<int>(status::layer_out_of_range), "");
static_assert(MP_NON_FINITE_PARAMETER == static_cast<int>(status::non_finite_parameter), "");
static_assert(MP_MODEL_TOO_LARGE == static_cast<int>(status::model_too_large), "");
static_assert(MP_BATCH_IN_PROGRESS == static_cast<int>(status::batch_in_progress), "");
static_assert(MP_IDENTITY == static_cast<int>(activation::identity) &&
                  MP_SIGMOID == static_cast<int>(activation::sigmoid) &&
                  MP_TANH == static_cast<int>(activation::tanh) &&
                  MP_RELU == static_cast<int>(activation::relu) &&
                  MP_SOFTMAX == static_cast<int>(activation::softmax),
              "");
static_assert(activation_count == MP_SOFTMAX + 1, "an activation of activations.hpp is missing from mp_activation");
static_assert(MP_SCHEDULE_CONSTANT == static_cast<int>(schedule_kind::constant) &&
                  MP_SCHEDULE_STEP_DECAY == static_cast<int>(schedule_kind::step_decay) &&
                  MP_SCHEDULE_EXPONENTIAL == static_cast<int>(schedule_kind::exponential) &&
                  MP_SCHEDULE_INVERSE_TIME == static_cast<int>(schedule_kind::inverse_time) &&
                  MP_SCHEDULE_COSINE_RESTARTS == static_cast<int>(schedule_kind::cosine_restarts),
              "mp_schedule_kind and schedule_kind disagree");
// The C storage is passed on field by field; its callbacks have the C++ types exactly, so
// the library calls the firmware's functions directly, with no trampoline between.
static_assert(std::is_same<decltype(mp_checkpoint_storage::read), decltype(checkpoint_storage::read)>::value &&
                  std::is_same<decltype(mp_checkpoint_storage::write), decltype(checkpoint_storage::write)>::value &&
                  std::is_same<decltype(mp_checkpoint_storage::erase), decltype(checkpoint_storage::erase)>::value,
              "");

mp_status to_c(status s) { return static_cast<mp_status>(s); }

// The C shape, checked: a C caller may pass any integer as an activation.
status to_shape(std::uint32_t inputs, const mp_layer* layers, std::uint32_t count, training mode,
                network_shape* shape) {
    if (count == 0 || count > max_layers) return status::invalid_shape;
    *shape = network_shape{};
    shape->inputs = inputs;
    shape->layer_count = count;
    shape->mode = mode;
    for (std::uint32_t l = 0; l < count; ++l) {
        // C stores any int in an mp_activation, but in C++ loading a value outside the
        // enumeration's range is undefined (UBSan's -fsanitize=enum stops there): the
        // field is read as its underlying integer instead.
        std::underlying_type_t<mp_activation> raw;
        std::memcpy(&raw, &layers[l].activation, sizeof raw);
        const long long act = static_cast<long long>(raw);
        if (act < 0 || !is_activation(static_cast<std::uint32_t>(act))) return status::invalid_shape;
        shape->layers[l] = {layers[l].outputs, static_cast<activation>(act)};
    }
    return detail::check_shape(inputs, shape->layers, count);
}

// The handle is the buffer create() laid out (its size was checked then). A null or
// foreign handle is refused (MP_NOT_A_NETWORK), never dereferenced past its stored shape.
bool open_handle(mp_network* handle, Network* net) { return Network::attach(handle, SIZE_MAX, net) == status::ok; }

mp_network* handle_of(void* buffer) { return static_cast<mp_network*>(buffer); }

flash_network to_flash(const mp_flash_network* n) {
    return {n->inputs, n->layer_count, n->row_floats, n->outputs, n->activations, n->weights, n->biases};
}

// One call of a backbone in flash and a head behind a handle (frozen_backbone's checks).
template <class Call>
mp_status with_backbone(const mp_flash_network* backbone, mp_network* head, float* scratch,
                        std::size_t scratch_floats, Call&& call) {
    if (backbone == nullptr || scratch == nullptr) return MP_NULL_ARGUMENT;
    Network n;
    if (!open_handle(head, &n)) return MP_NOT_A_NETWORK;
    const flash_network flash = to_flash(backbone);
    frozen_backbone<Network> net;
    const status bound = frozen_backbone<Network>::bind(flash, n, scratch, scratch_floats, &net);
    return to_c(bound != status::ok ? bound : call(net));
}

learning_rate_schedule to_schedule(const mp_schedule* s) {
    return {s->base, s->gamma, s->decay, s->eta_min, s->step_size, s->period, s->period_multiplier,
            static_cast<schedule_kind>(s->kind)};
}

mp_schedule to_c(const learning_rate_schedule& s) {
    return {s.base, s.gamma, s.decay, s.eta_min, s.step_size, s.period, s.period_multiplier,
            static_cast<std::uint8_t>(s.kind)};
}

checkpoint_storage to_storage(const mp_checkpoint_storage* s) {
    return {s->context, s->slot_size, s->write_unit, s->read, s->write, s->erase};
}

void to_c(const checkpoint_info& from, mp_checkpoint_info* to) {
    if (to != nullptr) *to = mp_checkpoint_info{from.slot, from.sequence, from.steps};
}

// The online and mini-batch forms of the creating functions, which differ only in `mode`.
mp_status required_size(std::uint32_t inputs, const mp_layer* layers, std::uint32_t count, training mode,
                        std::size_t* size) {
    if (layers == nullptr || size == nullptr) return MP_NULL_ARGUMENT;
    network_shape shape;
    const status s = to_shape(inputs, layers, count, mode, &shape);
    if (s != status::ok) return to_c(s);
    *size = footprint_of(shape).total;
    return MP_OK;
}

mp_status create(std::uint32_t inputs, const mp_layer* layers, std::uint32_t count, training mode, void* buffer,
                 std::size_t size, std::uint64_t seed, mp_network** out) {
    if (layers == nullptr || buffer == nullptr || out == nullptr) return MP_NULL_ARGUMENT;
    network_shape shape;
    const status s = to_shape(inputs, layers, count, mode, &shape);
    if (s != status::ok) return to_c(s);
    Network net;
    const status created = Network::create(shape, buffer, size, &net, nullptr, seed);
    if (created == status::ok) *out = handle_of(buffer);
    return to_c(created);
}

mp_status model_required_size(const void* model, std::size_t model_size, training mode, std::size_t* size) {
    if (model == nullptr || size == nullptr) return MP_NULL_ARGUMENT;
    network_shape shape;
    const status s = read_model_shape(model, model_size, &shape);
    if (s != status::ok) return to_c(s);
    shape.mode = mode;
    *size = footprint_of(shape).total;
    return MP_OK;
}

mp_status create_from_model(const void* model, std::size_t model_size, training mode, void* buffer,
                            std::size_t size, mp_network** out) {
    if (model == nullptr || buffer == nullptr || out == nullptr) return MP_NULL_ARGUMENT;
    Network net;
    const status s = Network::create_from_model(model, model_size, buffer, size, &net, nullptr, mode);
    if (s == status::ok) *out = handle_of(buffer);
    return to_c(s);
}

}  // namespace

extern "C" {

size_t mp_alignment(void) { return vector_alignment; }
uint32_t mp_row_floats(void) { return static_cast<uint32_t>(row_floats); }

const char* mp_status_message(mp_status s) { return status_message(static_cast<status>(s)); }

mp_status mp_required_size(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, size_t* size) {
    return required_size(inputs, layers, layer_count, training::online, size);
}

mp_status mp_required_size_minibatch(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, size_t* size) {
    return required_size(inputs, layers, layer_count, training::minibatch, size);
}

mp_status mp_create(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, void* buffer,
                    size_t size, uint64_t seed, mp_network** out) {
    return create(inputs, layers, layer_count, training::online, buffer, size, seed, out);
}

mp_status mp_create_minibatch(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, void* buffer,
                              size_t size, uint64_t seed, mp_network** out) {
    return create(inputs, layers, layer_count, training::minibatch, buffer, size, seed, out);
}

mp_status mp_attach(void* buffer, size_t size, mp_network** out) {
    if (buffer == nullptr) return MP_NOT_A_NETWORK;
    if (out == nullptr) return MP_NULL_ARGUMENT;
    Network net;
    const status s = Network::attach(buffer, size, &net);
    if (s == status::ok) *out = handle_of(buffer);
    return to_c(s);
}

uint32_t mp_input_size(mp_network* net) {
    Network n;
    return open_handle(net, &n) ? n.input_size() : 0;
}
uint32_t mp_output_size(mp_network* net) {
    Network n;
    return open_handle(net, &n) ? n.output_size() : 0;
}
uint64_t mp_steps(mp_network* net) {
    Network n;
    return open_handle(net, &n) ? n.steps() : 0;
}

mp_status mp_set_input_limit(mp_network* net, float limit) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.set_input_limit(limit));
}

mp_status mp_set_trainable(mp_network* net, uint32_t first_layer, int biases_only) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.set_trainable(first_layer, biases_only != 0));
}

mp_status mp_train_step(mp_network* net, const float* x, uint32_t label, float eta, float* loss) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.train_step(x, label, eta, loss));
}

mp_status mp_train_step_target(mp_network* net, const float* x, const float* target, float eta, float* loss) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.train_step_target(x, target, eta, loss));
}

mp_status mp_train_then_predict(mp_network* net, uint32_t label, float eta, const float* x_next, float* loss) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.train_then_predict(label, eta, x_next, loss));
}

mp_status mp_train_then_predict_target(mp_network* net, const float* target, float eta, const float* x_next,
                                       float* loss) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.train_then_predict_target(target, eta, x_next, loss));
}

mp_status mp_accumulate(mp_network* net, const float* x, uint32_t label, float* loss) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.accumulate(x, label, loss));
}

mp_status mp_accumulate_target(mp_network* net, const float* x, const float* target, float* loss) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.accumulate_target(x, target, loss));
}

mp_status mp_apply_batch(mp_network* net, float eta) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.apply_batch(eta));
}

uint32_t mp_batch_count(mp_network* net) {
    Network n;
    return open_handle(net, &n) ? n.batch_count() : 0;
}

mp_status mp_predict(mp_network* net, const float* x, float* y) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.predict(x, y));
}

const float* mp_output(mp_network* net) {
    Network n;
    return open_handle(net, &n) ? n.output() : nullptr;
}

uint32_t mp_layer_count(mp_network* net) {
    Network n;
    return open_handle(net, &n) ? n.layer_count() : 0;
}

mp_status mp_layer_shape(mp_network* net, uint32_t l, uint32_t* rows, uint32_t* cols, mp_activation* act) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    if (l >= n.layer_count()) return MP_LAYER_OUT_OF_RANGE;
    const layer_params p = n.layer(l);
    if (rows != nullptr) *rows = static_cast<uint32_t>(p.rows);
    if (cols != nullptr) *cols = static_cast<uint32_t>(p.cols);
    if (act != nullptr) *act = static_cast<mp_activation>(p.act);
    return MP_OK;
}

mp_status mp_set_layer(mp_network* net, uint32_t l, const float* weights, const float* bias) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.set_layer(l, weights, bias));
}

mp_status mp_get_layer(mp_network* net, uint32_t l, float* weights, float* bias) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    return to_c(n.get_layer(l, weights, bias));
}

size_t mp_model_size(mp_network* net) {
    Network n;
    return open_handle(net, &n) ? n.model_size() : 0;
}

mp_status mp_save(mp_network* net, void* out, size_t capacity, size_t* written) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    if (out == nullptr) return MP_NULL_ARGUMENT;
    return to_c(n.save(out, capacity, written));
}

mp_status mp_load(mp_network* net, const void* model, size_t model_size) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    if (model == nullptr) return MP_NULL_ARGUMENT;
    return to_c(n.load(model, model_size));
}

mp_status mp_model_required_size(const void* model, size_t model_size, size_t* size) {
    return model_required_size(model, model_size, training::online, size);
}

mp_status mp_create_from_model(const void* model, size_t model_size, void* buffer, size_t size,
                               mp_network** out) {
    return create_from_model(model, model_size, training::online, buffer, size, out);
}

mp_status mp_model_required_size_minibatch(const void* model, size_t model_size, size_t* size) {
    return model_required_size(model, model_size, training::minibatch, size);
}

mp_status mp_create_from_model_minibatch(const void* model, size_t model_size, void* buffer, size_t size,
                                         mp_network** out) {
    return create_from_model(model, model_size, training::minibatch, buffer, size, out);
}

size_t mp_checkpoint_slot_bytes(size_t model_bytes, size_t write_unit) {
    return checkpoint_slot_bytes(model_bytes, write_unit);
}

mp_status mp_save_checkpoint(mp_network* net, const mp_checkpoint_storage* storage, mp_checkpoint_info* info) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    if (storage == nullptr || storage->read == nullptr || storage->write == nullptr || storage->erase == nullptr)
        return MP_NULL_ARGUMENT;
    checkpoint_info written{};
    const status s = n.save_checkpoint(to_storage(storage), &written);
    if (s == status::ok) to_c(written, info);
    return to_c(s);
}

mp_status mp_restore_checkpoint(mp_network* net, const mp_checkpoint_storage* storage, mp_checkpoint_info* info) {
    Network n;
    if (!open_handle(net, &n)) return MP_NOT_A_NETWORK;
    if (storage == nullptr || storage->read == nullptr) return MP_NULL_ARGUMENT;
    checkpoint_info found{};
    const status s = n.restore_checkpoint(to_storage(storage), &found);
    if (s == status::ok) to_c(found, info);
    return to_c(s);
}

size_t mp_flash_scratch_floats(const mp_flash_network* net) {
    return net == nullptr ? 0 : flash_scratch_floats(to_flash(net));
}

mp_status mp_predict_flash(const mp_flash_network* net, const float* x, float* y, float* scratch,
                           size_t scratch_floats) {
    if (net == nullptr || x == nullptr || y == nullptr || scratch == nullptr) return MP_NULL_ARGUMENT;
    return to_c(predict(to_flash(net), x, y, scratch, scratch_floats));
}

size_t mp_backbone_scratch_floats(const mp_flash_network* backbone) {
    return backbone != nullptr ? frozen_backbone_scratch_floats(to_flash(backbone)) : 0;
}

mp_status mp_backbone_predict(const mp_flash_network* backbone, mp_network* head, const float* x, float* y,
                              float* scratch, size_t scratch_floats) {
    return with_backbone(backbone, head, scratch, scratch_floats,
                         [&](frozen_backbone<Network>& net) { return net.predict(x, y); });
}

mp_status mp_backbone_train_step(const mp_flash_network* backbone, mp_network* head, const float* x,
                                 uint32_t label, float eta, float* scratch, size_t scratch_floats, float* loss) {
    return with_backbone(backbone, head, scratch, scratch_floats,
                         [&](frozen_backbone<Network>& net) { return net.train_step(x, label, eta, loss); });
}

mp_status mp_backbone_train_step_target(const mp_flash_network* backbone, mp_network* head, const float* x,
                                        const float* target, float eta, float* scratch, size_t scratch_floats,
                                        float* loss) {
    return with_backbone(backbone, head, scratch, scratch_floats, [&](frozen_backbone<Network>& net) {
        return net.train_step_target(x, target, eta, loss);
    });
}

mp_schedule mp_schedule_constant(float base) { return to_c(schedule::constant(base)); }
mp_schedule mp_schedule_step_decay(float base, float gamma, uint32_t step_size) {
    return to_c(schedule::step_decay(base, gamma, step_size));
}
mp_schedule mp_schedule_exponential(float base, float gamma) { return to_c(schedule::exponential(base, gamma)); }
mp_schedule mp_schedule_inverse_time(float base, float decay) { return to_c(schedule::inverse_time(base, decay)); }
mp_schedule mp_schedule_cosine_restarts(float base, uint32_t period, uint32_t period_multiplier, float eta_min) {
    return to_c(schedule::cosine_restarts(base, period, period_multiplier, eta_min));
}
int mp_schedule_is_valid(const mp_schedule* schedule) {
    return schedule != nullptr && is_valid(to_schedule(schedule)) ? 1 : 0;
}
float mp_learning_rate(const mp_schedule* schedule, uint64_t step) {
    return schedule != nullptr ? learning_rate(to_schedule(schedule), step) : 0.0f;
}

}  // extern "C"
