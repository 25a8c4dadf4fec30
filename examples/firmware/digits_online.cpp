// Firmware for a Cortex-M board: the digits network of docs/demos.md (64 pixels, 32 sigmoid units,
// 10 classes with softmax) learns online on the board, one handwritten digit at a time,
// from the training stream stored in flash (digits_train.h, generated at build time from
// examples/data/digits-train.csv). Each digit is predicted before the network trains on it
// (test-then-train), so the running accuracy is measured on digits it has not yet learned;
// at the end it classifies the 300 held-out digits (digits_test.h). Seed, learning rate and
// epochs are those of the host demo (digits_settings.cmake), so the accuracies compare with
// `microprop train` on the host. With the portable scalar kernels (Cortex-M3) the board
// must learn, bit for bit, the model the host learned with them: digits_model.h, the flash
// firmware's model (digits_model.cmake). Linked with the heap poisoned (poisoned_heap.cpp);
// output through write() (print.hpp), not printf.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "digits_model.h"
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
constexpr std::uint32_t report_every = 500;  // as the demo's `microprop train --progress-every`
static_assert(DIGITS_TRAIN_PIXELS == pixels && DIGITS_TEST_PIXELS == pixels, "8x8 digits");

// The network is static: its every byte is in the map file, none on the heap.
Mlp<pixels, Dense<32, Sigmoid>, Dense<classes, Softmax>> net(seed);

// The trained model as a file (docs/model-format.md), to compare with the host's: its last
// four bytes are the CRC-32 of the rest, equal for bit-identical weights.
constexpr std::size_t model_bytes =
    model_file_size(network_shape{pixels, 2, {{32, activation::sigmoid}, {classes, activation::softmax}}});
unsigned char model[model_bytes];

void print_hex(std::uint32_t v) {
    char text[11] = "0x";
    for (int d = 0; d < 8; ++d) text[2 + d] = "0123456789abcdef"[(v >> (28 - 4 * d)) & 0xF];
    text[10] = '\0';
    print(text);
}

// A digit from flash as the network's input: k / 16, the CSV's value exactly.
void load(const std::uint8_t (&stored)[pixels], float* x) {
    for (std::uint32_t i = 0; i < pixels; ++i) x[i] = static_cast<float>(stored[i]) * 0.0625f;
}

std::uint32_t argmax(const float* y) {
    std::uint32_t best = 0;
    for (std::uint32_t c = 1; c < classes; ++c) best = y[c] > y[best] ? c : best;
    return best;
}

// A non-negative value with `decimals` decimals, rounded (the firmware has no printf).
void print_fixed(double v, std::uint32_t decimals) {
    std::uint32_t scale = 1;
    for (std::uint32_t d = 0; d < decimals; ++d) scale *= 10;
    const auto scaled = static_cast<std::uint32_t>(v * scale + 0.5);
    print(scaled / scale);
    if (decimals == 0) return;
    print(".");
    for (std::uint32_t rest = scaled % scale, d = scale / 10; d > 0; d /= 10) {
        print(rest / d);
        rest %= d;
    }
}

// "96.33% (289 of 300)", as `microprop train` reports it.
void print_accuracy(std::uint32_t hits, std::uint32_t total) {
    print_fixed(100.0 * hits / total, 2);
    print("% (");
    print(hits);
    print(" of ");
    print(total);
    print(")");
}

// Counts since the start of a stretch of the stream.
struct tally {
    std::uint32_t seen = 0, hits = 0;
    double loss = 0.0;  // sum of the sample losses, each before its update
    void add(bool hit, float l) {
        ++seen;
        hits += hit;
        loss += static_cast<double>(l);
    }
};

