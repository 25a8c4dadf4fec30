/* microprop for C (C99 and later): the run-time-shaped network in a buffer the caller
 * owns, online and mini-batch training, prediction, model files, checkpoints, parameters
 * copied in and out, and prediction from flash. A thin layer over the C++ library (link
 * with the C++ linker or libstdc++); it allocates nothing.
 *
 *   mp_layer layers[] = {{32, MP_SIGMOID}, {10, MP_SOFTMAX}};
 *   size_t need;
 *   mp_required_size(64, layers, 2, &need);            // bytes for the buffer
 *   static _Alignas(64) unsigned char arena[20000];    // >= need, MP_ALIGNMENT-aligned
 *   mp_network* net;
 *   if (mp_create(64, layers, 2, arena, sizeof arena, 1, &net) != MP_OK) ...
 *   mp_train_step(net, features, label, 0.05f, NULL);
 *
 * Every function that returns an mp_status refuses
 *   - a NULL network handle, or one pointing to memory that holds no network, with
 *     MP_NOT_A_NETWORK,
 *   - a NULL pointer the call needs with MP_NULL_ARGUMENT; the pointers that may be NULL
 *     are named where each function is declared, every other pointer is needed.
 * A call that does not return MP_OK has changed nothing: not the network (parameters,
 * gradient sums, overflow bounds, counters, input limit, the pending forward pass of
 * mp_train_then_predict() and mp_output()), and not what its output pointers point to,
 * unless its declaration says otherwise. The exceptions (status.hpp):
 *   - MP_NEXT_PREDICTION_DIVERGED from mp_train_then_predict[_target]: the sample was
 *     learned; x_next's forward pass overflowed, so no forward pass is pending and
 *     mp_output() is unchanged.
 *   - MP_STORAGE_FAILED from mp_restore_checkpoint(): a read failed while the parameters
 *     were being copied, after every check had passed; the network is half-loaded
 *     (restore again, or load a model).
 *   - MP_STORAGE_FAILED from mp_save_checkpoint(): the network is unchanged, but the slot
 *     being written holds an incomplete checkpoint, which mp_restore_checkpoint() skips.
 * Functions that return a size or a count return 0 for a NULL or foreign handle.
 */
#ifndef MICROPROP_H
#define MICROPROP_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The values of microprop::status (status.hpp), in the same order. */
typedef enum mp_status {
    MP_OK = 0,
    MP_BUFFER_TOO_SMALL,
    MP_MISALIGNED_BUFFER,
    MP_INVALID_SHAPE,
    MP_NOT_A_NETWORK,
    MP_INVALID_LEARNING_RATE,
    MP_NON_FINITE_INPUT,
    MP_NON_FINITE_TARGET,
    MP_INVALID_TARGET,
    MP_LABEL_OUT_OF_RANGE,
    MP_LABEL_NEEDS_CLASSIFIER,
    MP_NO_GRADIENTS,
    MP_EMPTY_BATCH,
    MP_DIVERGED,
    MP_NO_FORWARD_PASS,
    MP_NEXT_PREDICTION_DIVERGED,
    MP_MODEL_TRUNCATED,
    MP_MODEL_BAD_MAGIC,
    MP_MODEL_UNSUPPORTED_VERSION,
    MP_MODEL_CORRUPT,
    MP_MODEL_INVALID,
    MP_MODEL_SHAPE_MISMATCH,
    MP_PADDING_MISMATCH,
    MP_STORAGE_FAILED,
    MP_NO_CHECKPOINT,
    MP_INPUT_OUT_OF_RANGE,
    MP_INVALID_INPUT_LIMIT,
    MP_NULL_ARGUMENT,
    MP_LAYER_OUT_OF_RANGE,
    MP_NON_FINITE_PARAMETER,
    MP_MODEL_TOO_LARGE,
    MP_BATCH_IN_PROGRESS
} mp_status;

/* Hidden activations; the output activation implies the loss (softmax: cross-entropy,
 * sigmoid: binary cross-entropy, identity/tanh/relu: squared error, 1/2 ||yhat - y||^2
 * summed over the outputs). */
typedef enum mp_activation { MP_IDENTITY = 0, MP_SIGMOID, MP_TANH, MP_RELU, MP_SOFTMAX } mp_activation;

