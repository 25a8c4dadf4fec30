// Fine-tuning (set_trainable): a frozen prefix of layers, and bias-only updates.
//
// The oracle for a frozen prefix is exact: the layers after it, trained inside the whole
// network, must end up bit for bit like a separate network made of those layers alone,
// trained on the outputs of the frozen prefix (the same kernels see the same numbers in
// the same order). The frozen layers must keep every bit. Bias-only training must keep
// every weight and move each bias by -eta times the reference gradient.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "microprop/microprop.hpp"
#include "reference_network.hpp"
#include "support.hpp"

using namespace microprop;
using test::make_shape;
using test::owned_network;
using test::parameters_of;
using test::same_bits;

namespace {

const std::vector<layer_spec> layers = {
    {16, activation::tanh}, {12, activation::relu}, {9, activation::sigmoid}, {5, activation::softmax}};
constexpr std::uint32_t inputs = 11;

std::vector<float> random_input(test::rng& r) {
    std::vector<float> x(inputs);
    for (float& v : x) v = r.uniform(-1.0f, 1.0f);
    return x;
}

// Layers [first, last) of `net`'s shape as a network of their own (their first layer's
// inputs are the outputs of layer first - 1).
network_shape part_of(std::uint32_t first, std::uint32_t last, training mode) {
    const std::uint32_t part_inputs = first == 0 ? inputs : layers[first - 1].outputs;
    return make_shape(part_inputs, std::vector<layer_spec>(layers.begin() + first, layers.begin() + last), mode);
}

// The whole network with layers 0..first-1 frozen against `head` (layers first..L-1)
// trained on the frozen `prefix`'s outputs, for each way of training.
enum class way { train_step, pipelined, minibatch };

void check_head_matches_separate_network(std::uint32_t first, way how) {
    CAPTURE(first);
    const training mode = how == way::minibatch ? training::minibatch : training::online;
    const auto count = static_cast<std::uint32_t>(layers.size());
    owned_network whole(make_shape(inputs, layers, mode), 17);
    owned_network prefix(part_of(0, first, training::online), 1);
    owned_network head(part_of(first, count, mode), 1);
    REQUIRE(whole.created == status::ok);
    REQUIRE(prefix.created == status::ok);
    REQUIRE(head.created == status::ok);
    test::copy_parameters(whole.net, prefix.net);
    test::copy_parameters(whole.net, head.net, first);
    REQUIRE(whole.net.set_trainable(first) == status::ok);
    CHECK(whole.net.first_trainable_layer() == first);
    const std::vector<float> frozen_before = parameters_of(prefix.net);

    test::rng r(first * 7 + 3);
    const float eta = 0.2f;
    std::vector<float> features(layers[first - 1].outputs), next_features(features.size());
    std::vector<float> x = random_input(r);
    REQUIRE(prefix.net.predict(x.data(), features.data()) == status::ok);
    if (how == way::pipelined) {
        REQUIRE(whole.net.predict(x.data()) == status::ok);
        REQUIRE(head.net.predict(features.data()) == status::ok);
    }
    for (int step = 0; step < 60; ++step) {
        const auto label = static_cast<std::uint32_t>(r.next() % layers.back().outputs);
        float loss_whole = -1.0f, loss_head = -2.0f;
        if (how == way::train_step) {
            REQUIRE(whole.net.train_step(x.data(), label, eta, &loss_whole) == status::ok);
            REQUIRE(head.net.train_step(features.data(), label, eta, &loss_head) == status::ok);
        } else if (how == way::minibatch) {
            REQUIRE(whole.net.accumulate(x.data(), label, &loss_whole) == status::ok);
            REQUIRE(head.net.accumulate(features.data(), label, &loss_head) == status::ok);
            if (step % 4 == 3) {
                REQUIRE(whole.net.apply_batch(eta) == status::ok);
                REQUIRE(head.net.apply_batch(eta) == status::ok);
            }
        }
        x = random_input(r);
        REQUIRE(prefix.net.predict(x.data(), next_features.data()) == status::ok);
        if (how == way::pipelined) {
            REQUIRE(whole.net.train_then_predict(label, eta, x.data(), &loss_whole) == status::ok);
            REQUIRE(head.net.train_then_predict(label, eta, next_features.data(), &loss_head) == status::ok);
            REQUIRE(std::memcmp(whole.net.output(), head.net.output(), layers.back().outputs * sizeof(float)) == 0);
        }
        REQUIRE(std::memcmp(&loss_whole, &loss_head, sizeof loss_whole) == 0);
        features.swap(next_features);
    }
    // The frozen layers kept every bit; the trained ones are those of the separate head.
    owned_network whole_prefix(part_of(0, first, training::online), 1);
    owned_network whole_head(part_of(first, count, mode), 1);
    test::copy_parameters(whole.net, whole_prefix.net);
    test::copy_parameters(whole.net, whole_head.net, first);
    std::vector<float> frozen_after = parameters_of(whole_prefix.net);
    CHECK(same_bits(frozen_after, frozen_before));
    std::vector<float> head_whole = parameters_of(whole_head.net), head_alone = parameters_of(head.net);
    head_whole.erase(head_whole.begin());  // the step counters differ: set_layer() does not copy them
    head_alone.erase(head_alone.begin());
    CHECK(same_bits(head_whole, head_alone));
    CHECK(whole.net.steps() == head.net.steps());
    if (mode == training::minibatch) {
        for (std::uint32_t l = 0; l < first; ++l) {  // no gradient sums for frozen layers
            const layer_params p = whole.net.layer(l);
            for (std::size_t i = 0; i < p.rows * p.stride; ++i) REQUIRE(p.weight_gradients[i] == 0.0f);
        }
    }
}

}  // namespace

