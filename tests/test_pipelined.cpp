// The pipelined online step: train_then_predict() learns the sample of the last forward
// pass and predicts the next input, sharing one pass over W_1. It must be exactly the
// separate calls train_step(x_t) + predict(x_{t+1}), bit for bit, in every kernel table,
// and it must refuse what it cannot do without changing the model.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "microprop/microprop.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

constexpr std::size_t f = sizeof(float);

using test::make_shape;
using test::parameters_of;
using test::same_bits;

struct run_time_net : test::owned_network {
    run_time_net(const network_shape& shape, std::uint64_t seed) : owned_network(shape, seed) {
        REQUIRE(created == status::ok);
    }
};

// A stream of `count` inputs of `width` values and, per input, a class label and a
// target vector of `outputs` values (one-hot for classifiers, a smooth map otherwise).
struct stream {
    std::vector<std::vector<float>> x, target;
    std::vector<std::uint32_t> label;
    stream(std::size_t count, std::uint32_t width, std::uint32_t outputs, std::uint64_t seed) {
        test::rng r(seed);
        for (std::size_t i = 0; i < count; ++i) {
            std::vector<float> v(width);
            for (float& e : v) e = r.uniform(-1, 1);
            const std::uint32_t c = static_cast<std::uint32_t>(r.next() % outputs);
            std::vector<float> t(outputs);
            for (std::uint32_t o = 0; o < outputs; ++o) t[o] = 0.5f + 0.4f * std::sin(v[o % width] + static_cast<float>(o));  // in [0, 1]: any output
            x.push_back(v);
            label.push_back(c);
            target.push_back(t);
        }
    }
};

// Trains `separate` with train_step + predict and `piped` with train_then_predict on the
// same stream and checks, after every sample, the same loss, output and parameters bit
// for bit.
void check_equal_to_separate_calls(const network_shape& shape, bool use_labels, float eta) {
    const std::uint32_t outputs = shape.layers[shape.layer_count - 1].outputs;
    const stream s(40, shape.inputs, outputs, 99 + shape.inputs);
    run_time_net separate(shape, 5), piped(shape, 5);
    REQUIRE(same_bits(parameters_of(separate.net), parameters_of(piped.net)));

    REQUIRE(piped.net.predict(s.x[0].data()) == status::ok);
    std::size_t mismatches = 0, first_mismatch = 0;
    for (std::size_t t = 0; t + 1 < s.x.size(); ++t) {
        float loss_separate = 0, loss_piped = 0;
        const float* next = s.x[t + 1].data();
        if (use_labels) {
            REQUIRE(separate.net.train_step(s.x[t].data(), s.label[t], eta, &loss_separate) == status::ok);
            REQUIRE(piped.net.train_then_predict(s.label[t], eta, next, &loss_piped) == status::ok);
        } else {
            REQUIRE(separate.net.train_step_target(s.x[t].data(), s.target[t].data(), eta, &loss_separate) == status::ok);
            REQUIRE(piped.net.train_then_predict_target(s.target[t].data(), eta, next, &loss_piped) == status::ok);
        }
        REQUIRE(separate.net.predict(next) == status::ok);
        const bool same = test::same_bits(loss_separate, loss_piped) &&
                          std::memcmp(separate.net.output(), piped.net.output(), outputs * f) == 0 &&
                          same_bits(parameters_of(separate.net), parameters_of(piped.net));
        if (!same && mismatches++ == 0) first_mismatch = t;
    }
    CHECK_MESSAGE(mismatches == 0, "first difference after sample ", first_mismatch);
    CHECK(piped.net.steps() == s.x.size() - 1);
}

}  // namespace

TEST_CASE("train_then_predict equals train_step + predict, bit for bit, in every kernel table") {
    const kernel_table& original = active_kernels();
    for (std::size_t i = 0; i < kernel_table_count(); ++i) {
        const kernel_table& table = kernel_table_at(i);
        CAPTURE(table.name);
        REQUIRE(select_kernels(table.name));
        // The classic sensor classifier, a deep mixed network, a single layer (z_1 is then
        // the output and shares the delta buffers), regression and multi-label outputs.
        check_equal_to_separate_calls(make_shape(64, {{32, activation::sigmoid}, {10, activation::softmax}}), true, 0.1f);
        check_equal_to_separate_calls(make_shape(37, {{23, activation::tanh}, {19, activation::relu},
                                                      {9, activation::sigmoid}, {5, activation::softmax}}), true, 0.05f);
        check_equal_to_separate_calls(make_shape(13, {{6, activation::softmax}}), true, 0.2f);
        check_equal_to_separate_calls(make_shape(9, {{11, activation::tanh}, {3, activation::identity}}), false, 0.05f);
        check_equal_to_separate_calls(make_shape(20, {{16, activation::relu}, {4, activation::sigmoid}}), false, 0.1f);
    }
    REQUIRE(select_kernels(original.name));
}

