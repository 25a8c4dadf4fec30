/* The C API from C: every entry point, on the host and on the emulated Cortex-M cores.
 * Plain C11 and no allocation; a failed check prints its line and the run exits with 1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "microprop/microprop.h"

static int failures = 0;

#define CHECK(condition)                                                   \
    do {                                                                   \
        if (!(condition)) {                                                \
            printf("test_c_api.c:%d: CHECK(%s) failed\n", __LINE__, #condition); \
            ++failures;                                                    \
        }                                                                  \
    } while (0)

/* Big enough for the networks below on every target; aligned for any vector unit. */
static _Alignas(64) unsigned char arena[16384];
static _Alignas(64) unsigned char second_arena[16384];
/* Aligned like a network buffer, so that mp_attach() on it tests the magic, not the alignment. */
static _Alignas(64) unsigned char model[4096];
static _Alignas(64) float scratch[256];

/* A separable four-class stream: the class is the quadrant of (x0, x1). */
static unsigned next_sample(unsigned* state, float x[6]) {
    for (int i = 0; i < 6; ++i) {
        *state = *state * 1664525u + 1013904223u;
        x[i] = (float)(*state >> 8) / 8388608.0f - 1.0f;
    }
    return (x[0] > 0.0f) + 2u * (x[1] > 0.0f);
}

static unsigned argmax(const float* y, unsigned n) {
    unsigned best = 0;
    for (unsigned i = 1; i < n; ++i)
        if (y[i] > y[best]) best = i;
    return best;
}

