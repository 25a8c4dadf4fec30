// The RAM each way of adapting the digits network needs, from the library's own figures
// (tools/adapt_demo.py prints them beside the accuracies; nothing is typed by hand):
//   full fine-tuning: the whole 64-32-10 network in RAM;
//   head only: layer 2 in RAM (an Mlp of its own), layer 1 in flash, read through
//     frozen_backbone, whose scratch buffer holds the backbone's pass and its outputs;
//   bias-only: the whole network in RAM, as for full fine-tuning (bias-only steps need
//     every layer's deltas; with the weights in flash only the biases would need RAM, but
//     microprop has no such network yet).
// One `name: bytes` line each, for the script.
#include <cstdio>

#include <microprop/microprop.hpp>
using namespace microprop;

using Whole = Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>>;
using Backbone = Mlp<64, Dense<32, Sigmoid>>;  // only for the size of its parameters in flash
using Head = Mlp<32, Dense<10, Softmax>>;

int main() {
    // The backbone's description, as `microprop export --c-header` writes it; the scratch
    // size depends on the shape only, so no weights are needed here.
    const std::uint32_t outputs[1] = {32};
    const std::uint8_t codes[1] = {static_cast<std::uint8_t>(activation::sigmoid)};
    const flash_network backbone{64, 1, static_cast<std::uint32_t>(row_floats), outputs, codes, nullptr, nullptr};
    const std::size_t scratch = frozen_backbone_scratch_floats(backbone) * sizeof(float);

    std::printf("row floats: %zu\n", row_floats);
    std::printf("full: %zu\n", Whole::footprint().total);
    std::printf("head arena: %zu\n", Head::footprint().total);
    std::printf("backbone scratch: %zu\n", scratch);
    std::printf("head: %zu\n", Head::footprint().total + scratch);
    std::printf("bias-only: %zu\n", Whole::footprint().total);
    std::printf("backbone flash: %zu\n", Backbone::footprint().weights + Backbone::footprint().biases);
    return 0;
}
