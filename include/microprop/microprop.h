/* microprop for C (C99 and later): the run-time-shaped network in a buffer the caller
 * owns, online training, prediction, model files and prediction from flash. A thin layer
 * over the C++ library (link with the C++ linker or libstdc++); it allocates nothing.
 *
 *   mp_layer layers[] = {{32, MP_SIGMOID}, {10, MP_SOFTMAX}};
 *   size_t need;
 *   mp_required_size(64, layers, 2, &need);            // bytes for the buffer
 *   static _Alignas(64) unsigned char arena[20000];    // >= need, MP_ALIGNMENT-aligned
 *   mp_network* net;
 *   if (mp_create(64, layers, 2, arena, sizeof arena, 1, &net) != MP_OK) ...
 *   mp_train_step(net, features, label, 0.05f, NULL);
 *
 * Every function returns an mp_status; a call that does not return MP_OK has changed
 * nothing in the model (see mp_train_then_predict for its one documented exception).
 */
#ifndef MICROPROP_H
#define MICROPROP_H

#include <stddef.h>
#include <stdint.h>

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
    MP_INVALID_INPUT_LIMIT
} mp_status;

/* Hidden activations; the output activation implies the loss (softmax: cross-entropy,
 * sigmoid: binary cross-entropy, identity/tanh/relu: squared error). */
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

/* Bytes a network of this shape needs (online training). */
mp_status mp_required_size(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, size_t* size);

/* Lays out and initializes a network in buffer[0, size) (seeded, deterministic). */
mp_status mp_create(uint32_t inputs, const mp_layer* layers, uint32_t layer_count, void* buffer,
                    size_t size, uint64_t seed, mp_network** out);

/* Re-opens a buffer mp_create() or mp_create_from_model() laid out (retained RAM). */
mp_status mp_attach(void* buffer, size_t size, mp_network** out);

uint32_t mp_input_size(mp_network* net);
uint32_t mp_output_size(mp_network* net);
uint64_t mp_steps(mp_network* net);

/* Inputs with any |x_i| > limit are refused with MP_INPUT_OUT_OF_RANGE (0 or INFINITY: no
 * limit, the default). */
mp_status mp_set_input_limit(mp_network* net, float limit);

/* One online SGD step on a labelled sample (softmax or sigmoid output), or on a target
 * vector of mp_output_size() values. loss may be NULL. */
mp_status mp_train_step(mp_network* net, const float* x, uint32_t label, float eta, float* loss);
mp_status mp_train_step_target(mp_network* net, const float* x, const float* target, float eta,
                               float* loss);

/* The pipelined step: learns the sample of the last forward pass (mp_predict or a previous
 * call) and predicts x_next (may be NULL) with the updated weights; bit-identical to
 * mp_train_step + mp_predict. If x_next's forward pass overflows, the sample stays learned
 * and MP_NEXT_PREDICTION_DIVERGED is returned. */
mp_status mp_train_then_predict(mp_network* net, uint32_t label, float eta, const float* x_next,
                                float* loss);

/* Forward pass; y (may be NULL) receives mp_output_size() values. */
mp_status mp_predict(mp_network* net, const float* x, float* y);
const float* mp_output(mp_network* net);

/* Model files (docs/model-format.md). */
size_t mp_model_size(mp_network* net);
mp_status mp_save(mp_network* net, void* out, size_t capacity, size_t* written);
mp_status mp_load(mp_network* net, const void* model, size_t model_size);
/* The buffer size a model file's network needs, and creating it from the file. */
mp_status mp_model_required_size(const void* model, size_t model_size, size_t* size);
mp_status mp_create_from_model(const void* model, size_t model_size, void* buffer, size_t size,
                               mp_network** out);

/* Prediction from const arrays in flash, as `microprop export --c-header` writes them. */
typedef struct mp_flash_network {
    uint32_t inputs;
    uint32_t layer_count;
    uint32_t row_floats;
    const uint32_t* outputs;
    const uint8_t* activations;
    const float* const* weights;
    const float* const* biases;
} mp_flash_network;

size_t mp_flash_scratch_floats(const mp_flash_network* net);
mp_status mp_predict_flash(const mp_flash_network* net, const float* x, float* y, float* scratch,
                           size_t scratch_floats);

#ifdef __cplusplus
}
#endif

#endif /* MICROPROP_H */