typedef struct mp_layer {
    uint32_t outputs;
    mp_activation activation;
} mp_layer;

/* A network is its buffer: the handle points into the caller's memory. */
typedef struct mp_network mp_network;

/* Alignment the buffer needs (the library's vector_alignment), and the row padding of
 * weight matrices in this build (MICROPROP_ROW_FLOATS: exported arrays must match). */
size_t mp_alignment(void);
uint32_t mp_row_floats(void);

/* One English line per status, for logs. */
const char* mp_status_message(mp_status status);

/* --- creating a network ----------------------------------------------------------------
 * Two kinds: online networks learn one sample per step (mp_train_step and the pipelined
 * mp_train_then_predict); mini-batch networks also carry one gradient sum per parameter
 * (more memory) for mp_accumulate and mp_apply_batch, and train online as well. */

/* Bytes a network of this shape needs (online training), in *size. */
mp_status mp_required_size(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, size_t* size);
/* The same for a mini-batch network. */
mp_status mp_required_size_minibatch(uint32_t inputs, const mp_layer* layers, uint32_t layer_count,
                                     size_t* size);

/* Lays out and initializes a network in buffer[0, size) (seeded, deterministic: Xavier or
 * He uniform weights, zero biases) and sets *out to its handle. MP_INVALID_SHAPE,
 * MP_BUFFER_TOO_SMALL (size < the required size) and MP_MISALIGNED_BUFFER (buffer not
 * aligned to mp_alignment()) are checked before anything is written. */
mp_status mp_create(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, void* buffer,
                    size_t size, uint64_t seed, mp_network** out);
/* The same for a mini-batch network. */
mp_status mp_create_minibatch(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, void* buffer,
                              size_t size, uint64_t seed, mp_network** out);

/* Re-opens a buffer that one of the create functions laid out (retained RAM): *out is
 * then buffer. MP_NOT_A_NETWORK if buffer is NULL or holds no network, MP_BUFFER_TOO_SMALL
 * if size is less than the network it holds needs, MP_MISALIGNED_BUFFER. */
mp_status mp_attach(void* buffer, size_t size, mp_network** out);

uint32_t mp_input_size(mp_network* net);
uint32_t mp_output_size(mp_network* net);
/* Updates applied: online steps plus applied mini-batches (model files and checkpoints
 * carry the count). */
uint64_t mp_steps(mp_network* net);

/* Inputs with any |x_i| > limit are refused with MP_INPUT_OUT_OF_RANGE (0 or INFINITY: no
 * limit, the default); NaN or a negative limit is refused with MP_INVALID_INPUT_LIMIT. */
mp_status mp_set_input_limit(mp_network* net, float limit);

/* Fine-tuning: training updates only layers first_layer..layer count - 1 (the earlier ones
 * stay frozen, and backpropagation stops at first_layer), and with biases_only != 0 only
 * their biases. Default: everything trains. MP_LAYER_OUT_OF_RANGE if first_layer is not
 * a layer, MP_BATCH_IN_PROGRESS while a mini-batch is accumulated. */
mp_status mp_set_trainable(mp_network* net, uint32_t first_layer, int biases_only);

/* --- online training --------------------------------------------------------------------
 * In all training calls x holds mp_input_size() values, target mp_output_size() values
 * (within [0, 1] for sigmoid and softmax outputs, summing to 1 for softmax), a label is a
 * class index (softmax or sigmoid outputs only: MP_LABEL_NEEDS_CLASSIFIER otherwise), and
 * eta > 0 is the learning rate. loss (may be NULL) receives the sample's loss before the
 * update. */

/* One online SGD step on a labelled sample, or on a target vector. */
mp_status mp_train_step(mp_network* net, const float* x, uint32_t label, float eta, float* loss);
mp_status mp_train_step_target(mp_network* net, const float* x, const float* target, float eta,
                               float* loss);

/* The pipelined step: learns the sample of the last forward pass (mp_predict or a previous
 * call) and predicts x_next (may be NULL: learn only) with the updated weights, into
 * mp_output(); bit-identical to mp_train_step + mp_predict. MP_NO_FORWARD_PASS if no
 * forward pass of the current weights is pending (nothing predicted yet, or a training
 * call, mp_apply_batch, mp_load, mp_restore_checkpoint or mp_set_layer ran since). A
 * refused call keeps the pending forward pass: the same call with sane arguments then
 * succeeds. If x_next's forward pass overflows, the sample stays learned and
 * MP_NEXT_PREDICTION_DIVERGED is returned (no forward pass pending then). */
