// Bad input gets a clear status and loses nothing: every rejected call leaves the model's
// bytes exactly as they were.
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

constexpr float nan_value = std::numeric_limits<float>::quiet_NaN();
constexpr float inf_value = std::numeric_limits<float>::infinity();

// A snapshot of an object's every byte (the compile-time form is its own storage).
template <class T>
std::vector<unsigned char> bytes_of(const T& object) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(&object);
    return std::vector<unsigned char>(p, p + sizeof(T));
}

// The parameters and counters only (weights, biases, gradient sums, steps): what a step
// that got as far as the forward pass must leave untouched.
template <class Net>
std::vector<float> parameters_of(Net& net) {
    std::vector<float> p{static_cast<float>(net.steps()), static_cast<float>(net.batch_count())};
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        const layer_params lp = net.layer(l);
        p.insert(p.end(), lp.weights, lp.weights + lp.rows * lp.stride);
        p.insert(p.end(), lp.bias, lp.bias + lp.rows);
        if (lp.weight_gradients != nullptr) {
            p.insert(p.end(), lp.weight_gradients, lp.weight_gradients + lp.rows * lp.stride);
            p.insert(p.end(), lp.bias_gradients, lp.bias_gradients + lp.rows);
        }
    }
    return p;
}

template <class Net>
bool same_parameters(Net& net, const std::vector<float>& before) {
    const std::vector<float> now = parameters_of(net);
    return now.size() == before.size() && std::memcmp(now.data(), before.data(), now.size() * sizeof(float)) == 0;
}

using classifier = MiniBatchMlp<6, Dense<5, Sigmoid>, Dense<3, Softmax>>;

}  // namespace

TEST_CASE("invalid samples and learning rates are refused before anything changes") {
    auto net = std::make_unique<classifier>(1);
    const float good_x[6] = {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f};
    const float good_y[3] = {0.2f, 0.3f, 0.5f};
    // Train a little first so that the state is not the freshly initialized one.
    for (int i = 0; i < 5; ++i) REQUIRE(net->train_step(good_x, 1u, 0.1f) == status::ok);
    REQUIRE(net->accumulate(good_x, 2u) == status::ok);
    const std::vector<unsigned char> before = bytes_of(*net);

    auto unchanged = [&] { return bytes_of(*net) == before; };
    for (float bad : {nan_value, inf_value, -inf_value}) {
        CAPTURE(bad);
        for (int at = 0; at < 6; ++at) {
            float x[6];
            std::memcpy(x, good_x, sizeof x);
            x[at] = bad;
            CHECK(net->train_step(x, 0u, 0.1f) == status::non_finite_input);
            CHECK(unchanged());
            CHECK(net->accumulate(x, 0u) == status::non_finite_input);
            CHECK(unchanged());
            CHECK(net->predict(x) == status::non_finite_input);
            CHECK(unchanged());
        }
        for (int at = 0; at < 3; ++at) {
            float y[3];
            std::memcpy(y, good_y, sizeof y);
            y[at] = bad;
            CHECK(net->train_step_target(good_x, y, 0.1f) == status::non_finite_target);
            CHECK(unchanged());
            CHECK(net->accumulate_target(good_x, y) == status::non_finite_target);
            CHECK(unchanged());
        }
        CHECK(net->train_step(good_x, 0u, bad) == status::invalid_learning_rate);
        CHECK(unchanged());
        CHECK(net->apply_batch(bad) == status::invalid_learning_rate);
        CHECK(unchanged());
    }
    for (float eta : {0.0f, -0.1f, -0.0f, -std::numeric_limits<float>::denorm_min()}) {
        CHECK(net->train_step(good_x, 0u, eta) == status::invalid_learning_rate);
        CHECK(net->apply_batch(eta) == status::invalid_learning_rate);
        CHECK(unchanged());
    }
    for (std::uint32_t label : {3u, 4u, 1000u, 0xFFFFFFFFu}) {
        CHECK(net->train_step(good_x, label, 0.1f) == status::label_out_of_range);
        CHECK(net->accumulate(good_x, label) == status::label_out_of_range);
        CHECK(unchanged());
    }
    // Softmax + cross-entropy takes a probability vector: BP1 (yhat - y) assumes 1^T y = 1.
    const float negative[3] = {-0.1f, 0.6f, 0.5f};
    const float above_one[3] = {0.0f, 1.5f, -0.5f};
    const float not_summing[3] = {0.5f, 0.5f, 0.5f};
    for (const float* y : {negative, above_one, not_summing}) {
        CHECK(net->train_step_target(good_x, y, 0.1f) == status::invalid_target);
        CHECK(unchanged());
    }
    CHECK(net->train_step(nullptr, 0u, 0.1f) == status::null_argument);
    CHECK(unchanged());
}

