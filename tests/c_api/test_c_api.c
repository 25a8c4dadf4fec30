/* The C API from C: every entry point, on the host and on the emulated Cortex-M cores.
 * Plain C11 and no allocation (static buffers only); a failed check prints its line and
 * the run exits with 1. */
#include <float.h>
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

/* Big enough for the networks below on every target (the largest, a mini-batch 6-12-4,
 * needs under 4 KB with 16-float rows); aligned for any vector unit. */
#define ARENA_BYTES 8192
static _Alignas(64) unsigned char arena[ARENA_BYTES];
static _Alignas(64) unsigned char second_arena[ARENA_BYTES];
static _Alignas(64) unsigned char third_arena[ARENA_BYTES];
/* A copy of a network's buffer taken before a refused call. */
static unsigned char snapshot[ARENA_BYTES];
/* Aligned like a network buffer, so that mp_attach() on it tests the magic, not the alignment. */
static _Alignas(64) unsigned char model[4096];
static _Alignas(64) float scratch[256];

/* A refused call returns `expected` and leaves every byte of the network's buffer as it
 * was (the first `bytes` bytes of `buffer`: the network's required size). */
#define CHECK_REFUSED(call, expected, buffer, bytes)        \
    do {                                                    \
        memcpy(snapshot, (buffer), (bytes));                \
        CHECK((call) == (expected));                        \
        CHECK(memcmp(snapshot, (buffer), (bytes)) == 0);    \
    } while (0)

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

static const mp_layer classifier[2] = {{12, MP_SIGMOID}, {4, MP_SOFTMAX}};

/* --- creation, online training, model files, flash (the first API) ----------------------- */

static void test_online_classifier(void) {
    const mp_layer* layers = classifier;
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
    CHECK(net == (mp_network*)arena);
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
    CHECK_REFUSED(mp_train_step(net, x, 4, 0.1f, NULL), MP_LABEL_OUT_OF_RANGE, arena, need);
    CHECK_REFUSED(mp_train_step(net, x, 1, -1.0f, NULL), MP_INVALID_LEARNING_RATE, arena, need);
    x[2] = NAN;
    CHECK_REFUSED(mp_train_step(net, x, 1, 0.1f, NULL), MP_NON_FINITE_INPUT, arena, need);
    x[2] = 0.5f;
    CHECK(mp_steps(net) == 3000);
    CHECK(mp_train_step(net, x, 1, 0.1f, &loss) == MP_OK);
    CHECK(loss > 0.0f);
    CHECK(strcmp(mp_status_message(MP_LABEL_OUT_OF_RANGE), "label out of range") == 0);
    CHECK(strcmp(mp_status_message(MP_NULL_ARGUMENT), "a required pointer argument is null") == 0);

    /* Save, load into a fresh network, re-open the buffer: the same predictions. */
    size_t written = 0;
    CHECK(mp_model_size(net) <= sizeof model);
    CHECK(mp_save(net, model, 10, &written) == MP_BUFFER_TOO_SMALL && written == mp_model_size(net));
    written = 0;
    CHECK(mp_save(net, model, sizeof model, &written) == MP_OK && written == mp_model_size(net));
    size_t from_model = 0;
    CHECK(mp_model_required_size(model, written, &from_model) == MP_OK && from_model == need);
    mp_network* copy = NULL;
    CHECK(mp_create_from_model(model, written, second_arena, sizeof second_arena, &copy) == MP_OK);
    float y_copy[4];
    CHECK(mp_predict(net, x, y) == MP_OK && mp_predict(copy, x, y_copy) == MP_OK);
    CHECK(memcmp(y, y_copy, sizeof y) == 0);
    CHECK(mp_steps(copy) == 3001);
    model[written / 2] ^= 0x40;
    CHECK_REFUSED(mp_load(copy, model, written), MP_MODEL_CORRUPT, second_arena, need);
    model[written / 2] ^= 0x40;
    CHECK_REFUSED(mp_load(copy, model, written - 1), MP_MODEL_TRUNCATED, second_arena, need);
    CHECK_REFUSED(mp_load(copy, "not a model file, not at all, no", 33), MP_MODEL_BAD_MAGIC, second_arena, need);
    mp_network* reopened = NULL;
    CHECK(mp_attach(second_arena, sizeof second_arena, &reopened) == MP_OK && reopened == copy);
    CHECK(mp_attach(model, sizeof model, &reopened) == MP_NOT_A_NETWORK);
    CHECK(mp_attach(second_arena, need - 1, &reopened) == MP_BUFFER_TOO_SMALL);

    /* An input limit refuses a glitch; infinity removes it. */
    CHECK(mp_set_input_limit(net, 1.0f) == MP_OK);
    x[3] = 1.5f;
    CHECK_REFUSED(mp_train_step(net, x, 1, 0.1f, NULL), MP_INPUT_OUT_OF_RANGE, arena, need);
    CHECK_REFUSED(mp_predict(net, x, NULL), MP_INPUT_OUT_OF_RANGE, arena, need);
    CHECK_REFUSED(mp_set_input_limit(net, NAN), MP_INVALID_INPUT_LIMIT, arena, need);
    CHECK_REFUSED(mp_set_input_limit(net, -1.0f), MP_INVALID_INPUT_LIMIT, arena, need);
    CHECK(mp_set_input_limit(net, INFINITY) == MP_OK);
    CHECK(mp_predict(net, x, NULL) == MP_OK);

    /* Fine-tuning: the first layer frozen keeps every bit through a step; a layer index
     * out of range is refused and changes nothing. */
    {
        float w_before[12 * 6], b_before[12], w_after[12 * 6], b_after[12];  /* classifier[0]: 12 x 6 */
        CHECK_REFUSED(mp_set_trainable(net, 2, 0), MP_LAYER_OUT_OF_RANGE, arena, need);
        CHECK(mp_set_trainable(net, 1, 0) == MP_OK);
        CHECK(mp_get_layer(net, 0, w_before, b_before) == MP_OK);
        CHECK(mp_train_step(net, x, 1, 0.1f, NULL) == MP_OK);
        CHECK(mp_get_layer(net, 0, w_after, b_after) == MP_OK);
        CHECK(memcmp(w_before, w_after, sizeof w_before) == 0 && memcmp(b_before, b_after, sizeof b_before) == 0);
        CHECK(mp_set_trainable(net, 0, 0) == MP_OK);
    }
}

