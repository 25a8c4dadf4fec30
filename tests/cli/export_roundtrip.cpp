// A header written by `microprop export --c-header` (generated at build time from a model
// the tool trained, with this build's row padding) compiled into a program: its arrays
// must hold the model's parameters bit for bit in flash_network's layout, its model bytes
// must be the file's, and flash prediction must equal the network's.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "microprop/microprop.hpp"
#include "roundtrip_model.h"

using namespace microprop;

namespace {

std::string read_all(const std::string& path) {
    std::string bytes;
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        char chunk[4096];
        std::size_t n;
        while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) bytes.append(chunk, n);
        std::fclose(f);
    }
    return bytes;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

struct loaded {
    alignas(vector_alignment) unsigned char arena[1 << 16];
    Network net;
    status s = Network::create_from_model(roundtrip_model, sizeof roundtrip_model, arena, sizeof arena, &net);
};

// The network the header's model bytes describe, loaded once.
loaded& model() {
    static loaded m;
    return m;
}

}  // namespace

TEST_CASE("the model bytes are the file's") {
    const std::string file = read_all(MICROPROP_ROUNDTRIP_MODEL);  // the exported file
    REQUIRE(file.size() == ROUNDTRIP_MODEL_BYTES);
    CHECK(std::memcmp(file.data(), roundtrip_model, file.size()) == 0);
}

TEST_CASE("the arrays are the model's parameters in flash_network's layout") {
    REQUIRE(model().s == status::ok);
    Network& net = model().net;
    CHECK(ROUNDTRIP_INPUTS == net.input_size());
    CHECK(ROUNDTRIP_OUTPUTS == net.output_size());
    CHECK(ROUNDTRIP_LAYER_COUNT == net.layer_count());
    CHECK(ROUNDTRIP_ROW_FLOATS == row_floats);
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        CAPTURE(l);
        const layer_params p = net.layer(l);
        CHECK(roundtrip_layer_outputs[l] == p.rows);
        CHECK(roundtrip_layer_activations[l] == static_cast<std::uint8_t>(p.act));
        CHECK(reinterpret_cast<std::uintptr_t>(roundtrip_weights[l]) % vector_alignment == 0);
        const std::size_t stride = padded(p.cols);
        bool weights_equal = true, padding_zero = true, biases_equal = true;
        for (std::size_t r = 0; r < p.rows; ++r) {
            for (std::size_t c = 0; c < stride; ++c) {
                const float exported = roundtrip_weights[l][r * stride + c];
                if (c < p.cols)
                    weights_equal &= same_bits(exported, p.weights[r * p.stride + c]);
                else
                    padding_zero &= same_bits(exported, 0.0f);
            }
            biases_equal &= same_bits(roundtrip_biases[l][r], p.bias[r]);
        }
        CHECK(weights_equal);
        CHECK(padding_zero);
        CHECK(biases_equal);
    }
}

TEST_CASE("flash prediction equals the network's, bit for bit") {
    REQUIRE(model().s == status::ok);
    const flash_network flash{ROUNDTRIP_INPUTS, ROUNDTRIP_LAYER_COUNT, ROUNDTRIP_ROW_FLOATS,
                              roundtrip_layer_outputs, roundtrip_layer_activations, roundtrip_weights,
                              roundtrip_biases};
    std::vector<float> scratch(flash_scratch_floats(flash) + vector_alignment);
    // std::vector gives no alignment promise beyond alignof(float): align by hand.
    float* aligned_scratch = scratch.data();
    while (reinterpret_cast<std::uintptr_t>(aligned_scratch) % vector_alignment != 0) ++aligned_scratch;

    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
    for (int sample = 0; sample < 100; ++sample) {
        float x[ROUNDTRIP_INPUTS], expected[ROUNDTRIP_OUTPUTS], got[ROUNDTRIP_OUTPUTS];
        for (float& v : x) v = uniform(rng);
        REQUIRE(model().net.predict(x, expected) == status::ok);
        REQUIRE(predict(flash, x, got, aligned_scratch, flash_scratch_floats(flash)) == status::ok);
        for (int k = 0; k < ROUNDTRIP_OUTPUTS; ++k) CHECK(same_bits(got[k], expected[k]));
    }
}