TEST_CASE("a frozen prefix keeps every bit; the rest trains exactly like a network of its own") {
    for (std::uint32_t first = 1; first < layers.size(); ++first) {
        SUBCASE("train_step") { check_head_matches_separate_network(first, way::train_step); }
        SUBCASE("train_then_predict") { check_head_matches_separate_network(first, way::pipelined); }
        SUBCASE("accumulate + apply_batch") { check_head_matches_separate_network(first, way::minibatch); }
    }
}

TEST_CASE("bias-only training keeps every weight and moves each bias by -eta times its gradient") {
    for (std::uint32_t first = 0; first < layers.size(); ++first) {
        CAPTURE(first);
        owned_network t(make_shape(inputs, layers), 5);
        REQUIRE(t.created == status::ok);
        REQUIRE(t.net.set_trainable(first, true) == status::ok);
        CHECK(t.net.trains_biases_only());
        test::rng r(40 + first);
        const std::vector<float> x = random_input(r);
        const std::uint32_t label = 2;
        const reference::network before = reference::network::of(t.net);
        reference::vec xd(x.begin(), x.end()), y(layers.back().outputs, 0.0);
        y[label] = 1.0;
        const reference::gradients g = before.backprop(xd, y);
        const double eta = 0.25;
        REQUIRE(t.net.train_step(x.data(), label, static_cast<float>(eta)) == status::ok);
        const reference::network after = reference::network::of(t.net);
        for (std::size_t l = 0; l < layers.size(); ++l) {
            CAPTURE(l);
            for (std::size_t i = 0; i < before.layers[l].W.size(); ++i)
                REQUIRE(after.layers[l].W[i] == before.layers[l].W[i]);
            for (std::size_t i = 0; i < before.layers[l].b.size(); ++i) {
                const double expected = l < first ? before.layers[l].b[i] : before.layers[l].b[i] - eta * g.db[l][i];
                REQUIRE(after.layers[l].b[i] == doctest::Approx(expected).epsilon(1e-5).scale(1.0));
            }
        }
    }
}

TEST_CASE("bias-only training is the same through every call: train_step, train_then_predict, mini-batches") {
    owned_network step(make_shape(inputs, layers), 8), piped(make_shape(inputs, layers), 8);
    owned_network batched(make_shape(inputs, layers, training::minibatch), 8);
    REQUIRE(step.net.set_trainable(1, true) == status::ok);
    REQUIRE(piped.net.set_trainable(1, true) == status::ok);
    REQUIRE(batched.net.set_trainable(1, true) == status::ok);
    test::rng r(99);
    std::vector<float> x = random_input(r);
    REQUIRE(piped.net.predict(x.data()) == status::ok);
    for (int i = 0; i < 30; ++i) {
        const std::uint32_t label = static_cast<std::uint32_t>(r.next() % layers.back().outputs);
        REQUIRE(step.net.train_step(x.data(), label, 0.1f) == status::ok);
        REQUIRE(batched.net.accumulate(x.data(), label) == status::ok);
        REQUIRE(batched.net.apply_batch(0.1f) == status::ok);  // a batch of one is the online step
        x = random_input(r);
        REQUIRE(piped.net.train_then_predict(label, 0.1f, x.data()) == status::ok);
    }
    CHECK(same_bits(parameters_of(step.net), parameters_of(piped.net)));
    std::vector<float> a = parameters_of(step.net), b = parameters_of(batched.net);
    CHECK(same_bits(a, b));
}