static void test_flash_prediction(void) {
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
    float out[2] = {0.0f, 0.0f};
    CHECK(mp_flash_scratch_floats(&flash) <= 256);
    CHECK(mp_flash_scratch_floats(NULL) == 0);
    CHECK(mp_predict_flash(&flash, in, out, scratch, 256) == MP_OK);
    CHECK(out[0] == 3.5f && out[1] == 0.5f);
    out[0] = out[1] = 0.0f;
    CHECK(mp_predict_flash(&flash, in, out, scratch, 1) == MP_BUFFER_TOO_SMALL);
    CHECK(mp_predict_flash(NULL, in, out, scratch, 256) == MP_NULL_ARGUMENT);
    CHECK(mp_predict_flash(&flash, NULL, out, scratch, 256) == MP_NULL_ARGUMENT);
    CHECK(mp_predict_flash(&flash, in, NULL, scratch, 256) == MP_NULL_ARGUMENT);
    CHECK(mp_predict_flash(&flash, in, out, NULL, 256) == MP_NULL_ARGUMENT);
    CHECK(out[0] == 0.0f && out[1] == 0.0f);  /* refused: y untouched */
    flash.row_floats = stride * 2;
    CHECK(mp_predict_flash(&flash, in, out, scratch, 256) == MP_PADDING_MISMATCH);
}

/* --- a network whose arithmetic is exact -------------------------------------------------
 * 4 inputs, 3 ReLU units, 2 identity outputs (squared error), with weights, inputs and
 * targets of a few binary digits (multiples of 1/4, at most 1.5 in magnitude). Every
 * product and sum of one forward pass, one backward pass and one update then has under 16
 * significant bits: float computes it exactly in any order, fused or not, so the library
 * must agree with the plain reference below bit for bit. */

static const mp_layer exact_layers[2] = {{3, MP_RELU}, {2, MP_IDENTITY}};
static const float exact_w1[3 * 4] = {0.5f, -0.25f, 1.0f, 0.75f,   /* rows of W_1 (3 x 4) */
                                      -1.0f, 0.5f, 0.25f, 0.5f,
                                      0.25f, 0.75f, -0.5f, 1.0f};
static const float exact_b1[3] = {0.25f, 1.5f, -0.5f};
static const float exact_w2[2 * 3] = {1.0f, -0.5f, 0.75f,          /* rows of W_2 (2 x 3) */
                                      -0.25f, 0.5f, 1.25f};
static const float exact_b2[2] = {-0.5f, 0.25f};
static const float exact_x[2][4] = {{1.0f, 0.5f, -0.5f, 1.5f}, {-0.5f, 1.0f, 1.5f, 0.5f}};
static const float exact_t[2][2] = {{0.75f, -0.25f}, {1.5f, 0.5f}};

/* Online networks of `exact_layers` with the parameters above. */
static mp_network* create_exact(unsigned char* buffer, int minibatch) {
    mp_network* net = NULL;
    const mp_status s = minibatch ? mp_create_minibatch(4, exact_layers, 2, buffer, ARENA_BYTES, 99, &net)
                                  : mp_create(4, exact_layers, 2, buffer, ARENA_BYTES, 99, &net);
    CHECK(s == MP_OK);
    CHECK(mp_set_layer(net, 0, exact_w1, exact_b1) == MP_OK);
    CHECK(mp_set_layer(net, 1, exact_w2, exact_b2) == MP_OK);
    return net;
}

/* The reference: the gradients of one sample at the parameters above (BP1-BP4), and its
 * loss 1/2 ||yhat - t||^2. */
typedef struct exact_gradients {
    float w1[3 * 4], b1[3], w2[2 * 3], b2[2];
    float y[2];
    float loss;
} exact_gradients;

static exact_gradients exact_reference(const float x[4], const float t[2]) {
    exact_gradients g;
    float a1[3], z1[3];
    for (int r = 0; r < 3; ++r) {
        z1[r] = exact_b1[r];
        for (int c = 0; c < 4; ++c) z1[r] += exact_w1[r * 4 + c] * x[c];
        CHECK(z1[r] != 0.0f);  /* no sample on ReLU's kink */
        a1[r] = z1[r] > 0.0f ? z1[r] : 0.0f;
    }
    g.loss = 0.0f;
    for (int r = 0; r < 2; ++r) {
        g.y[r] = exact_b2[r];
        for (int c = 0; c < 3; ++c) g.y[r] += exact_w2[r * 3 + c] * a1[c];
        g.b2[r] = g.y[r] - t[r];  /* BP1 */
        g.loss += 0.5f * g.b2[r] * g.b2[r];
        for (int c = 0; c < 3; ++c) g.w2[r * 3 + c] = g.b2[r] * a1[c];  /* BP4 */
    }
    for (int r = 0; r < 3; ++r) {
        float back = 0.0f;
        for (int k = 0; k < 2; ++k) back += exact_w2[k * 3 + r] * g.b2[k];
        g.b1[r] = z1[r] > 0.0f ? back : 0.0f;  /* BP2 */
        for (int c = 0; c < 4; ++c) g.w1[r * 4 + c] = g.b1[r] * x[c];
    }
    return g;
}

/* Checks that `net`'s parameters are the exact parameters minus eta * (g0 + g1). */
static void check_exact_update(mp_network* net, float eta, const exact_gradients* g0, const exact_gradients* g1) {
    float w1[3 * 4], b1[3], w2[2 * 3], b2[2];
    CHECK(mp_get_layer(net, 0, w1, b1) == MP_OK);
    CHECK(mp_get_layer(net, 1, w2, b2) == MP_OK);
    for (int i = 0; i < 12; ++i) CHECK(w1[i] == exact_w1[i] - eta * (g0->w1[i] + (g1 ? g1->w1[i] : 0.0f)));
    for (int i = 0; i < 3; ++i) CHECK(b1[i] == exact_b1[i] - eta * (g0->b1[i] + (g1 ? g1->b1[i] : 0.0f)));
    for (int i = 0; i < 6; ++i) CHECK(w2[i] == exact_w2[i] - eta * (g0->w2[i] + (g1 ? g1->w2[i] : 0.0f)));
    for (int i = 0; i < 2; ++i) CHECK(b2[i] == exact_b2[i] - eta * (g0->b2[i] + (g1 ? g1->b2[i] : 0.0f)));
}

/* --- parameters in and out --------------------------------------------------------------- */