mp_status mp_train_then_predict(mp_network* net, uint32_t label, float eta, const float* x_next,
                                float* loss);
mp_status mp_train_then_predict_target(mp_network* net, const float* target, float eta,
                                       const float* x_next, float* loss);

/* --- mini-batch training (networks made by a _minibatch create function) -----------------
 * mp_accumulate adds a sample's gradients to the network's sums without changing its
 * parameters; mp_apply_batch applies their mean, W <- W - (eta / N) sum dW over the N
 * samples accumulated, counts one step and clears the sums. One sample accumulated and
 * applied is one mp_train_step up to rounding: eta (delta a) instead of (eta delta) a, an
 * ulp or so per weight. Online networks refuse both with MP_NO_GRADIENTS; mp_apply_batch
 * with nothing accumulated returns MP_EMPTY_BATCH, and MP_DIVERGED (nothing applied) if
 * the update could make a parameter non-finite. */
mp_status mp_accumulate(mp_network* net, const float* x, uint32_t label, float* loss);
mp_status mp_accumulate_target(mp_network* net, const float* x, const float* target, float* loss);
mp_status mp_apply_batch(mp_network* net, float eta);
/* Samples accumulated since the sums were last cleared (by mp_apply_batch, mp_set_layer,
 * mp_load, mp_restore_checkpoint); 0 for online networks. */
uint32_t mp_batch_count(mp_network* net);

/* --- prediction -------------------------------------------------------------------------- */

/* Forward pass; y (may be NULL) receives mp_output_size() values. */
mp_status mp_predict(mp_network* net, const float* x, float* y);
/* The outputs of the last successful forward pass (NULL for a NULL or foreign handle). */
const float* mp_output(mp_network* net);

/* --- parameters ---------------------------------------------------------------------------
 * Layer l (0 is the first hidden layer, mp_layer_count() - 1 the output layer) has
 * rows = its outputs and cols = its inputs (mp_input_size() for layer 0, the previous
 * layer's outputs otherwise). */

uint32_t mp_layer_count(mp_network* net);
/* rows, cols and activation of layer l; each pointer may be NULL. MP_LAYER_OUT_OF_RANGE if
 * l >= mp_layer_count(). */
mp_status mp_layer_shape(mp_network* net, uint32_t l, uint32_t* rows, uint32_t* cols,
                         mp_activation* activation);
/* Layer l's parameters copied in: weights holds rows x cols floats, row by row with no
 * padding (the order of model files), bias rows floats. Refused before anything is written
 * with MP_LAYER_OUT_OF_RANGE or MP_NON_FINITE_PARAMETER (a NaN or infinite value). Like
 * mp_load, it re-measures the layer's overflow bounds, clears pending mini-batch gradient
 * sums (mp_batch_count() becomes 0) and drops the pending forward pass; the step count is
 * kept. */
mp_status mp_set_layer(mp_network* net, uint32_t l, const float* weights, const float* bias);
/* Layer l's parameters copied out, in the order mp_set_layer takes them. */
mp_status mp_get_layer(mp_network* net, uint32_t l, float* weights, float* bias);

/* --- model files (docs/model-format.md) ---------------------------------------------------
 * The shape, the step count and every weight and bias, little-endian, with a CRC-32; the
 * same bytes on every platform. Mini-batch gradient sums are not saved. */

/* Bytes of this network's model file. */
size_t mp_model_size(mp_network* net);
/* Writes mp_model_size() bytes to out. written (may be NULL) receives that size, also when
 * the call is refused with MP_BUFFER_TOO_SMALL (capacity too small, nothing written to
 * out); MP_MODEL_TOO_LARGE if the file would exceed the format's 32-bit size field. */
mp_status mp_save(mp_network* net, void* out, size_t capacity, size_t* written);
/* Validates the whole file (size, magic, version, CRC, every field, the shape against this
 * network's, every value finite) before writing anything; a refusal names the problem.
 * A loaded network has exact overflow bounds, no pending gradients and no pending forward
 * pass. */
