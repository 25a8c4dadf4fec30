// Firmware for a Cortex-M board: the README's digits network (64 pixels, 32 sigmoid units,
// 10 classes with softmax) learns online on the board, one handwritten digit at a time,
// from the training stream stored in flash (digits_train.h, generated at build time from
// examples/data/digits-train.csv). Each digit is predicted before the network trains on it
// (test-then-train), so the running accuracy is measured on digits it has not yet learned;
// at the end it classifies the 300 held-out digits (digits_test.h). Seed, learning rate and
// epochs are those of the host demo (digits_settings.cmake), so the accuracies compare with
// `microprop train` on the host. Linked with the heap poisoned (poisoned_heap.cpp); output
// through write() (print.hpp), not printf.
#include <cstddef>
#include <cstdint>

#include "digits_test.h"
#include "digits_train.h"
#include "microprop/microprop.hpp"
#include "print.hpp"

namespace {

using firmware::print;
using namespace microprop;

constexpr std::uint32_t pixels = 64, classes = 10;
constexpr std::uint64_t seed = MICROPROP_DIGITS_SEED;
constexpr std::uint32_t epochs = MICROPROP_DIGITS_EPOCHS;
const float eta = static_cast<float>(MICROPROP_DIGITS_ETA);
constexpr std::uint32_t report_every = 500;
static_assert(DIGITS_TRAIN_PIXELS == pixels && DIGITS_TEST_PIXELS == pixels, "8x8 digits");

// The network is static: its every byte is in the map file, none on the heap.
Mlp<pixels, Dense<32, Sigmoid>, Dense<classes, Softmax>> net(seed);

// A digit from flash as the network's input: k / 16, the CSV's value exactly.
void load(const std::uint8_t (&stored)[pixels], float* x) {
    for (std::uint32_t i = 0; i < pixels; ++i) x[i] = static_cast<float>(stored[i]) * 0.0625f;
}

std::uint32_t argmax(const float* y) {
    std::uint32_t best = 0;
    for (std::uint32_t c = 1; c < classes; ++c) best = y[c] > y[best] ? c : best;
    return best;
}

// "93.7 % (281 of 300)": the percentage to one decimal, rounded, in integers.
void print_accuracy(std::uint32_t hits, std::uint32_t total) {
    const std::uint32_t tenths = (hits * 1000 + total / 2) / total;
    print(tenths / 10);
    print(".");
    print(tenths % 10);
    print(" % (");
    print(hits);
    print(" of ");
    print(total);
    print(")");
}

// A non-negative float with three decimals (mean losses).
void print_milli(float v) {
    const auto milli = static_cast<std::uint32_t>(v * 1000.0f + 0.5f);
    print(milli / 1000);
    print(".");
    const std::uint32_t frac = milli % 1000;
    print(frac < 100 ? (frac < 10 ? "00" : "0") : "");
    print(frac);
}

bool refused(status s, const char* call) {
    if (s == status::ok) return false;
    // The code, not status_message(): its table of texts is 700 bytes of flash.
    print("digits firmware: ");
    print(call);
    print(" refused, status ");
    print(static_cast<std::uint32_t>(s));
    print("\n");
    return true;
}

}  // namespace

int main() {
    print("digits firmware: 64-32-10 sigmoid/softmax network, ");
    print(static_cast<std::uint32_t>(sizeof net));
    print(" bytes of RAM, ");
    print(active_kernels().name);
    print(" kernels, seed ");
    print(static_cast<std::uint32_t>(seed));
    print(", eta ");
    print_milli(eta);
    print("\n");
    print("learning online from ");
    print(DIGITS_TRAIN_COUNT);
    print(" digits in flash, ");
    print(epochs);
    print(" epochs, each digit predicted before it is learned\n");

    // The pipelined step: each call learns the digit predicted last and predicts the next
    // one, bit-identical to train_step followed by predict.
    constexpr std::uint32_t per_epoch = DIGITS_TRAIN_COUNT;
    float x[pixels];
    load(digits_train_pixels[0], x);
    if (refused(net.predict(x), "predict")) return 1;
    std::uint32_t epoch_hits = 0, window_hits = 0;
    float window_loss = 0.0f;
    for (std::uint32_t epoch = 1; epoch <= epochs; ++epoch) {
        for (std::uint32_t i = 0; i < per_epoch; ++i) {
            const std::uint32_t label = digits_train_labels[i];
            const bool hit = argmax(net.output()) == label;  // the prediction for digit i
            epoch_hits += hit;
            window_hits += hit;
            const bool last = epoch == epochs && i + 1 == per_epoch;
            if (!last) load(digits_train_pixels[(i + 1) % per_epoch], x);
            float loss = 0.0f;
            if (refused(net.train_then_predict(label, eta, last ? nullptr : x, &loss), "train_then_predict"))
                return 1;
            window_loss += loss;
            const std::uint32_t seen = i + 1;
            if (seen % report_every == 0 || seen == per_epoch) {
                const std::uint32_t window = seen % report_every == 0 ? report_every : seen % report_every;
                print("epoch ");
                print(epoch);
                print(", digits ");
                print(seen);
                print(": running accuracy ");
                print_accuracy(window_hits, window);
                print(", mean loss ");
                print_milli(window_loss / static_cast<float>(window));
                print("\n");
                window_hits = 0;
                window_loss = 0.0f;
            }
        }
        print("epoch ");
        print(epoch);
        print(": prequential accuracy ");
        print_accuracy(epoch_hits, per_epoch);
        print("\n");
        epoch_hits = 0;
    }

    std::uint32_t hits = 0;
    for (std::uint32_t i = 0; i < DIGITS_TEST_COUNT; ++i) {
        float y[classes];
        load(digits_test_pixels[i], x);
        if (refused(net.predict(x, y), "predict")) return 1;
        hits += argmax(y) == digits_test_labels[i];
    }
    print("held-out accuracy ");
    print_accuracy(hits, DIGITS_TEST_COUNT);
    print("\n");
    // The run fails loudly if learning broke; the host reaches about 95 %.
    const bool learned = hits * 100 >= 90 * DIGITS_TEST_COUNT;
    print(learned ? "digits firmware: done\n" : "digits firmware: FAILED, held-out accuracy below 90 %\n");
    return learned ? 0 : 1;
}
