/* The exported header from C (C11, strict): the flash arrays and the model bytes it holds
 * predict the same, bit for bit, through the C API (mp_predict_flash and mp_predict on a
 * network created from the embedded model file). */
#include <stdio.h>
#include <string.h>

#include "microprop/microprop.h"
#include "roundtrip_model.h"

static _Alignas(64) unsigned char arena[1 << 16];
static _Alignas(64) float scratch[4096];

int main(void) {
    const mp_flash_network flash = {ROUNDTRIP_INPUTS, ROUNDTRIP_LAYER_COUNT, ROUNDTRIP_ROW_FLOATS,
                                    roundtrip_layer_outputs, roundtrip_layer_activations,
                                    roundtrip_weights, roundtrip_biases};
    mp_network* net = NULL;
    mp_status s = mp_create_from_model(roundtrip_model, sizeof roundtrip_model, arena, sizeof arena, &net);
    if (s != MP_OK || mp_row_floats() != ROUNDTRIP_ROW_FLOATS ||
        mp_flash_scratch_floats(&flash) > sizeof scratch / sizeof scratch[0]) {
        printf("setup failed: %s\n", mp_status_message(s));
        return 1;
    }
    unsigned seed = 1;
    for (int sample = 0; sample < 100; ++sample) {
        float x[ROUNDTRIP_INPUTS], from_flash[ROUNDTRIP_OUTPUTS], from_model[ROUNDTRIP_OUTPUTS];
        for (int i = 0; i < ROUNDTRIP_INPUTS; ++i) {
            seed = seed * 1103515245u + 12345u;
            x[i] = (float)(seed >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
        }
        if (mp_predict_flash(&flash, x, from_flash, scratch, sizeof scratch / sizeof scratch[0]) != MP_OK ||
            mp_predict(net, x, from_model) != MP_OK || memcmp(from_flash, from_model, sizeof from_flash) != 0) {
            printf("sample %d: flash and model predictions differ\n", sample);
            return 1;
        }
    }
    printf("exported header from C: all checks passed\n");
    return 0;
}