mp_status mp_load(mp_network* net, const void* model, size_t model_size);
/* The buffer size, in *size, that a model file's network needs (online), and creating it
 * from the file: the file is checked as by mp_load, the buffer as by mp_create. */
mp_status mp_model_required_size(const void* model, size_t model_size, size_t* size);
mp_status mp_create_from_model(const void* model, size_t model_size, void* buffer, size_t size,
                               mp_network** out);
/* The same for a mini-batch network (model files hold no gradient sums: they start at 0). */
mp_status mp_model_required_size_minibatch(const void* model, size_t model_size, size_t* size);
mp_status mp_create_from_model_minibatch(const void* model, size_t model_size, void* buffer, size_t size,
                                         mp_network** out);

/* --- checkpoints (docs/model-format.md, "Checkpoints") -------------------------------------
 * Power-fail-safe: the network saved alternately into two slots of storage the firmware
 * provides, each write finished by a commit record written last; a restore picks the
 * newest slot whose commit record and model file are both intact.
 *
 * The storage: two slots (0 and 1) of slot_size bytes, each erased as a whole. Writes
 * cover whole write units (1 to 64 bytes: flash programs 4, 8, 16 or 32 bytes at a time;
 * 1 for byte-writable memory) at offsets that are multiples of the unit, only on erased
 * bytes, each byte at most once between erases. The callbacks return false on failure;
 * reads may come at any offset and size inside the slot. The fields of
 * microprop::checkpoint_storage (checkpoint.hpp). */
typedef struct mp_checkpoint_storage {
    void* context; /* passed to every callback */
    size_t slot_size;
    size_t write_unit;
    bool (*read)(void* context, uint32_t slot, size_t offset, void* data, size_t size);
    bool (*write)(void* context, uint32_t slot, size_t offset, const void* data, size_t size);
    bool (*erase)(void* context, uint32_t slot);
} mp_checkpoint_storage;

/* What a save wrote or a restore found. */
typedef struct mp_checkpoint_info {
    uint32_t slot;     /* 0 or 1 */
    uint32_t sequence; /* increases by one per save (modulo 2^32) */
    uint64_t steps;    /* the network's step count in that checkpoint */
} mp_checkpoint_info;

/* The slot size a network whose model file has model_bytes (mp_model_size()) needs with
 * this write unit: the 16-byte commit record and the model file, each rounded up to the
 * unit (a unit of 0 counts as 1). */
size_t mp_checkpoint_slot_bytes(size_t model_bytes, size_t write_unit);

/* Writes the slot that does not hold the newest complete checkpoint: erase, model file,
 * read-back check, commit record last, so a save cut short at any point loses only itself.
 * info (may be NULL) receives the slot, sequence and steps written. Needs read, write and
 * erase (MP_NULL_ARGUMENT otherwise); MP_INVALID_SHAPE if write_unit is not in 1..64,
 * MP_BUFFER_TOO_SMALL if a slot cannot hold the model, MP_MODEL_TOO_LARGE as for mp_save,
 * MP_STORAGE_FAILED if a callback fails or the read-back differs. */
mp_status mp_save_checkpoint(mp_network* net, const mp_checkpoint_storage* storage, mp_checkpoint_info* info);
/* Loads the newest complete checkpoint, as mp_load loads a model file. info (may be NULL)
 * receives the slot, sequence and steps found. Needs read only (write and erase may be
 * NULL); MP_INVALID_SHAPE if write_unit is not in 1..64 or slot_size is smaller than a
 * commit record, MP_NO_CHECKPOINT if no slot holds a complete checkpoint,
 * MP_MODEL_SHAPE_MISMATCH if it is of another shape, MP_STORAGE_FAILED if a read fails (see
 * the top of this file for the one case that leaves a partial effect). A mini-batch
 * network restores the checkpoint of an online network of its shape, and the reverse. */
mp_status mp_restore_checkpoint(mp_network* net, const mp_checkpoint_storage* storage, mp_checkpoint_info* info);

/* --- prediction from const arrays in flash, as `microprop export --c-header` writes them --- */
typedef struct mp_flash_network {
    uint32_t inputs;
    uint32_t layer_count;
    uint32_t row_floats;
    const uint32_t* outputs;
    const uint8_t* activations;
    const float* const* weights;
    const float* const* biases;
} mp_flash_network;