TEST_CASE("set_trainable refusals change nothing") {
    owned_network online(make_shape(inputs, layers), 3), batched(make_shape(inputs, layers, training::minibatch), 3);
    REQUIRE(online.net.set_trainable(2, true) == status::ok);
    CHECK(online.net.set_trainable(static_cast<std::uint32_t>(layers.size())) == status::layer_out_of_range);
    CHECK(online.net.set_trainable(1000, false) == status::layer_out_of_range);
    CHECK(online.net.first_trainable_layer() == 2);
    CHECK(online.net.trains_biases_only());

    test::rng r(4);
    const std::vector<float> x = random_input(r);
    REQUIRE(batched.net.accumulate(x.data(), 1u) == status::ok);
    const std::vector<float> before = parameters_of(batched.net);
    CHECK(batched.net.set_trainable(1) == status::batch_in_progress);
    CHECK(batched.net.first_trainable_layer() == 0);
    CHECK(batched.net.batch_count() == 1);
    REQUIRE(batched.net.apply_batch(0.1f) == status::ok);
    CHECK(batched.net.set_trainable(1) == status::ok);
    CHECK(!same_bits(parameters_of(batched.net), before));

    Network empty;
    CHECK(empty.set_trainable(0) == status::not_a_network);
    CHECK(empty.first_trainable_layer() == 0);
}

TEST_CASE("the setting stays through initialize, load and set_layer, and set_trainable(0) trains everything again") {
    owned_network a(make_shape(inputs, layers), 6), b(make_shape(inputs, layers), 6);
    REQUIRE(a.net.set_trainable(3, true) == status::ok);
    REQUIRE(a.net.initialize(6) == status::ok);
    std::vector<unsigned char> file(a.net.model_size());
    REQUIRE(a.net.save(file.data(), file.size()) == status::ok);
    REQUIRE(a.net.load(file.data(), file.size()) == status::ok);
    test::copy_parameters(b.net, a.net);
    CHECK(a.net.first_trainable_layer() == 3);
    CHECK(a.net.trains_biases_only());
    REQUIRE(a.net.set_trainable(0) == status::ok);
    test::rng r(8);
    for (int i = 0; i < 10; ++i) {
        const std::vector<float> x = random_input(r);
        REQUIRE(a.net.train_step(x.data(), 1u, 0.1f) == status::ok);
        REQUIRE(b.net.train_step(x.data(), 1u, 0.1f) == status::ok);
    }
    CHECK(same_bits(parameters_of(a.net), parameters_of(b.net)));
}

namespace {

// Layers [0, first) of a network as the const arrays an exported header defines: rows of
// padded(cols) floats, aligned, with the codes of their activations.
struct exported_backbone {
    std::vector<test::aligned_buffer> weights, biases;
    std::vector<const float*> weight_ptrs, bias_ptrs;
    std::vector<std::uint32_t> outputs;
    std::vector<std::uint8_t> activations;
    flash_network net{};

    exported_backbone(const Network& from, std::uint32_t first) {
        for (std::uint32_t l = 0; l < first; ++l) {
            const layer_params p = from.layer(l);
            weights.emplace_back(p.rows * p.stride);
            biases.emplace_back(p.rows);
            std::memcpy(weights.back().data(), p.weights, p.rows * p.stride * sizeof(float));
            std::memcpy(biases.back().data(), p.bias, p.rows * sizeof(float));
            outputs.push_back(static_cast<std::uint32_t>(p.rows));
            activations.push_back(static_cast<std::uint8_t>(p.act));
        }
        for (std::uint32_t l = 0; l < first; ++l) {
            weight_ptrs.push_back(weights[l].data());
            bias_ptrs.push_back(biases[l].data());
        }
        net = {from.input_size(), first, static_cast<std::uint32_t>(row_floats), outputs.data(),
               activations.data(), weight_ptrs.data(), bias_ptrs.data()};
    }
};

}  // namespace