static void test_layers(void) {
    mp_network* net = create_exact(arena, 0);
    size_t need = 0;
    CHECK(mp_required_size(4, exact_layers, 2, &need) == MP_OK && need <= ARENA_BYTES);

    /* The shape of each layer. */
    CHECK(mp_layer_count(net) == 2);
    uint32_t rows = 0, cols = 0;
    mp_activation act = MP_SOFTMAX;
    CHECK(mp_layer_shape(net, 0, &rows, &cols, &act) == MP_OK && rows == 3 && cols == 4 && act == MP_RELU);
    CHECK(mp_layer_shape(net, 1, &rows, &cols, &act) == MP_OK && rows == 2 && cols == 3 && act == MP_IDENTITY);
    rows = 0;
    CHECK(mp_layer_shape(net, 0, &rows, NULL, NULL) == MP_OK && rows == 3);
    CHECK(mp_layer_shape(net, 1, NULL, NULL, NULL) == MP_OK);
    rows = cols = 77;
    CHECK(mp_layer_shape(net, 2, &rows, &cols, &act) == MP_LAYER_OUT_OF_RANGE && rows == 77 && cols == 77);

    /* Copied out as copied in, row by row without padding. */
    float w1[3 * 4], b1[3], w2[2 * 3], b2[2];
    CHECK(mp_get_layer(net, 0, w1, b1) == MP_OK && mp_get_layer(net, 1, w2, b2) == MP_OK);
    CHECK(memcmp(w1, exact_w1, sizeof w1) == 0 && memcmp(b1, exact_b1, sizeof b1) == 0);
    CHECK(memcmp(w2, exact_w2, sizeof w2) == 0 && memcmp(b2, exact_b2, sizeof b2) == 0);

    /* The network computes with them: the prediction is the reference's, exactly. */
    float y[2];
    for (int s = 0; s < 2; ++s) {
        const exact_gradients g = exact_reference(exact_x[s], exact_t[s]);
        CHECK(mp_predict(net, exact_x[s], y) == MP_OK);
        CHECK(y[0] == g.y[0] && y[1] == g.y[1]);
    }

    /* In the order of model files: after the 32-byte header and one 8-byte record per
     * layer, W_1 row by row, b_1, W_2, b_2, as little-endian floats. */
    const uint16_t one = 1;
    unsigned char little_endian;
    memcpy(&little_endian, &one, 1);
    size_t written = 0;
    CHECK(mp_save(net, model, sizeof model, &written) == MP_OK);
    if (little_endian) {
        CHECK(memcmp(model + 48, exact_w1, sizeof exact_w1) == 0);
        CHECK(memcmp(model + 48 + sizeof exact_w1, exact_b1, sizeof exact_b1) == 0);
        CHECK(memcmp(model + 48 + sizeof exact_w1 + sizeof exact_b1, exact_w2, sizeof exact_w2) == 0);
    }

    /* Refusals write nothing, in the network or in the caller's arrays. */
    float bad_w1[3 * 4];
    memcpy(bad_w1, exact_w1, sizeof bad_w1);
    bad_w1[7] = NAN;
    CHECK_REFUSED(mp_set_layer(net, 0, bad_w1, exact_b1), MP_NON_FINITE_PARAMETER, arena, need);
    bad_w1[7] = -INFINITY;
    CHECK_REFUSED(mp_set_layer(net, 0, bad_w1, exact_b1), MP_NON_FINITE_PARAMETER, arena, need);
    const float bad_b2[2] = {0.0f, INFINITY};
    CHECK_REFUSED(mp_set_layer(net, 1, exact_w2, bad_b2), MP_NON_FINITE_PARAMETER, arena, need);
    CHECK_REFUSED(mp_set_layer(net, 2, exact_w2, exact_b2), MP_LAYER_OUT_OF_RANGE, arena, need);
    CHECK_REFUSED(mp_set_layer(net, 0, NULL, exact_b1), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_set_layer(net, 0, exact_w1, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_get_layer(net, 2, w2, b2), MP_LAYER_OUT_OF_RANGE, arena, need);
    CHECK_REFUSED(mp_get_layer(net, 0, NULL, b1), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_get_layer(net, 0, w1, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_layer_shape(net, 5, NULL, NULL, NULL), MP_LAYER_OUT_OF_RANGE, arena, need);

    /* set_layer drops the pending forward pass (the weights it was computed with are
     * gone) and keeps the step count. */
    CHECK(mp_train_step_target(net, exact_x[0], exact_t[0], 0.125f, NULL) == MP_OK);
    CHECK(mp_predict(net, exact_x[1], y) == MP_OK);
    CHECK(mp_set_layer(net, 1, exact_w2, exact_b2) == MP_OK);
    CHECK(mp_train_then_predict_target(net, exact_t[1], 0.125f, NULL, NULL) == MP_NO_FORWARD_PASS);
    CHECK(mp_steps(net) == 1);
    CHECK(mp_get_layer(net, 1, w2, b2) == MP_OK);
    CHECK(memcmp(w2, exact_w2, sizeof w2) == 0 && memcmp(b2, exact_b2, sizeof b2) == 0);
}

/* --- mini-batches -------------------------------------------------------------------------- */

static void test_minibatch(void) {
    size_t online_bytes = 0, batch_bytes = 0;
    CHECK(mp_required_size(4, exact_layers, 2, &online_bytes) == MP_OK);
    CHECK(mp_required_size_minibatch(4, exact_layers, 2, &batch_bytes) == MP_OK);
    CHECK(batch_bytes > online_bytes && batch_bytes <= ARENA_BYTES);  /* the gradient sums */

    const float eta = 0.125f;
    const exact_gradients g0 = exact_reference(exact_x[0], exact_t[0]);
    const exact_gradients g1 = exact_reference(exact_x[1], exact_t[1]);

    /* One sample, online and as a batch of one: both exactly the reference's update. */
    mp_network* online = create_exact(arena, 0);
    mp_network* batched = create_exact(second_arena, 1);
    float online_loss = -1.0f, batch_loss = -1.0f;
    CHECK(mp_train_step_target(online, exact_x[0], exact_t[0], eta, &online_loss) == MP_OK);
    CHECK(online_loss == g0.loss);
    CHECK(mp_batch_count(batched) == 0);
    float w1[3 * 4], b1[3];
    CHECK(mp_accumulate_target(batched, exact_x[0], exact_t[0], &batch_loss) == MP_OK);
    CHECK(batch_loss == g0.loss);
    CHECK(mp_batch_count(batched) == 1 && mp_steps(batched) == 0);
    CHECK(mp_get_layer(batched, 0, w1, b1) == MP_OK);  /* accumulating changes no parameter */
    CHECK(memcmp(w1, exact_w1, sizeof w1) == 0 && memcmp(b1, exact_b1, sizeof b1) == 0);
    CHECK(mp_apply_batch(batched, eta) == MP_OK);
    CHECK(mp_batch_count(batched) == 0 && mp_steps(batched) == 1);
    check_exact_update(online, eta, &g0, NULL);
    check_exact_update(batched, eta, &g0, NULL);
    float online_w1[3 * 4], online_b1[3];
    CHECK(mp_get_layer(online, 0, online_w1, online_b1) == MP_OK && mp_get_layer(batched, 0, w1, b1) == MP_OK);
    CHECK(memcmp(online_w1, w1, sizeof w1) == 0 && memcmp(online_b1, b1, sizeof b1) == 0);

    /* Two samples: their mean gradient, W - (eta / 2) (g0 + g1). */
    batched = create_exact(second_arena, 1);
    CHECK(mp_accumulate_target(batched, exact_x[0], exact_t[0], NULL) == MP_OK);
    CHECK(mp_accumulate_target(batched, exact_x[1], exact_t[1], NULL) == MP_OK);
    CHECK(mp_batch_count(batched) == 2);
    CHECK(mp_apply_batch(batched, eta) == MP_OK);
    check_exact_update(batched, eta / 2.0f, &g0, &g1);

    /* Refusals, every byte unchanged. An online network has no gradient sums. */
    online = create_exact(arena, 0);
    batched = create_exact(second_arena, 1);
    const float nan_x[4] = {1.0f, NAN, 0.0f, 0.0f};
    CHECK_REFUSED(mp_accumulate_target(online, exact_x[0], exact_t[0], NULL), MP_NO_GRADIENTS, arena, online_bytes);
    CHECK_REFUSED(mp_accumulate(online, exact_x[0], 0, NULL), MP_NO_GRADIENTS, arena, online_bytes);
    CHECK_REFUSED(mp_apply_batch(online, eta), MP_NO_GRADIENTS, arena, online_bytes);
    CHECK_REFUSED(mp_apply_batch(batched, eta), MP_EMPTY_BATCH, second_arena, batch_bytes);
    CHECK_REFUSED(mp_accumulate(batched, exact_x[0], 0, NULL), MP_LABEL_NEEDS_CLASSIFIER, second_arena, batch_bytes);
    CHECK_REFUSED(mp_accumulate_target(batched, nan_x, exact_t[0], NULL), MP_NON_FINITE_INPUT, second_arena,
                  batch_bytes);
    CHECK_REFUSED(mp_accumulate_target(batched, NULL, exact_t[0], NULL), MP_NULL_ARGUMENT, second_arena, batch_bytes);
    CHECK_REFUSED(mp_accumulate_target(batched, exact_x[0], NULL, NULL), MP_NULL_ARGUMENT, second_arena, batch_bytes);
    CHECK(mp_accumulate_target(batched, exact_x[0], exact_t[0], NULL) == MP_OK);
    CHECK_REFUSED(mp_apply_batch(batched, 0.0f), MP_INVALID_LEARNING_RATE, second_arena, batch_bytes);
    CHECK_REFUSED(mp_apply_batch(batched, NAN), MP_INVALID_LEARNING_RATE, second_arena, batch_bytes);
    /* A step of FLT_MAX times a gradient of magnitude >= 1 would overflow a weight. */
    CHECK(fabsf(g0.w2[5]) >= 1.0f);
    CHECK_REFUSED(mp_apply_batch(batched, FLT_MAX), MP_DIVERGED, second_arena, batch_bytes);
    CHECK(mp_batch_count(batched) == 1);
    /* set_layer clears the sums: nothing left to apply. */
    CHECK(mp_set_layer(batched, 0, exact_w1, exact_b1) == MP_OK);
    CHECK(mp_batch_count(batched) == 0);
    CHECK(mp_apply_batch(batched, eta) == MP_EMPTY_BATCH);

    /* With labels, on a classifier: a batch of two copies of a sample applies exactly the
     * update of a batch of one (the sum of two equal gradients is exact, and so is the
     * halving of eta), whatever the rounding of each gradient. */
    size_t need = 0;
    CHECK(mp_required_size_minibatch(6, classifier, 2, &need) == MP_OK && need <= ARENA_BYTES);
    mp_network *once = NULL, *twice = NULL;
    CHECK(mp_create_minibatch(6, classifier, 2, arena, ARENA_BYTES, 5, &once) == MP_OK);
    CHECK(mp_create_minibatch(6, classifier, 2, second_arena, ARENA_BYTES, 5, &twice) == MP_OK);
    unsigned state = 3;
    float x[6], loss_once = 0.0f, loss_twice = 0.0f;
    for (int step = 0; step < 20; ++step) {
        const unsigned label = next_sample(&state, x);
        CHECK(mp_accumulate(once, x, label, &loss_once) == MP_OK);
        CHECK(mp_accumulate(twice, x, label, &loss_twice) == MP_OK);
        CHECK(mp_accumulate(twice, x, label, NULL) == MP_OK);
        CHECK(loss_once == loss_twice && loss_once > 0.0f);
        CHECK(mp_batch_count(once) == 1 && mp_batch_count(twice) == 2);
        CHECK(mp_apply_batch(once, 0.5f) == MP_OK && mp_apply_batch(twice, 0.5f) == MP_OK);
    }
    CHECK(mp_steps(once) == 20 && mp_steps(twice) == 20);
    static float w_once[12 * 6], w_twice[12 * 6];
    float b_once[12], b_twice[12];
    for (uint32_t l = 0; l < 2; ++l) {
        CHECK(mp_get_layer(once, l, w_once, b_once) == MP_OK && mp_get_layer(twice, l, w_twice, b_twice) == MP_OK);
        CHECK(memcmp(w_once, w_twice, sizeof w_once) == 0 && memcmp(b_once, b_twice, sizeof b_once) == 0);
    }
    CHECK_REFUSED(mp_accumulate(once, x, 4, NULL), MP_LABEL_OUT_OF_RANGE, arena, need);
    CHECK_REFUSED(mp_accumulate(once, NULL, 0, NULL), MP_NULL_ARGUMENT, arena, need);
    /* Mini-batch networks train online as well. */
    CHECK(mp_train_step(once, x, 0, 0.1f, NULL) == MP_OK && mp_steps(once) == 21);
}

/* --- the pipelined step with target vectors ---------------------------------------------- */

static void test_train_then_predict_target(void) {
    /* A regression network, and its twin that takes the unpipelined path. */
    const mp_layer layers[2] = {{8, MP_TANH}, {3, MP_IDENTITY}};
    size_t need = 0;
    CHECK(mp_required_size(6, layers, 2, &need) == MP_OK && need <= ARENA_BYTES);
    mp_network *piped = NULL, *plain = NULL;
    CHECK(mp_create(6, layers, 2, arena, ARENA_BYTES, 11, &piped) == MP_OK);
    CHECK(mp_create(6, layers, 2, second_arena, ARENA_BYTES, 11, &plain) == MP_OK);

    unsigned state = 9;
    float x[6], next[6], target[3] = {0.0f, 0.0f, 0.0f}, y[3];
    next_sample(&state, x);
    CHECK_REFUSED(mp_train_then_predict_target(piped, target, 0.05f, x, NULL), MP_NO_FORWARD_PASS, arena, need);
    CHECK(mp_predict(piped, x, NULL) == MP_OK);
    for (int step = 0; step < 50; ++step) {
        next_sample(&state, next);
        target[0] = x[0] + x[1], target[1] = x[2] * x[3], target[2] = -x[4];
        float loss_piped = -1.0f, loss_plain = -2.0f;
        CHECK(mp_train_then_predict_target(piped, target, 0.05f, next, &loss_piped) == MP_OK);
        CHECK(mp_train_step_target(plain, x, target, 0.05f, &loss_plain) == MP_OK);
        CHECK(mp_predict(plain, next, y) == MP_OK);
        CHECK(loss_piped == loss_plain);
        CHECK(memcmp(mp_output(piped), y, sizeof y) == 0);  /* bit for bit */
        memcpy(x, next, sizeof x);
    }
    CHECK(mp_steps(piped) == 50 && mp_steps(plain) == 50);

    /* A refused call keeps the pending forward pass: the same call with sane arguments
     * then succeeds. */
    target[0] = 0.5f, target[1] = NAN, target[2] = 0.0f;
    CHECK_REFUSED(mp_train_then_predict_target(piped, target, 0.05f, next, NULL), MP_NON_FINITE_TARGET, arena, need);
    target[1] = 0.25f;
    CHECK_REFUSED(mp_train_then_predict_target(piped, NULL, 0.05f, next, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_train_then_predict_target(piped, target, -0.05f, next, NULL), MP_INVALID_LEARNING_RATE, arena,
                  need);
    next[3] = INFINITY;
    CHECK_REFUSED(mp_train_then_predict_target(piped, target, 0.05f, next, NULL), MP_NON_FINITE_INPUT, arena, need);
    next[3] = 0.5f;
    /* x_next may be NULL: learn only, which uses up the forward pass. */
    CHECK(mp_train_then_predict_target(piped, target, 0.05f, NULL, NULL) == MP_OK);
    CHECK(mp_steps(piped) == 51);
    CHECK_REFUSED(mp_train_then_predict_target(piped, target, 0.05f, next, NULL), MP_NO_FORWARD_PASS, arena, need);
    CHECK(mp_train_step_target(plain, x, target, 0.05f, NULL) == MP_OK);
    CHECK(mp_predict(piped, next, NULL) == MP_OK && mp_predict(plain, next, y) == MP_OK);
    CHECK(memcmp(mp_output(piped), y, sizeof y) == 0);

    /* Targets of a sigmoid output are probabilities. */
    const mp_layer multi_label[2] = {{8, MP_TANH}, {3, MP_SIGMOID}};
    CHECK(mp_required_size(6, multi_label, 2, &need) == MP_OK && need <= ARENA_BYTES);
    mp_network* tagger = NULL;
    CHECK(mp_create(6, multi_label, 2, third_arena, ARENA_BYTES, 2, &tagger) == MP_OK);
    CHECK(mp_predict(tagger, x, NULL) == MP_OK);
    const float not_probability[3] = {0.0f, 1.5f, 1.0f}, probabilities[3] = {0.0f, 0.5f, 1.0f};
    CHECK_REFUSED(mp_train_then_predict_target(tagger, not_probability, 0.1f, next, NULL), MP_INVALID_TARGET,
                  third_arena, need);
    CHECK(mp_train_then_predict_target(tagger, probabilities, 0.1f, next, NULL) == MP_OK);
}

/* --- checkpoints in RAM -------------------------------------------------------------------
 * A storage that behaves like flash with 8-byte write units, and checks that the library
 * keeps flash's rules (whole units at unit offsets, only on erased bytes). Failures can be
 * injected: the n-th read or write from now fails. */

#define SLOT_BYTES 1024
static unsigned char slots[2][SLOT_BYTES];

typedef struct ram_flash {
    size_t unit;
    int rule_violations;
    int reads, writes, erases;
    int fail_read_at, fail_write_at; /* the call number that fails; 0: none */
} ram_flash;

static bool flash_read(void* context, uint32_t slot, size_t offset, void* data, size_t size) {
    ram_flash* f = (ram_flash*)context;
    ++f->reads;
    if (slot > 1 || offset > SLOT_BYTES || size > SLOT_BYTES - offset) {
        ++f->rule_violations;
        return false;
    }
    if (f->reads == f->fail_read_at) return false;
    memcpy(data, slots[slot] + offset, size);
    return true;
}

static bool flash_write(void* context, uint32_t slot, size_t offset, const void* data, size_t size) {
    ram_flash* f = (ram_flash*)context;
    ++f->writes;
    if (slot > 1 || offset > SLOT_BYTES || size > SLOT_BYTES - offset || offset % f->unit != 0 ||
        size % f->unit != 0) {
        ++f->rule_violations;
        return false;
    }
    for (size_t i = 0; i < size; ++i)
        if (slots[slot][offset + i] != 0xFF) ++f->rule_violations;
    if (f->writes == f->fail_write_at) return false;
    memcpy(slots[slot] + offset, data, size);
    return true;
}

static bool flash_erase(void* context, uint32_t slot) {
    ram_flash* f = (ram_flash*)context;
    ++f->erases;
    if (slot > 1) {
        ++f->rule_violations;
        return false;
    }
    memset(slots[slot], 0xFF, SLOT_BYTES);
    return true;
}

static void test_checkpoints(void) {
    memset(slots, 0xFF, sizeof slots);
    ram_flash flash = {8, 0, 0, 0, 0, 0, 0};
    mp_checkpoint_storage storage = {&flash, SLOT_BYTES, 8, flash_read, flash_write, flash_erase};

    size_t need = 0;
    CHECK(mp_required_size(6, classifier, 2, &need) == MP_OK && need <= ARENA_BYTES);
    mp_network *net = NULL, *fresh = NULL;
    CHECK(mp_create(6, classifier, 2, arena, ARENA_BYTES, 21, &net) == MP_OK);
    CHECK(mp_create(6, classifier, 2, second_arena, ARENA_BYTES, 22, &fresh) == MP_OK);

    /* A slot holds the commit record and the model file, each in whole write units. */
    const size_t model_bytes = mp_model_size(net);
    CHECK(model_bytes == 32 + 2 * 8 + (12 * 6 + 12 + 4 * 12 + 4) * 4 + 4);
    CHECK(mp_checkpoint_slot_bytes(model_bytes, 1) == 16 + model_bytes);
    CHECK(mp_checkpoint_slot_bytes(model_bytes, 8) == 16 + (model_bytes + 7) / 8 * 8);
    CHECK(mp_checkpoint_slot_bytes(model_bytes, 32) == 32 + (model_bytes + 31) / 32 * 32);
    CHECK(mp_checkpoint_slot_bytes(model_bytes, 8) <= SLOT_BYTES);

    /* Nothing saved yet. */
    mp_checkpoint_info info = {7, 7, 7};
    CHECK_REFUSED(mp_restore_checkpoint(fresh, &storage, &info), MP_NO_CHECKPOINT, second_arena, need);
    CHECK(info.slot == 7 && info.sequence == 7 && info.steps == 7);  /* refused: info untouched */

    /* Train, save, train more, save again: the slots alternate, the sequence counts. */
    unsigned state = 5;
    float x[6];
    for (int i = 0; i < 100; ++i) {
        const unsigned label = next_sample(&state, x);
        CHECK(mp_train_step(net, x, label, 0.2f, NULL) == MP_OK);
    }
    CHECK(mp_save_checkpoint(net, &storage, &info) == MP_OK);
    CHECK(info.slot == 0 && info.sequence == 1 && info.steps == 100);
    for (int i = 0; i < 50; ++i) {
        const unsigned label = next_sample(&state, x);
        CHECK(mp_train_step(net, x, label, 0.2f, NULL) == MP_OK);
    }
    CHECK(mp_save_checkpoint(net, &storage, NULL) == MP_OK);
    float probe[6], y_saved[4], y[4];
    next_sample(&state, probe);
    CHECK(mp_predict(net, probe, y_saved) == MP_OK);

    /* Restored into a network of another seed: the same predictions, bit for bit. */
    CHECK(mp_predict(fresh, probe, y) == MP_OK && memcmp(y, y_saved, sizeof y) != 0);
    CHECK(mp_restore_checkpoint(fresh, &storage, &info) == MP_OK);
    CHECK(info.slot == 1 && info.sequence == 2 && info.steps == 150);
    CHECK(mp_steps(fresh) == 150);
    CHECK(mp_predict(fresh, probe, y) == MP_OK && memcmp(y, y_saved, sizeof y) == 0);

    /* A save cut short (the fourth write fails: the model file is half written) loses
     * only itself: the newest complete checkpoint comes back. */
    for (int i = 0; i < 10; ++i) {
        const unsigned label = next_sample(&state, x);
        CHECK(mp_train_step(net, x, label, 0.2f, NULL) == MP_OK);
    }
    flash.writes = 0, flash.fail_write_at = 4;
    info.slot = 9;
    CHECK_REFUSED(mp_save_checkpoint(net, &storage, &info), MP_STORAGE_FAILED, arena, need);
    CHECK(info.slot == 9);
    flash.fail_write_at = 0;
    CHECK(mp_create(6, classifier, 2, second_arena, ARENA_BYTES, 23, &fresh) == MP_OK);
    CHECK(mp_restore_checkpoint(fresh, &storage, &info) == MP_OK);
    CHECK(info.slot == 1 && info.sequence == 2 && info.steps == 150);
    CHECK(mp_predict(fresh, probe, y) == MP_OK && memcmp(y, y_saved, sizeof y) == 0);
    /* The next save overwrites the damaged slot, not the good one. */
    CHECK(mp_save_checkpoint(net, &storage, &info) == MP_OK);
    CHECK(info.slot == 0 && info.sequence == 3 && info.steps == 160);

    /* A mini-batch network restores the same checkpoint (model files hold no gradients),
     * and reading needs no write or erase callback. */
    CHECK(mp_create_minibatch(6, classifier, 2, third_arena, ARENA_BYTES, 24, &fresh) == MP_OK);
    const mp_checkpoint_storage read_only = {&flash, SLOT_BYTES, 8, flash_read, NULL, NULL};
    CHECK(mp_restore_checkpoint(fresh, &read_only, &info) == MP_OK && info.sequence == 3 && mp_steps(fresh) == 160);
    CHECK(mp_predict(net, probe, y_saved) == MP_OK && mp_predict(fresh, probe, y) == MP_OK);
    CHECK(memcmp(y, y_saved, sizeof y) == 0);
    CHECK(flash.rule_violations == 0);

    /* Refusals, every byte unchanged. */
    mp_checkpoint_storage s = storage;
    CHECK_REFUSED(mp_save_checkpoint(net, NULL, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_restore_checkpoint(net, NULL, NULL), MP_NULL_ARGUMENT, arena, need);
    s.read = NULL;
    CHECK_REFUSED(mp_save_checkpoint(net, &s, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_restore_checkpoint(net, &s, NULL), MP_NULL_ARGUMENT, arena, need);
    s = storage, s.write = NULL;
    CHECK_REFUSED(mp_save_checkpoint(net, &s, NULL), MP_NULL_ARGUMENT, arena, need);
    s = storage, s.erase = NULL;
    CHECK_REFUSED(mp_save_checkpoint(net, &s, NULL), MP_NULL_ARGUMENT, arena, need);
    s = storage, s.write_unit = 0;
    CHECK_REFUSED(mp_save_checkpoint(net, &s, NULL), MP_INVALID_SHAPE, arena, need);
    CHECK_REFUSED(mp_restore_checkpoint(net, &s, NULL), MP_INVALID_SHAPE, arena, need);
    s.write_unit = 65;
    CHECK_REFUSED(mp_save_checkpoint(net, &s, NULL), MP_INVALID_SHAPE, arena, need);
    s = storage, s.slot_size = mp_checkpoint_slot_bytes(model_bytes, 8) - 1;
    const int erases = flash.erases;
    CHECK_REFUSED(mp_save_checkpoint(net, &s, NULL), MP_BUFFER_TOO_SMALL, arena, need);
    CHECK(flash.erases == erases);  /* refused before touching the storage */
    flash.reads = 0, flash.fail_read_at = 1;
    CHECK_REFUSED(mp_restore_checkpoint(net, &storage, NULL), MP_STORAGE_FAILED, arena, need);
    flash.fail_read_at = 0;
    const mp_layer other[2] = {{8, MP_SIGMOID}, {4, MP_SOFTMAX}};
    size_t other_need = 0;
    CHECK(mp_required_size(6, other, 2, &other_need) == MP_OK && other_need <= ARENA_BYTES);
    mp_network* stranger = NULL;
    CHECK(mp_create(6, other, 2, second_arena, ARENA_BYTES, 1, &stranger) == MP_OK);
    CHECK_REFUSED(mp_restore_checkpoint(stranger, &storage, &info), MP_MODEL_SHAPE_MISMATCH, second_arena,
                  other_need);
    CHECK(flash.rule_violations == 0);
}

/* --- model files into mini-batch networks ------------------------------------------------- */

static void test_create_from_model_minibatch(void) {
    size_t need = 0;
    CHECK(mp_required_size(6, classifier, 2, &need) == MP_OK);
    mp_network* net = NULL;
    CHECK(mp_create(6, classifier, 2, arena, ARENA_BYTES, 31, &net) == MP_OK);
    unsigned state = 8;
    float x[6], y[4], y_batched[4];
    for (int i = 0; i < 30; ++i) {
        const unsigned label = next_sample(&state, x);
        CHECK(mp_train_step(net, x, label, 0.2f, NULL) == MP_OK);
    }
    size_t written = 0;
    CHECK(mp_save(net, model, sizeof model, &written) == MP_OK);

    size_t online_bytes = 0, batch_bytes = 0, shape_bytes = 0;
    CHECK(mp_model_required_size(model, written, &online_bytes) == MP_OK && online_bytes == need);
    CHECK(mp_model_required_size_minibatch(model, written, &batch_bytes) == MP_OK);
    CHECK(mp_required_size_minibatch(6, classifier, 2, &shape_bytes) == MP_OK && batch_bytes == shape_bytes);
    CHECK(batch_bytes > online_bytes && batch_bytes <= ARENA_BYTES);

    mp_network* batched = NULL;
    CHECK(mp_create_from_model_minibatch(model, written, second_arena, batch_bytes - 1, &batched) ==
          MP_BUFFER_TOO_SMALL);
    CHECK(mp_create_from_model_minibatch(model, written, second_arena + 4, batch_bytes, &batched) ==
          MP_MISALIGNED_BUFFER);
    model[written / 2] ^= 0x10;
    CHECK(mp_create_from_model_minibatch(model, written, second_arena, ARENA_BYTES, &batched) == MP_MODEL_CORRUPT);
    CHECK(mp_model_required_size_minibatch(model, written, &batch_bytes) == MP_MODEL_CORRUPT);
    model[written / 2] ^= 0x10;
    CHECK(batched == NULL);
    CHECK(mp_create_from_model_minibatch(model, written, second_arena, batch_bytes, &batched) == MP_OK);
    CHECK(batched == (mp_network*)second_arena);
    CHECK(mp_steps(batched) == 30 && mp_batch_count(batched) == 0);
    CHECK(mp_predict(net, x, y) == MP_OK && mp_predict(batched, x, y_batched) == MP_OK);
    CHECK(memcmp(y, y_batched, sizeof y) == 0);

    /* It learns in batches; the network created online from the same file does not. */
    mp_network* online = NULL;
    CHECK(mp_create_from_model(model, written, third_arena, ARENA_BYTES, &online) == MP_OK);
    CHECK(mp_accumulate(batched, x, 1, NULL) == MP_OK && mp_batch_count(batched) == 1);
    CHECK(mp_apply_batch(batched, 0.2f) == MP_OK && mp_steps(batched) == 31);
    CHECK(mp_accumulate(online, x, 1, NULL) == MP_NO_GRADIENTS);
    /* A re-opened mini-batch buffer is still one. */
    mp_network* reopened = NULL;
    CHECK(mp_attach(second_arena, batch_bytes, &reopened) == MP_OK && reopened == batched);
    CHECK(mp_accumulate(reopened, x, 2, NULL) == MP_OK && mp_batch_count(reopened) == 1);
}

/* --- NULL and foreign handles, NULL pointers ------------------------------------------------ */

static void test_null_handles(void) {
    /* model[] holds a model file, not a network: a foreign handle. */
    mp_network* const handles[2] = {NULL, (mp_network*)model};
    const float x[6] = {0}, target[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    float y[4], w[72] = {0}, b[12] = {0};
    uint32_t rows;
    mp_checkpoint_storage storage = {NULL, SLOT_BYTES, 8, flash_read, flash_write, flash_erase};
    for (int h = 0; h < 2; ++h) {
        mp_network* net = handles[h];
        CHECK(mp_input_size(net) == 0 && mp_output_size(net) == 0 && mp_steps(net) == 0);
        CHECK(mp_batch_count(net) == 0 && mp_layer_count(net) == 0 && mp_model_size(net) == 0);
        CHECK(mp_output(net) == NULL);
        CHECK(mp_set_input_limit(net, 1.0f) == MP_NOT_A_NETWORK);
        CHECK(mp_train_step(net, x, 0, 0.1f, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_train_step_target(net, x, target, 0.1f, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_train_then_predict(net, 0, 0.1f, x, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_train_then_predict_target(net, target, 0.1f, x, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_accumulate(net, x, 0, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_accumulate_target(net, x, target, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_apply_batch(net, 0.1f) == MP_NOT_A_NETWORK);
        CHECK(mp_predict(net, x, y) == MP_NOT_A_NETWORK);
        CHECK(mp_layer_shape(net, 0, &rows, NULL, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_set_layer(net, 0, w, b) == MP_NOT_A_NETWORK);
        CHECK(mp_get_layer(net, 0, w, b) == MP_NOT_A_NETWORK);
        CHECK(mp_save(net, scratch, sizeof scratch, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_load(net, scratch, sizeof scratch) == MP_NOT_A_NETWORK);
        CHECK(mp_save_checkpoint(net, &storage, NULL) == MP_NOT_A_NETWORK);
        CHECK(mp_restore_checkpoint(net, &storage, NULL) == MP_NOT_A_NETWORK);
    }
    mp_network* out = NULL;
    CHECK(mp_attach(NULL, ARENA_BYTES, &out) == MP_NOT_A_NETWORK && out == NULL);

    /* NULL where a pointer is needed, with a valid network: MP_NULL_ARGUMENT and no
     * byte written. */
    size_t need = 0, written = 0;
    CHECK(mp_required_size(6, classifier, 2, &need) == MP_OK);
    mp_network* net = NULL;
    CHECK(mp_create(6, classifier, 2, arena, ARENA_BYTES, 1, &net) == MP_OK);
    CHECK(mp_predict(net, x, NULL) == MP_OK);  /* y may be NULL; a forward pass is pending */
    CHECK_REFUSED(mp_train_step(net, NULL, 0, 0.1f, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_train_step_target(net, NULL, target, 0.1f, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_train_step_target(net, x, NULL, 0.1f, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_predict(net, NULL, y), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_save(net, NULL, 4096, &written), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_load(net, NULL, 4096), MP_NULL_ARGUMENT, arena, need);
    CHECK_REFUSED(mp_attach(arena, ARENA_BYTES, NULL), MP_NULL_ARGUMENT, arena, need);
    CHECK(mp_train_then_predict(net, 0, 0.1f, NULL, NULL) == MP_OK);  /* x_next may be NULL */

    /* The creating functions: nothing written to the buffer or to *out. */
    memset(third_arena, 0x5A, ARENA_BYTES);
    CHECK(mp_required_size(6, NULL, 2, &need) == MP_NULL_ARGUMENT);
    CHECK(mp_required_size(6, classifier, 2, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_required_size_minibatch(6, NULL, 2, &need) == MP_NULL_ARGUMENT);
    CHECK(mp_required_size_minibatch(6, classifier, 2, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_create(6, NULL, 2, third_arena, ARENA_BYTES, 1, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create(6, classifier, 2, NULL, ARENA_BYTES, 1, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create(6, classifier, 2, third_arena, ARENA_BYTES, 1, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_create_minibatch(6, NULL, 2, third_arena, ARENA_BYTES, 1, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create_minibatch(6, classifier, 2, NULL, ARENA_BYTES, 1, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create_minibatch(6, classifier, 2, third_arena, ARENA_BYTES, 1, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_save(net, model, sizeof model, &written) == MP_OK);
    CHECK(mp_model_required_size(NULL, written, &need) == MP_NULL_ARGUMENT);
    CHECK(mp_model_required_size(model, written, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_model_required_size_minibatch(NULL, written, &need) == MP_NULL_ARGUMENT);
    CHECK(mp_model_required_size_minibatch(model, written, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_create_from_model(NULL, written, third_arena, ARENA_BYTES, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create_from_model(model, written, NULL, ARENA_BYTES, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create_from_model(model, written, third_arena, ARENA_BYTES, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_create_from_model_minibatch(NULL, written, third_arena, ARENA_BYTES, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create_from_model_minibatch(model, written, NULL, ARENA_BYTES, &out) == MP_NULL_ARGUMENT);
    CHECK(mp_create_from_model_minibatch(model, written, third_arena, ARENA_BYTES, NULL) == MP_NULL_ARGUMENT);
    CHECK(out == NULL);
    for (size_t i = 0; i < ARENA_BYTES; ++i)
        if (third_arena[i] != 0x5A) {
            CHECK(third_arena[i] == 0x5A);
            break;
        }
}

/* --- fine-tuning with a backbone in flash, and learning-rate schedules ------------------------ */
static void test_backbone_and_schedules(void) {
    /* The whole 6-12-4 classifier with layer 0 frozen, against layer 0 as const arrays in
     * flash and layer 1 as a head network: the same losses, outputs and head, bit for bit. */
    mp_network* whole = NULL;
    mp_network* head = NULL;
    size_t need_whole = 0, need_head = 0;
    const mp_layer head_layers[1] = {{4, MP_SOFTMAX}};
    CHECK(mp_create(6, classifier, 2, arena, sizeof arena, 3, &whole) == MP_OK);
    CHECK(mp_required_size(6, classifier, 2, &need_whole) == MP_OK);
    CHECK(mp_create(12, head_layers, 1, second_arena, sizeof second_arena, 1, &head) == MP_OK);
    CHECK(mp_required_size(12, head_layers, 1, &need_head) == MP_OK);
    CHECK(mp_set_trainable(whole, 1, 0) == MP_OK);

    static _Alignas(64) float w0[12 * 16];
    static float packed0[12 * 6], b0[12], w1[4 * 12], b1[4];
    const uint32_t stride = (6 + mp_row_floats() - 1) / mp_row_floats() * mp_row_floats();
    CHECK(mp_get_layer(whole, 0, packed0, b0) == MP_OK);
    for (unsigned r = 0; r < 12; ++r)
        for (unsigned c = 0; c < stride; ++c) w0[r * stride + c] = c < 6 ? packed0[r * 6 + c] : 0.0f;
    CHECK(mp_get_layer(whole, 1, w1, b1) == MP_OK);
    CHECK(mp_set_layer(head, 0, w1, b1) == MP_OK);
    const uint32_t outputs[1] = {12};
    const uint8_t activations[1] = {MP_SIGMOID};
    const float* const weights[1] = {w0};
    const float* const biases[1] = {b0};
    const mp_flash_network backbone = {6, 1, mp_row_floats(), outputs, activations, weights, biases};
    const size_t scratch_floats = mp_backbone_scratch_floats(&backbone);
    CHECK(scratch_floats > 0 && scratch_floats <= sizeof scratch / sizeof scratch[0]);

    unsigned state = 99;
    float x[6], y_whole[4], y_split[4];
    for (int i = 0; i < 300; ++i) {
        const unsigned label = next_sample(&state, x);
        float loss_whole = -1.0f, loss_split = -2.0f;
        CHECK(mp_train_step(whole, x, label, 0.2f, &loss_whole) == MP_OK);
        CHECK(mp_backbone_train_step(&backbone, head, x, label, 0.2f, scratch, scratch_floats, &loss_split) == MP_OK);
        CHECK(memcmp(&loss_whole, &loss_split, sizeof loss_whole) == 0);
    }
    CHECK(mp_predict(whole, x, y_whole) == MP_OK);
    CHECK(mp_backbone_predict(&backbone, head, x, y_split, scratch, scratch_floats) == MP_OK);
    CHECK(memcmp(y_whole, y_split, sizeof y_whole) == 0);
    {
        float w_whole[4 * 12], b_whole[4], w_head[4 * 12], b_head[4];
        CHECK(mp_get_layer(whole, 1, w_whole, b_whole) == MP_OK && mp_get_layer(head, 0, w_head, b_head) == MP_OK);
        CHECK(memcmp(w_whole, w_head, sizeof w_whole) == 0 && memcmp(b_whole, b_head, sizeof b_whole) == 0);
    }
    /* Refusals leave the head as it was. */
    x[1] = NAN;
    CHECK_REFUSED(mp_backbone_train_step(&backbone, head, x, 1, 0.2f, scratch, scratch_floats, NULL),
                  MP_NON_FINITE_INPUT, second_arena, need_head);
    x[1] = 0.5f;
    CHECK_REFUSED(mp_backbone_train_step(&backbone, head, x, 4, 0.2f, scratch, scratch_floats, NULL),
                  MP_LABEL_OUT_OF_RANGE, second_arena, need_head);
    CHECK_REFUSED(mp_backbone_train_step(&backbone, head, x, 1, 0.2f, scratch, scratch_floats - 1, NULL),
                  MP_BUFFER_TOO_SMALL, second_arena, need_head);
    CHECK_REFUSED(mp_backbone_train_step(&backbone, whole, x, 1, 0.2f, scratch, scratch_floats, NULL),
                  MP_INVALID_SHAPE, arena, need_whole);
    CHECK(mp_backbone_train_step(NULL, head, x, 1, 0.2f, scratch, scratch_floats, NULL) == MP_NULL_ARGUMENT);
    CHECK(mp_backbone_predict(&backbone, NULL, x, y_split, scratch, scratch_floats) == MP_NOT_A_NETWORK);
    CHECK(mp_backbone_scratch_floats(NULL) == 0);

    /* Schedules: exact values where the arithmetic is exact, refusals as rate 0. */
    const mp_schedule decay = mp_schedule_step_decay(0.1f, 0.5f, 10);
    CHECK(mp_schedule_is_valid(&decay) == 1);
    CHECK(mp_learning_rate(&decay, 0) == 0.1f && mp_learning_rate(&decay, 9) == 0.1f);
    CHECK(mp_learning_rate(&decay, 25) == 0.1f * 0.25f);
    const mp_schedule cosine = mp_schedule_cosine_restarts(0.2f, 8, 2, 0.0f);
    CHECK(mp_learning_rate(&cosine, 0) == 0.2f && mp_learning_rate(&cosine, 8) == 0.2f);
    CHECK(mp_learning_rate(&cosine, 4) < 0.2f && mp_learning_rate(&cosine, 4) > 0.0f);
    const mp_schedule constant = mp_schedule_constant(0.05f);
    CHECK(mp_learning_rate(&constant, 123456789) == 0.05f);
    const mp_schedule growing = mp_schedule_exponential(0.1f, 2.0f);
    CHECK(mp_schedule_is_valid(&growing) == 0 && mp_learning_rate(&growing, 3) == 0.0f);
    CHECK(mp_schedule_is_valid(NULL) == 0 && mp_learning_rate(NULL, 0) == 0.0f);
    const mp_schedule inverse = mp_schedule_inverse_time(0.1f, 1.0f);
    CHECK(mp_learning_rate(&inverse, 1) == 0.1f / 2.0f);
    /* The rate of a network's next step: mp_steps() is the schedule's position. */
    CHECK(mp_train_step(whole, x, 1, mp_learning_rate(&decay, mp_steps(whole)), NULL) == MP_OK);
}

int main(void) {
    test_online_classifier();
    test_flash_prediction();
    test_layers();
    test_minibatch();
    test_train_then_predict_target();
    test_checkpoints();
    test_create_from_model_minibatch();
    test_null_handles();
    test_backbone_and_schedules();
    printf("C API: %s\n", failures == 0 ? "all checks passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