TEST_CASE("mini-batch misuse is refused") {
    auto online = std::make_unique<Mlp<6, Dense<5, Sigmoid>, Dense<3, Softmax>>>(1);
    const float x[6] = {};
    const auto before = bytes_of(*online);
    CHECK(online->accumulate(x, 0u) == status::no_gradients);
    CHECK(online->apply_batch(0.1f) == status::no_gradients);
    CHECK(bytes_of(*online) == before);

    auto batched = std::make_unique<classifier>(1);
    const auto fresh = bytes_of(*batched);
    CHECK(batched->apply_batch(0.1f) == status::empty_batch);
    CHECK(bytes_of(*batched) == fresh);
}

TEST_CASE("labels need a classifier output; sigmoid targets must lie in [0, 1]") {
    auto regression = std::make_unique<Mlp<2, Dense<4, Tanh>, Dense<2, Identity>>>(1);
    const float x[2] = {1, 2};
    const auto before = bytes_of(*regression);
    CHECK(regression->train_step(x, 0u, 0.1f) == status::label_needs_classifier);
    CHECK(bytes_of(*regression) == before);
    const float any_target[2] = {-40.0f, 1e20f};  // any finite target is a valid regression target
    CHECK(regression->train_step_target(x, any_target, 1e-6f) == status::ok);

    auto multilabel = std::make_unique<Mlp<2, Dense<4, Tanh>, Dense<2, Sigmoid>>>(1);
    const auto mb = bytes_of(*multilabel);
    const float bad[2] = {1.0f, 2.0f};
    CHECK(multilabel->train_step_target(x, bad, 0.1f) == status::invalid_target);
    CHECK(bytes_of(*multilabel) == mb);
    const float good[2] = {1.0f, 0.0f};  // multi-label targets need not sum to 1
    CHECK(multilabel->train_step_target(x, good, 0.1f) == status::ok);
    CHECK(multilabel->train_step(x, 1u, 0.1f) == status::ok);  // a label is the one-hot target
}

TEST_CASE("a step that would make a weight non-finite is not applied") {
    auto net = std::make_unique<Mlp<3, Dense<4, Identity>, Dense<2, Identity>>>(1);
    const float x[3] = {1.0f, -1.0f, 0.5f};
    const float y[2] = {0.0f, 0.0f};
    // Weights near the top of the float range: the output is finite, but an update with a
    // large learning rate would overflow.
    for (std::size_t i = 0; i < 2; ++i) test::set_weight(*net, 1, i, 0, 1e18f);
    const std::vector<float> before = parameters_of(*net);
    float out[2];
    REQUIRE(net->predict(x, out) == status::ok);
    CHECK(std::isfinite(out[0]));
    CHECK(net->train_step_target(x, y, 1e30f) == status::diverged);
    CHECK(same_parameters(*net, before));
    // The same sample with a sane learning rate is fine.
    CHECK(net->train_step_target(x, y, 1e-40f) == status::ok);  // denormal but > 0 and finite

    // A forward pass that overflows is refused too, for training and prediction.
    for (std::size_t i = 0; i < 2; ++i) test::set_weight(*net, 1, i, 0, 3e38f);
    test::set_weight(*net, 0, 0, 0, 3e38f);
    const std::vector<float> huge = parameters_of(*net);
    CHECK(net->predict(x, out) == status::diverged);
    CHECK(net->train_step_target(x, y, 0.1f) == status::diverged);
    CHECK(same_parameters(*net, huge));
}