TEST_CASE("frozen backbone in flash: the head learns bit for bit as in the whole network with set_trainable") {
    const auto count = static_cast<std::uint32_t>(layers.size());
    for (std::uint32_t first = 1; first < count; ++first) {
        CAPTURE(first);
        owned_network whole(make_shape(inputs, layers), 23), head(part_of(first, count, training::online), 1);
        REQUIRE(whole.created == status::ok);
        REQUIRE(head.created == status::ok);
        test::copy_parameters(whole.net, head.net, first);
        REQUIRE(whole.net.set_trainable(first) == status::ok);
        const exported_backbone backbone(whole.net, first);
        test::aligned_buffer scratch(frozen_backbone_scratch_floats(backbone.net));
        frozen_backbone<Network> net;
        CHECK(net.predict(scratch.data()) == status::not_a_network);
        REQUIRE(frozen_backbone<Network>::bind(backbone.net, head.net, scratch.data(), scratch.size(), &net) ==
                status::ok);

        test::rng r(first + 50);
        std::vector<float> x = random_input(r);
        REQUIRE(whole.net.predict(x.data()) == status::ok);
        REQUIRE(net.predict(x.data()) == status::ok);
        const std::size_t out_bytes = layers.back().outputs * sizeof(float);
        for (int step = 0; step < 40; ++step) {
            const auto label = static_cast<std::uint32_t>(r.next() % layers.back().outputs);
            float loss_whole = -1.0f, loss_split = -2.0f;
            if (step % 2 == 0) {
                REQUIRE(whole.net.train_step(x.data(), label, 0.2f, &loss_whole) == status::ok);
                REQUIRE(net.train_step(x.data(), label, 0.2f, &loss_split) == status::ok);
                x = random_input(r);
                REQUIRE(whole.net.predict(x.data()) == status::ok);
                REQUIRE(net.predict(x.data()) == status::ok);
            } else {
                x = random_input(r);
                REQUIRE(whole.net.train_then_predict(label, 0.2f, x.data(), &loss_whole) == status::ok);
                REQUIRE(net.train_then_predict(label, 0.2f, x.data(), &loss_split) == status::ok);
            }
            REQUIRE(std::memcmp(&loss_whole, &loss_split, sizeof loss_whole) == 0);
            REQUIRE(std::memcmp(whole.net.output(), net.output(), out_bytes) == 0);
        }
        owned_network whole_head(part_of(first, count, training::online), 1);
        test::copy_parameters(whole.net, whole_head.net, first);
        std::vector<float> a = parameters_of(whole_head.net), b = parameters_of(head.net);
        a.erase(a.begin());  // step counters: set_layer() does not copy them
        b.erase(b.begin());
        CHECK(same_bits(a, b));

        // Refusals: the backbone's (a NaN input) and the head's (a label out of range)
        // leave the head as it was.
        const std::vector<float> before = parameters_of(head.net);
        x[0] = std::numeric_limits<float>::quiet_NaN();
        CHECK(net.train_step(x.data(), 0u, 0.2f) == status::non_finite_input);
        x[0] = 0.5f;
        CHECK(net.train_step(x.data(), 99u, 0.2f) == status::label_out_of_range);
        CHECK(same_bits(parameters_of(head.net), before));
    }
}

TEST_CASE("frozen backbone: bind refuses a head of other inputs and a short or misaligned scratch") {
    owned_network whole(make_shape(inputs, layers), 2);
    owned_network wrong_head(part_of(2, static_cast<std::uint32_t>(layers.size()), training::online), 1);
    const exported_backbone backbone(whole.net, 1);  // outputs 16, the head expects 12
    test::aligned_buffer scratch(frozen_backbone_scratch_floats(backbone.net) + 1);
    frozen_backbone<Network> net;
    CHECK(frozen_backbone<Network>::bind(backbone.net, wrong_head.net, scratch.data(), scratch.size(), &net) ==
          status::invalid_shape);
    owned_network head(part_of(1, static_cast<std::uint32_t>(layers.size()), training::online), 1);
    CHECK(frozen_backbone<Network>::bind(backbone.net, head.net, scratch.data(), scratch.size() - 2, &net) ==
          status::buffer_too_small);
    CHECK(frozen_backbone<Network>::bind(backbone.net, head.net, scratch.data() + 1, scratch.size() - 1, &net) ==
          status::misaligned_buffer);
    CHECK(frozen_backbone<Network>::bind(backbone.net, head.net, scratch.data(), scratch.size(), nullptr) ==
          status::null_argument);
    CHECK(net.head() == nullptr);
    CHECK(frozen_backbone<Network>::bind(backbone.net, head.net, scratch.data(), scratch.size(), &net) == status::ok);
    CHECK(net.head() == &head.net);
}

TEST_CASE("frozen backbone: RAM for fine-tuning the head of 784-128-10 against the whole network in RAM") {
    // The whole network trained in RAM holds every weight; a head trained on a backbone in
    // flash holds the head's arena and the backbone's scratch.
    using Whole = Mlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>>;
    using Head = Mlp<128, Dense<10, Softmax>>;
    const std::uint32_t outputs[1] = {128};
    const std::uint8_t codes[1] = {static_cast<std::uint8_t>(activation::sigmoid)};
    const flash_network backbone{784, 1, static_cast<std::uint32_t>(row_floats), outputs, codes, nullptr, nullptr};
    const std::size_t scratch_bytes = frozen_backbone_scratch_floats(backbone) * sizeof(float);
    const std::size_t split = Head::footprint().total + scratch_bytes;
    MESSAGE("784-128-10: whole network in RAM " << Whole::footprint().total << " bytes; head in RAM "
            << Head::footprint().total << " + backbone scratch " << scratch_bytes << " = " << split << " bytes");
    CHECK(scratch_bytes == (padded(784) + 2 * padded(128) + padded(128)) * sizeof(float));
    CHECK(split * 20 < Whole::footprint().total);  // under 5 %
}
