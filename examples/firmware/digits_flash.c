/* Firmware in C for a Cortex-M board: a digits network trained on the host predicts from
 * flash. digits_model.h is what `microprop export --c-header --name digits --row-floats 4`
 * wrote for examples/firmware/digits_model.mpm (the host test firmware_model_header checks
 * that it still does): const arrays that mp_predict_flash() reads where they are, so the
 * 2,410 parameters cost flash, not RAM. The firmware classifies the 300 held-out digits
 * (digits_test.h, generated at build time from examples/data/digits-test.csv) and prints
 * the accuracy, which must equal `microprop eval` on the host (digits_model.cmake records
 * it). The same header's model file bytes, loaded into RAM with mp_create_from_model(),
 * must give the same predictions bit for bit. Linked with the heap poisoned. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "digits_model.h"
#include "digits_test.h"
#include "microprop/microprop.h"

/* Output straight to the semihosting console: printf would allocate (heap poisoned). */
static void print(const char* text) {
    const ssize_t ignored = write(1, text, strlen(text));
    (void)ignored;
}

static void print_u32(uint32_t value) {
    char text[12];
    size_t n = sizeof text - 1;
    text[n] = '\0';
    do {
        text[--n] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    print(text + n);
}

/* "96.33% (289 of 300)", as `microprop eval` rounds it. */
static void print_accuracy(uint32_t hits, uint32_t total) {
    const uint32_t hundredths = (hits * 20000u + total) / (2u * total);
    print_u32(hundredths / 100);
    print(hundredths % 100 < 10 ? ".0" : ".");
    print_u32(hundredths % 100);
    print("% (");
    print_u32(hits);
    print(" of ");
    print_u32(total);
    print(")");
}

static int refused(mp_status s, const char* call) {
    if (s == MP_OK) return 0;
    print("digits flash firmware: ");
    print(call);
    print(" refused: ");
    print(mp_status_message(s));
    print("\n");
    return 1;
}

static uint32_t argmax(const float* y, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t c = 1; c < n; ++c) best = y[c] > y[best] ? c : best;
    return best;
}

/* The network as it sits in flash: the exported arrays, described for mp_predict_flash. */
static const mp_flash_network digits = {DIGITS_INPUTS,        DIGITS_LAYER_COUNT,       DIGITS_ROW_FLOATS,
                                        digits_layer_outputs, digits_layer_activations, digits_weights,
                                        digits_biases};

/* RAM: the forward pass's scratch (input copy and two layer outputs), and an arena for the
 * copy loaded from the model file bytes. */
static _Alignas(64) float scratch[64 + 2 * 32];
static _Alignas(64) unsigned char arena[16384];

int main(void) {
    if (mp_flash_scratch_floats(&digits) > sizeof scratch / sizeof scratch[0]) {
        print("digits flash firmware: scratch too small\n");
        return 1;
    }
    print("digits flash firmware: 64-32-10 (sigmoid, softmax) network exported by the host, ");
    print_u32((uint32_t)(sizeof digits_w0 + sizeof digits_b0 + sizeof digits_w1 + sizeof digits_b1));
    print(" bytes of parameters in flash, ");
    print_u32((uint32_t)sizeof scratch);
    print(" bytes of scratch in RAM\n");

    mp_network* loaded = NULL;
    size_t need = 0;
    if (refused(mp_model_required_size(digits_model, sizeof digits_model, &need), "mp_model_required_size") ||
        refused(mp_create_from_model(digits_model, sizeof digits_model, arena, sizeof arena, &loaded),
                "mp_create_from_model"))
        return 1;

    uint32_t hits = 0, same = 0;
    for (uint32_t i = 0; i < DIGITS_TEST_COUNT; ++i) {
        float x[DIGITS_INPUTS], y[DIGITS_OUTPUTS], y_ram[DIGITS_OUTPUTS];
        for (uint32_t p = 0; p < DIGITS_INPUTS; ++p) x[p] = (float)digits_test_pixels[i][p] * 0.0625f;
        if (refused(mp_predict_flash(&digits, x, y, scratch, sizeof scratch / sizeof scratch[0]), "mp_predict_flash") ||
            refused(mp_predict(loaded, x, y_ram), "mp_predict"))
            return 1;
        hits += argmax(y, DIGITS_OUTPUTS) == digits_test_labels[i];
        same += memcmp(y, y_ram, sizeof y) == 0;
    }
    print("held-out (");
    print_u32(DIGITS_TEST_COUNT);
    print(" digits in flash): accuracy ");
    print_accuracy(hits, DIGITS_TEST_COUNT);
    print("\n");
    print("the model file's copy in RAM (");
    print_u32((uint32_t)need);
    print(" bytes, mp_create_from_model) agrees bit for bit on ");
    print_u32(same);
    print(" of ");
    print_u32(DIGITS_TEST_COUNT);
    print(" digits\n");

    if (hits != MICROPROP_DIGITS_MODEL_HITS) {
        print("digits flash firmware: FAILED, the host's `microprop eval` counts ");
        print_u32(MICROPROP_DIGITS_MODEL_HITS);
        print(" correct\n");
        return 1;
    }
    if (same != DIGITS_TEST_COUNT) {
        print("digits flash firmware: FAILED, flash and RAM predictions differ\n");
        return 1;
    }
    print("digits flash firmware: done, the host's accuracy\n");
    return 0;
}