/* The scratch floats mp_predict_flash needs (0 for NULL or an invalid network). */
size_t mp_flash_scratch_floats(const mp_flash_network* net);
/* y receives the outputs; scratch (mp_alignment()-aligned, at least
 * mp_flash_scratch_floats() floats) is working memory, left with unspecified contents.
 * A NULL net, x, y or scratch is refused with MP_NULL_ARGUMENT; MP_INVALID_SHAPE for a
 * shape or array that is not valid, MP_PADDING_MISMATCH if row_floats is not
 * mp_row_floats(). */
mp_status mp_predict_flash(const mp_flash_network* net, const float* x, float* y, float* scratch,
                           size_t scratch_floats);

/* --- fine-tuning with the frozen layers in flash (frozen_backbone.hpp) ----------------------
 * The backbone (the first layers of a trained network, const arrays as above) computes the
 * inputs of the head (the last layers, a network in RAM whose input size is the backbone's
 * output size), which alone learns. The results are bit for bit those of the whole network
 * in RAM with mp_set_trainable(net, backbone layers, 0). Each call runs the backbone's
 * forward pass into scratch (mp_alignment()-aligned, mp_backbone_scratch_floats() floats),
 * then the head's call. Refusals: MP_NULL_ARGUMENT, MP_NOT_A_NETWORK (head), MP_INVALID_SHAPE
 * (a backbone whose outputs are not the head's inputs), MP_BUFFER_TOO_SMALL and
 * MP_MISALIGNED_BUFFER (scratch), the backbone's refusals of x (MP_NON_FINITE_INPUT, ...)
 * and the head's own; a refused call leaves the head as it was. */
size_t mp_backbone_scratch_floats(const mp_flash_network* backbone);
mp_status mp_backbone_predict(const mp_flash_network* backbone, mp_network* head, const float* x, float* y,
                              float* scratch, size_t scratch_floats);
mp_status mp_backbone_train_step(const mp_flash_network* backbone, mp_network* head, const float* x,
                                 uint32_t label, float eta, float* scratch, size_t scratch_floats, float* loss);
mp_status mp_backbone_train_step_target(const mp_flash_network* backbone, mp_network* head, const float* x,
                                        const float* target, float eta, float* scratch, size_t scratch_floats,
                                        float* loss);

/* --- learning-rate schedules (schedule.hpp) ---------------------------------------------------
 * The rate of update number `step` (from 0; pass mp_steps(net), which model files keep, so
 * a loaded network continues its schedule). Only IEEE basic operations: the same bits on
 * every platform. Build a schedule with the functions below; fields a kind does not use
 * are ignored. docs/schedules.md has the formulas, the validity rules and the torch
 * equivalents. */
typedef enum mp_schedule_kind {
    MP_SCHEDULE_CONSTANT = 0,
    MP_SCHEDULE_STEP_DECAY,
    MP_SCHEDULE_EXPONENTIAL,
    MP_SCHEDULE_INVERSE_TIME,
    MP_SCHEDULE_COSINE_RESTARTS
} mp_schedule_kind;
typedef struct mp_schedule {
    float base;
    float gamma;
    float decay;
    float eta_min;
    uint32_t step_size;
    uint32_t period;
    uint32_t period_multiplier;
    uint8_t kind; /* an mp_schedule_kind */
} mp_schedule;
mp_schedule mp_schedule_constant(float base);
mp_schedule mp_schedule_step_decay(float base, float gamma, uint32_t step_size);
mp_schedule mp_schedule_exponential(float base, float gamma);
mp_schedule mp_schedule_inverse_time(float base, float decay);
mp_schedule mp_schedule_cosine_restarts(float base, uint32_t period, uint32_t period_multiplier, float eta_min);
/* 1 if every field the kind uses is valid, else 0 (NULL: 0). */
int mp_schedule_is_valid(const mp_schedule* schedule);
/* 0 for NULL or an invalid schedule (then no step changes anything: mp_train_step refuses
 * a rate of 0 with MP_INVALID_LEARNING_RATE). */
float mp_learning_rate(const mp_schedule* schedule, uint64_t step);

#ifdef __cplusplus
}
#endif

#endif /* MICROPROP_H */