TEST_CASE("training with an absurd learning rate ends in refused steps, never in NaN weights") {
    for (training mode : {training::online, training::minibatch}) {
        CAPTURE(static_cast<int>(mode));
        const network_shape shape{
            4, 3, {{8, activation::relu}, {8, activation::identity}, {2, activation::identity}}, mode};
        test::aligned_buffer buffer(footprint_of(shape).total / sizeof(float) + 1);
        Network net;
        REQUIRE(Network::create(shape, buffer.data(), buffer.size() * sizeof(float), &net) == status::ok);
        test::rng r(3);
        int refused = 0, accepted = 0;
        for (int step = 0; step < 2000; ++step) {
            float x[4], y[2];
            for (float& v : x) v = r.uniform(-10, 10);
            for (float& v : y) v = r.uniform(-100.0f, 100.0f);
            const std::vector<float> before = parameters_of(net);
            status s;
            if (mode == training::online) {
                s = net.train_step_target(x, y, 0.02f);
            } else {
                s = net.accumulate_target(x, y);
                if (s == status::ok) s = net.apply_batch(0.02f);
            }
            if (s == status::diverged) {
                if (refused == 0) {
                    // Refusals come from real divergence, not from a timid bound: by the
                    // first one the weights have grown by many orders of magnitude.
                    double biggest = 0;
                    for (std::uint32_t l = 0; l < 3; ++l) {
                        const layer_params p = net.layer(l);
                        for (std::size_t i = 0; i < p.rows * p.stride; ++i)
                            biggest = std::fmax(biggest, std::fabs(p.weights[i]));
                    }
                    CHECK(biggest > 1e9);
                    MESSAGE("largest weight at the first refusal: ", biggest);
                }
                ++refused;
                if (mode == training::online) REQUIRE(same_parameters(net, before));
            } else {
                REQUIRE(s == status::ok);
                ++accepted;
            }
            for (std::uint32_t l = 0; l < 3; ++l) {
                const layer_params p = net.layer(l);
                for (std::size_t i = 0; i < p.rows * p.stride; ++i) REQUIRE(std::isfinite(p.weights[i]));
                for (std::size_t i = 0; i < p.rows; ++i) REQUIRE(std::isfinite(p.bias[i]));
            }
        }
        CHECK(refused > 0);  // it did blow up...
        CHECK(accepted > 0);  // ...after some steps that were applied
        MESSAGE("absurd learning rate: ", accepted, " steps applied, ", refused, " refused as diverged");
    }
}

TEST_CASE("every status has its own message") {
    std::vector<std::string> seen;
    for (int v = 0; v <= static_cast<int>(status::invalid_input_limit); ++v) {
        const std::string message = status_message(static_cast<status>(v));
        CAPTURE(v);
        CHECK(message != "unknown status");
        for (const std::string& other : seen) CHECK(message != other);
        seen.push_back(message);
    }
    CHECK(std::string(status_message(static_cast<status>(200))) == "unknown status");
}

TEST_CASE("the input limit refuses out-of-range inputs in every call that takes one") {
    auto net = std::make_unique<Mlp<3, Dense<4, Sigmoid>, Dense<2, Softmax>>>(1);
    const float x[3] = {0.5f, -2.0f, 1.0f};
    CHECK(net->input_limit() == std::numeric_limits<float>::infinity());
    CHECK(net->set_input_limit(nan_value) == status::invalid_input_limit);
    CHECK(net->set_input_limit(-1.0f) == status::invalid_input_limit);
    REQUIRE(net->set_input_limit(1.5f) == status::ok);
    CHECK(net->input_limit() == 1.5f);
    const std::vector<unsigned char> before = bytes_of(*net);
    CHECK(net->train_step(x, 1u, 0.1f) == status::input_out_of_range);
    CHECK(net->predict(x) == status::input_out_of_range);
    CHECK(bytes_of(*net) == before);
    const float edge[3] = {1.5f, -1.5f, 0.0f};  // the limit itself is allowed
    CHECK(net->predict(edge) == status::ok);
    CHECK(net->train_then_predict(1u, 0.1f, x) == status::input_out_of_range);
    REQUIRE(net->set_input_limit(std::numeric_limits<float>::infinity()) == status::ok);
    CHECK(net->train_step(x, 1u, 0.1f) == status::ok);
    REQUIRE(net->set_input_limit(0.0f) == status::ok);
    CHECK(net->input_limit() == std::numeric_limits<float>::infinity());
}
