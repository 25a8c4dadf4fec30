// The adaptation demo's head-only run on a board (docs/fine-tuning.md): the digits model
// trained on the host (digits_model.h, the export of digits_model.mpm) meets digits
// shifted one pixel right and down (tools/shift_digits.py, as headers generated at build
// time). Layer 1 stays in flash as a one-layer flash_network over the exported arrays; the
// output layer is an Mlp in RAM, set from the same header, and learns the shifted stream
// through frozen_backbone, online, as `microprop train --init digits_model.mpm --freeze 1`
// does on the host (the same settings, digits_settings.cmake). Prints the shifted test
// set's accuracy before and after, the RAM training needs and the instructions per step
// (SysTick, exact under qemu -icount shift=0). Linked with the heap poisoned.
#include <microprop/microprop.hpp>

#include "adapt_stream.h"
#include "adapt_test.h"
#include "digits_model.h"
#include "print.hpp"

#if !defined(MICROPROP_INSTRUCTIONS_PER_TICK) || !defined(MICROPROP_DIGITS_ADAPT_HITS)
#error "examples/firmware/CMakeLists.txt defines MICROPROP_INSTRUCTIONS_PER_TICK and MICROPROP_DIGITS_ADAPT_HITS"
#endif

using namespace microprop;
using firmware::print;

namespace {

using Head = Mlp<32, Dense<10, Softmax>>;
static_assert(DIGITS_LAYER_COUNT == 2 && DIGITS_ROW_FLOATS == row_floats, "the header is 64-32-10 for this board");
static_assert(32 % DIGITS_ROW_FLOATS == 0, "layer 2's exported rows are unpadded, as set_layer takes them");

// Layer 1 of the exported model, read where it is: the first entry of each array.
const flash_network backbone{DIGITS_INPUTS, 1, DIGITS_ROW_FLOATS, digits_layer_outputs,
                             digits_layer_activations, digits_weights, digits_biases};

Head head(no_initialization);
constexpr std::size_t scratch_floats = padded(DIGITS_INPUTS) + 3 * padded(32);
alignas(vector_alignment) float scratch[scratch_floats];
frozen_backbone<Head> net;

volatile std::uint32_t& systick_control = *reinterpret_cast<volatile std::uint32_t*>(0xE000E010u);
volatile std::uint32_t& systick_reload = *reinterpret_cast<volatile std::uint32_t*>(0xE000E014u);
volatile std::uint32_t& systick_value = *reinterpret_cast<volatile std::uint32_t*>(0xE000E018u);

void image(const std::uint8_t* pixels, float* x) {
    for (std::uint32_t i = 0; i < 64; ++i) x[i] = static_cast<float>(pixels[i]) / 16.0f;
}

std::uint32_t argmax(const float* y) {
    std::uint32_t best = 0;
    for (std::uint32_t c = 1; c < 10; ++c) best = y[c] > y[best] ? c : best;
    return best;
}

// "80.00% (240 of 300)", rounded as `microprop eval` rounds it.
void accuracy_line(const char* when, std::uint32_t hits) {
    const std::uint32_t total = ADAPT_TEST_COUNT;
    const std::uint32_t hundredths = (hits * 20000u + total) / (2u * total);
    print(when);
    print(hundredths / 100);
    print(hundredths % 100 < 10 ? ".0" : ".");
    print(hundredths % 100);
    print("% (");
    print(hits);
    print(" of ");
    print(total);
    print(")\n");
}

bool test_hits(std::uint32_t* hits) {
    float x[64], y[10];
    *hits = 0;
    for (std::uint32_t i = 0; i < ADAPT_TEST_COUNT; ++i) {
        image(adapt_test_pixels[i], x);
        if (net.predict(x, y) != status::ok) return false;
        *hits += argmax(y) == adapt_test_labels[i] ? 1u : 0u;
    }
    return true;
}

int fail(const char* what) {
    print("digits adapt firmware: FAILED, ");
    print(what);
    print("\n");
    return 1;
}

}  // namespace

int main() {
    if (head.set_layer(0, digits_w1, digits_b1) != status::ok) return fail("set_layer refused");
    if (frozen_backbone<Head>::bind(backbone, head, scratch, scratch_floats, &net) != status::ok)
        return fail("bind refused");
    std::uint32_t hits = 0;
    if (!test_hits(&hits)) return fail("predict refused");
    accuracy_line("shifted test set, before adaptation: accuracy ", hits);

    systick_reload = 0x00FFFFFFu;
    systick_value = 0;
    systick_control = 0x5u;  // enabled, processor clock, no interrupt
    std::uint64_t ticks = 0;
    std::uint32_t steps = 0;
    float x[64];
    for (std::uint32_t epoch = 0; epoch < MICROPROP_DIGITS_EPOCHS; ++epoch) {
        for (std::uint32_t i = 0; i < ADAPT_STREAM_COUNT; ++i) {
            image(adapt_stream_pixels[i], x);
            const std::uint32_t before = systick_value;
            const status s = net.train_step(x, adapt_stream_labels[i], static_cast<float>(MICROPROP_DIGITS_ETA));
            const std::uint32_t after = systick_value;
            if (s != status::ok) return fail("train_step refused");
            ticks += (before - after) & 0x00FFFFFFu;  // a down-counter, modulo 2^24
            ++steps;
        }
    }
    if (!test_hits(&hits)) return fail("predict refused");
    accuracy_line("shifted test set, head only (layer 1 in flash): accuracy ", hits);
    if (hits != MICROPROP_DIGITS_ADAPT_HITS) return fail("the host's --freeze 1 run classifies another count");

    const std::size_t scratch_bytes = frozen_backbone_scratch_floats(backbone) * sizeof(float);
    print("RAM for training: head ");
    print(static_cast<std::uint32_t>(sizeof head));
    print(" + backbone scratch ");
    print(static_cast<std::uint32_t>(scratch_bytes));
    print(" = ");
    print(static_cast<std::uint32_t>(sizeof head + scratch_bytes));
    print(" bytes; the whole network in RAM would take ");
    print(static_cast<std::uint32_t>(Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>>::footprint().total));
    print("\n");
    print("instructions per train_step (backbone pass + head step, mean of ");
    print(steps);
    print("; exact under -icount shift=0): ");
    print(static_cast<std::uint32_t>(static_cast<double>(ticks) * MICROPROP_INSTRUCTIONS_PER_TICK / steps + 0.5));
    print("\ndigits adapt firmware: done\n");
    return 0;
}