TEST_CASE("train_then_predict: the compile-time form, a learn-only call, and the MNIST shape") {
    auto separate = std::make_unique<Mlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>>>(11);
    auto piped = std::make_unique<Mlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>>>(11);
    const stream s(6, 784, 10, 4);
    REQUIRE(piped->predict(s.x[0].data()) == status::ok);
    for (std::size_t t = 0; t + 1 < s.x.size(); ++t) {
        REQUIRE(separate->train_step(s.x[t].data(), s.label[t], 0.05f) == status::ok);
        REQUIRE(piped->train_then_predict(s.label[t], 0.05f, s.x[t + 1].data()) == status::ok);
    }
    // The last sample: learn only (x_next null), then the pipeline is empty.
    REQUIRE(separate->train_step(s.x.back().data(), s.label.back(), 0.05f) == status::ok);
    float loss = -1;
    REQUIRE(piped->train_then_predict(s.label.back(), 0.05f, nullptr, &loss) == status::ok);
    CHECK(loss > 0.0f);
    CHECK(same_bits(parameters_of(*separate), parameters_of(*piped)));
    CHECK(piped->train_then_predict(s.label.back(), 0.05f, s.x[0].data()) == status::no_forward_pass);
}

TEST_CASE("train_then_predict needs a forward pass of the current weights") {
    auto net = std::make_unique<MiniBatchMlp<6, Dense<5, Sigmoid>, Dense<3, Softmax>>>(2);
    const float x[6] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f};
    const auto refused_without_change = [&](const char* after) {
        CAPTURE(after);
        const std::vector<float> before = parameters_of(*net);
        CHECK(net->train_then_predict(1u, 0.1f, x) == status::no_forward_pass);
        CHECK(same_bits(parameters_of(*net), before));
    };
    refused_without_change("construction");
    REQUIRE(net->predict(x) == status::ok);
    REQUIRE(net->train_step(x, 2u, 0.1f) == status::ok);
    refused_without_change("train_step (its activations are of the old weights)");
    REQUIRE(net->predict(x) == status::ok);
    REQUIRE(net->accumulate(x, 0u) == status::ok);
    REQUIRE(net->apply_batch(0.1f) == status::ok);
    refused_without_change("accumulate + apply_batch");
    REQUIRE(net->predict(x) == status::ok);
    net->initialize(3);
    refused_without_change("initialize");
    REQUIRE(net->predict(x) == status::ok);
    CHECK(net->train_then_predict(1u, 0.1f, x) == status::ok);
    CHECK(net->train_then_predict(1u, 0.1f, x) == status::ok);  // the call itself re-primes
}

TEST_CASE("train_then_predict refuses bad labels, rates, targets and next inputs, and keeps the pipeline") {
    auto net = std::make_unique<Mlp<6, Dense<5, Sigmoid>, Dense<3, Softmax>>>(2);
    const float x[6] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f};
    float bad_x[6] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f};
    bad_x[4] = std::numeric_limits<float>::quiet_NaN();
    const float bad_target[3] = {0.5f, 0.6f, 0.0f};  // sums to 1.1
    REQUIRE(net->predict(x) == status::ok);
    const auto snapshot = [&] {
        const unsigned char* p = reinterpret_cast<const unsigned char*>(net.get());
        return std::vector<unsigned char>(p, p + sizeof(*net));
    };
    const std::vector<unsigned char> before = snapshot();
    CHECK(net->train_then_predict(3u, 0.1f, x) == status::label_out_of_range);
    CHECK(net->train_then_predict(1u, 0.0f, x) == status::invalid_learning_rate);
    CHECK(net->train_then_predict(1u, std::numeric_limits<float>::infinity(), x) == status::invalid_learning_rate);
    CHECK(net->train_then_predict(1u, 0.1f, bad_x) == status::non_finite_input);
    CHECK(net->train_then_predict_target(bad_target, 0.1f, x) == status::invalid_target);
    CHECK(net->train_then_predict_target(nullptr, 0.1f, x) == status::null_argument);
    CHECK(snapshot() == before);  // every byte, the pending forward pass included
    // The pending sample can still be learned after the refusals.
    CHECK(net->train_then_predict(1u, 0.1f, x) == status::ok);
    CHECK(net->steps() == 1);
}

TEST_CASE("train_then_predict: a next input that overflows the forward pass leaves the sample learned") {
    // One identity layer with huge weights: learning the small current input is safe, but
    // W x_next overflows. The sample's update must stand (the same as train_step's), the
    // status says so, and the pipeline must be primed again.
    using regressor = Mlp<4, Dense<2, Identity>>;
    auto separate = std::make_unique<regressor>(1), piped = std::make_unique<regressor>(1);
    for (regressor* n : {separate.get(), piped.get()}) {
        const float w[2 * 4] = {1e36f, 1e36f, 1e36f, 1e36f, 1e36f, 1e36f, 1e36f, 1e36f}, b[2] = {0.0f, 0.0f};
        REQUIRE(n->set_layer(0, w, b) == status::ok);
    }
    const float x[4] = {1e-3f, -1e-3f, 2e-3f, 0.0f};
    const float huge[4] = {1e10f, 1e10f, 1e10f, 1e10f};
    const float target[2] = {0.0f, 1.0f};
    REQUIRE(separate->train_step_target(x, target, 1e-2f) == status::ok);
    REQUIRE(piped->predict(x) == status::ok);
    CHECK(piped->train_then_predict_target(target, 1e-2f, huge) == status::next_prediction_diverged);
    CHECK(same_bits(parameters_of(*separate), parameters_of(*piped)));
    CHECK(piped->steps() == 1);
    CHECK(piped->train_then_predict_target(target, 1e-2f, x) == status::no_forward_pass);
    CHECK(std::string(status_message(status::next_prediction_diverged)).find("learned") != std::string::npos);
}