void print_summary(const tally& t) {
    print("accuracy ");
    print_accuracy(t.hits, t.seen);
    print(", mean loss ");
    print_fixed(t.loss / t.seen, 4);
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
    print("digits firmware: 64-32-10 (sigmoid, softmax) network, ");
    print(static_cast<std::uint32_t>(sizeof net));
    print(" bytes of RAM, ");
    print(active_kernels().name);
    print(" kernels\n");
    print("learning online from the ");
    print(DIGITS_TRAIN_COUNT);
    print(" digits in flash, ");
    print(epochs);
    print(" epochs, eta ");
    print_fixed(static_cast<double>(eta), 3);
    print(", seed ");
    print(static_cast<std::uint32_t>(seed));
    print(", each digit predicted before it is learned\n");

    // The pipelined step, as `microprop train` runs it: each call learns the digit
    // predicted last and predicts the next one (bit-identical to train_step + predict).
    constexpr std::uint32_t n = DIGITS_TRAIN_COUNT, total = n * epochs;
    float x[pixels];
    load(digits_train_pixels[0], x);
    if (refused(net.predict(x), "predict")) return 1;
    tally all, window, epoch[epochs];
    for (std::uint32_t t = 0; t < total; ++t) {
        const std::uint32_t i = t % n, label = digits_train_labels[i];
        const bool hit = argmax(net.output()) == label;  // the prediction for digit i
        const bool last = t + 1 == total;
        if (!last) load(digits_train_pixels[(t + 1) % n], x);
        float loss = 0.0f;
        if (refused(net.train_then_predict(label, eta, last ? nullptr : x, &loss), "train_then_predict")) return 1;
        all.add(hit, loss);
        window.add(hit, loss);
        epoch[t / n].add(hit, loss);
        if (all.seen % report_every == 0) {
            print("  ");
            print(all.seen);
            print(" digits: ");
            print_summary(all);
            print(" (last ");
            print(report_every);
            print(": ");
            print_accuracy(window.hits, window.seen);
            print(")\n");
            window = tally{};
        }
    }
    for (std::uint32_t e = 0; e < epochs; ++e) {
        print("  epoch ");
        print(e + 1);
        print(": prequential ");
        print_summary(epoch[e]);
        print("\n");
    }
    print("prequential (predict, then learn): ");
    print_summary(all);
    print("\n");

    std::uint32_t hits = 0;
    for (std::uint32_t i = 0; i < DIGITS_TEST_COUNT; ++i) {
        float y[classes];
        load(digits_test_pixels[i], x);
        if (refused(net.predict(x, y), "predict")) return 1;
        hits += argmax(y) == digits_test_labels[i];
    }
    print("held-out (");
    print(DIGITS_TEST_COUNT);
    print(" digits in flash): accuracy ");
    print_accuracy(hits, DIGITS_TEST_COUNT);
    print("\n");
    std::size_t written = 0;
    if (refused(net.save(model, sizeof model, &written), "save")) return 1;
    std::uint32_t crc = 0;
    for (int b = 3; b >= 0; --b) crc = crc << 8 | model[written - 4 + static_cast<std::size_t>(b)];
    print("model file: ");
    print(static_cast<std::uint32_t>(written));
    print(" bytes, CRC-32 ");
    print_hex(crc);
    print(" (equal CRCs: equal weights, bit for bit)\n");
    // The scalar kernels round the same way everywhere: the host's model is this one.
    if (std::strcmp(active_kernels().name, "scalar") == 0) {
        const bool same = written == sizeof digits_model && std::memcmp(model, digits_model, written) == 0;
        print(same ? "identical, byte for byte, to the model the host learned with the scalar kernels "
                     "(examples/firmware/digits_model.mpm)\n"
                   : "digits firmware: FAILED, the scalar kernels learned another model than on the host "
                     "(examples/firmware/digits_model.mpm)\n");
        if (!same) return 1;
    }

    // The run fails loudly if learning broke (the host reaches 96 %).
    const bool learned = hits * 100 >= 90 * DIGITS_TEST_COUNT;
    print(learned ? "digits firmware: done\n" : "digits firmware: FAILED, held-out accuracy below 90 %\n");
    return learned ? 0 : 1;
}