int main(void) {
    const mp_layer layers[2] = {{12, MP_SIGMOID}, {4, MP_SOFTMAX}};
    size_t need = 0;
    CHECK(mp_required_size(6, layers, 2, &need) == MP_OK);
    CHECK(need > 0 && need <= sizeof arena);
    CHECK(mp_alignment() >= 16);

    /* Bad shapes and buffers are refused. */
    mp_network* net = NULL;
    const mp_layer bad[2] = {{12, MP_SOFTMAX}, {4, MP_SOFTMAX}};
    CHECK(mp_create(6, bad, 2, arena, sizeof arena, 1, &net) == MP_INVALID_SHAPE);
    mp_layer odd[2] = {{12, MP_SIGMOID}, {4, MP_SOFTMAX}};
    odd[0].activation = (mp_activation)17;
    CHECK(mp_required_size(6, odd, 2, &need) == MP_INVALID_SHAPE);
    CHECK(mp_create(6, layers, 2, arena, need - 1, 1, &net) == MP_BUFFER_TOO_SMALL);
    CHECK(mp_create(6, layers, 2, arena + 4, need, 1, &net) == MP_MISALIGNED_BUFFER);
    CHECK(net == NULL);
    CHECK(mp_predict(NULL, NULL, NULL) == MP_NOT_A_NETWORK);

    CHECK(mp_create(6, layers, 2, arena, sizeof arena, 7, &net) == MP_OK);
    CHECK(mp_input_size(net) == 6 && mp_output_size(net) == 4 && mp_steps(net) == 0);

    /* Online training, pipelined: predict, then learn and predict the next sample. */
    unsigned state = 1, hits = 0;
    float x[6], y[4], loss = 0.0f;
    unsigned label = next_sample(&state, x);
    CHECK(mp_train_then_predict(net, label, 0.1f, x, NULL) == MP_NO_FORWARD_PASS);
    CHECK(mp_predict(net, x, y) == MP_OK);
    for (int i = 0; i < 3000; ++i) {
        float next[6];
        const unsigned next_label = next_sample(&state, next);
        if (i >= 2500) hits += argmax(mp_output(net), 4) == label;
        CHECK(mp_train_then_predict(net, label, 0.2f, next, &loss) == MP_OK);
        memcpy(x, next, sizeof x);
        label = next_label;
    }
    printf("C API: accuracy over the last 500 samples %u/500, loss %d/1000\n", hits, (int)(loss * 1000));
    CHECK(hits >= 450);
    CHECK(mp_steps(net) == 3000);

    /* Rejected calls say why and change nothing. */
    CHECK(mp_train_step(net, x, 4, 0.1f, NULL) == MP_LABEL_OUT_OF_RANGE);
    CHECK(mp_train_step(net, x, 1, -1.0f, NULL) == MP_INVALID_LEARNING_RATE);
    x[2] = NAN;
    CHECK(mp_train_step(net, x, 1, 0.1f, NULL) == MP_NON_FINITE_INPUT);
    x[2] = 0.5f;
    CHECK(mp_steps(net) == 3000);
    CHECK(mp_train_step(net, x, 1, 0.1f, &loss) == MP_OK);
    CHECK(loss > 0.0f);
    CHECK(strcmp(mp_status_message(MP_LABEL_OUT_OF_RANGE), "label out of range") == 0);

    /* Save, load into a fresh network, re-open the buffer: the same predictions. */
    size_t written = 0;
    CHECK(mp_model_size(net) <= sizeof model);
    CHECK(mp_save(net, model, 10, &written) == MP_BUFFER_TOO_SMALL);
    CHECK(mp_save(net, model, sizeof model, &written) == MP_OK && written == mp_model_size(net));
    size_t from_model = 0;
    CHECK(mp_model_required_size(model, written, &from_model) == MP_OK && from_model <= sizeof second_arena);
    mp_network* copy = NULL;
    CHECK(mp_create_from_model(model, written, second_arena, sizeof second_arena, &copy) == MP_OK);
    float y_copy[4];
    CHECK(mp_predict(net, x, y) == MP_OK && mp_predict(copy, x, y_copy) == MP_OK);
    CHECK(memcmp(y, y_copy, sizeof y) == 0);
    CHECK(mp_steps(copy) == 3001);
    model[written / 2] ^= 0x40;
    CHECK(mp_load(copy, model, written) == MP_MODEL_CORRUPT);
    model[written / 2] ^= 0x40;
    CHECK(mp_load(copy, model, written - 1) == MP_MODEL_TRUNCATED);
    CHECK(mp_load(copy, "not a model file, not at all, no", 33) == MP_MODEL_BAD_MAGIC);
    mp_network* reopened = NULL;
    CHECK(mp_attach(second_arena, sizeof second_arena, &reopened) == MP_OK && reopened == copy);
    CHECK(mp_attach(model, sizeof model, &reopened) == MP_NOT_A_NETWORK);

    /* Prediction from const arrays laid out as an exporter does for this build: rows
     * padded with zeros to a multiple of mp_row_floats(). A 2-input identity layer
     * computing (x0 + x1, x0 - x1) with biases (1, -1). */
    static _Alignas(64) float w[2 * 16];
    static _Alignas(64) const float b[2] = {1.0f, -1.0f};
    const uint32_t stride = mp_row_floats();
    CHECK(stride >= 2 && stride <= 16);
    w[0] = 1.0f, w[1] = 1.0f;
    w[stride] = 1.0f, w[stride + 1] = -1.0f;
    const uint32_t outputs[1] = {2};
    const uint8_t activations[1] = {MP_IDENTITY};
    const float* const weights[1] = {w};
    const float* const biases[1] = {b};
    mp_flash_network flash = {2, 1, stride, outputs, activations, weights, biases};
    const float in[2] = {2.0f, 0.5f};
    float out[2];
    CHECK(mp_flash_scratch_floats(&flash) <= 256);
    CHECK(mp_predict_flash(&flash, in, out, scratch, 256) == MP_OK);
    CHECK(out[0] == 3.5f && out[1] == 0.5f);
    CHECK(mp_predict_flash(&flash, in, out, scratch, 1) == MP_BUFFER_TOO_SMALL);
    flash.row_floats = stride * 2;
    CHECK(mp_predict_flash(&flash, in, out, scratch, 256) == MP_PADDING_MISMATCH);

    printf("C API: %s\n", failures == 0 ? "all checks passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
