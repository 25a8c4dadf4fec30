// The derivation, checked numerically: the reference BP1-BP4 against finite differences
// (in double), and the library's gradients and updates against the reference, for every
// activation and output/loss pair, depths 1 to 4, plus the worked two-layer example.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "microprop/microprop.hpp"
#include "reference_network.hpp"
#include "support.hpp"

using namespace microprop;
using reference::vec;

namespace {

// A run-time-shaped network with its buffer, so shapes can be looped over.
using test::make_shape;

struct test_network : test::owned_network {
    test_network(const network_shape& shape, std::uint64_t seed) : owned_network(shape, seed) {
        REQUIRE(created == status::ok);
    }
};

// Inputs in [-1, 1]; a target that is valid for the output/loss pair.
vec sample_input(test::rng& r, std::size_t n) {
    vec x(n);
    for (double& v : x) v = r.uniform(-1.0f, 1.0f);
    return x;
}

vec sample_target(test::rng& r, activation out, std::size_t n) {
    vec y(n);
    if (out == activation::softmax) {  // a soft label: probabilities summing to 1
        double sum = 0;
        for (double& v : y) sum += v = r.uniform(0.05f, 1.0f);
        for (double& v : y) v /= sum;
    } else if (out == activation::sigmoid) {
        for (double& v : y) v = r.uniform(0.0f, 1.0f) < 0.5f ? 0.0 : 1.0;
    } else {
        for (double& v : y) v = r.uniform(-0.8f, 0.8f);
    }
    return y;
}

std::vector<float> to_float(const vec& v) { return std::vector<float>(v.begin(), v.end()); }

// Every hidden activation (those of the table that may stand before the output) with
// every output activation, the pair named for the failure messages.
template <class F>
void for_each_pair(F&& f) {
    for (std::uint32_t h = 0; h < activation_count; ++h) {
        const activation hidden = static_cast<activation>(h);
        if (traits_of(hidden).output_only) continue;
        for (std::uint32_t o = 0; o < activation_count; ++o) {
            const activation out = static_cast<activation>(o);
            INFO("hidden " << std::string(traits_of(hidden).name) << ", output " << std::string(traits_of(out).name));
            f(hidden, out);
        }
    }
}

// The same pairs at depths 1 to 4: depth - 1 hidden layers of width `width + step l`, then
// `outputs` outputs.
template <class F>
void for_each_pair_and_depth(std::uint32_t width, std::uint32_t step, std::uint32_t outputs, F&& f) {
    for_each_pair([&](activation hidden, activation out) {
        for (std::uint32_t depth = 1; depth <= 4; ++depth) {
            CAPTURE(depth);
            std::vector<layer_spec> layers;
            for (std::uint32_t l = 1; l < depth; ++l) layers.push_back({width + step * l, hidden});
            layers.push_back({outputs, out});
            f(layers, out, depth);
        }
    });
}

}  // namespace

TEST_CASE("reference BP1-BP4 equal finite differences of the loss (double precision)") {
    test::rng r(7);
    for_each_pair_and_depth(5, 1, 3, [&](const std::vector<layer_spec>& layers, activation out, std::uint32_t depth) {
        test_network t(make_shape(4, layers), 11 + depth);
        const reference::network ref = reference::network::of(t.net);
        vec x = sample_input(r, 4);
        for (int tries = 0; tries < 100 && ref.relu_margin(x) < 1e-4; ++tries) x = sample_input(r, 4);
        REQUIRE(ref.relu_margin(x) >= 1e-4);
        const vec y = sample_target(r, out, 3);
        const reference::gradients g = ref.backprop(x, y);
        double worst = 0;
        for (std::size_t l = 0; l < ref.layers.size(); ++l) {
            for (std::size_t i = 0; i < g.dW[l].size(); ++i) {
                const double fd = ref.numeric_gradient(x, y, l, false, i);
                worst = std::fmax(worst, std::fabs(fd - g.dW[l][i]) / (1e-4 + std::fabs(fd)));
            }
            for (std::size_t i = 0; i < g.db[l].size(); ++i) {
                const double fd = ref.numeric_gradient(x, y, l, true, i);
                worst = std::fmax(worst, std::fabs(fd - g.db[l][i]) / (1e-4 + std::fabs(fd)));
            }
        }
        // Central differences with h = 1e-6 are good to about 1e-8 relative, plus an
        // absolute rounding error of about eps |loss| / h, 1e-10 with an exact libm and
        // several times that with the boards' soft-float one: gradients below 1e-4 are
        // compared absolutely. The input keeps every ReLU z at least 1e-4 from the kink.
        CHECK(worst < 1e-5);
    });
}

TEST_CASE("the library's gradients equal the reference BP1-BP4 for every pair, depths 1 to 4") {
    test::rng r(3);
    for_each_pair_and_depth(6, 3, 4, [&](const std::vector<layer_spec>& layers, activation out, std::uint32_t depth) {
        test_network t(make_shape(19, layers, training::minibatch), 5 + depth);
        const reference::network ref = reference::network::of(t.net);
        const vec x = sample_input(r, 19);
        const vec y = sample_target(r, out, 4);
        const std::vector<float> xf = to_float(x), yf = to_float(y);

        // The gradient sums of a batch of one sample are dW_l and db_l themselves.
        float loss = -1;
        REQUIRE(t.net.accumulate_target(xf.data(), yf.data(), &loss) == status::ok);
        CHECK(loss == doctest::Approx(ref.loss(x, y)).epsilon(1e-5));
        const reference::gradients g = ref.backprop(x, y);
        for (std::uint32_t l = 0; l < t.net.layer_count(); ++l) {
            const layer_params p = t.net.layer(l);
            double scale = 1e-3;  // float rounding is relative to the largest term
            for (double v : g.dW[l]) scale = std::fmax(scale, std::fabs(v));
            for (std::size_t i = 0; i < p.rows; ++i) {
                for (std::size_t j = 0; j < p.cols; ++j)
                    REQUIRE(std::fabs(p.weight_gradients[i * p.stride + j] - g.dW[l][i * p.cols + j]) <=
                            2e-5 * scale);
                for (std::size_t j = p.cols; j < p.stride; ++j) REQUIRE(p.weight_gradients[i * p.stride + j] == 0.0f);
                REQUIRE(std::fabs(p.bias_gradients[i] - g.db[l][i]) <= 2e-5 * scale);
            }
        }
    });
}

TEST_CASE("an online step is W <- W - eta dW and b <- b - eta db with the reference gradients") {
    test::rng r(21);
    for_each_pair([&](activation hidden, activation out) {
        test_network t(make_shape(33, {{17, hidden}, {9, hidden}, {5, out}}), 99);
        const reference::network before = reference::network::of(t.net);
        const vec x = sample_input(r, 33);
        const vec y = sample_target(r, out, 5);
        const std::vector<float> xf = to_float(x), yf = to_float(y);
        const double eta = 0.125;
        REQUIRE(t.net.train_step_target(xf.data(), yf.data(), static_cast<float>(eta)) == status::ok);
        CHECK(t.net.steps() == 1);
        const reference::network after = reference::network::of(t.net);
        const reference::gradients g = before.backprop(x, y);
        for (std::size_t l = 0; l < before.layers.size(); ++l) {
            for (std::size_t i = 0; i < g.dW[l].size(); ++i) {
                const double expected = before.layers[l].W[i] - eta * g.dW[l][i];
                REQUIRE(after.layers[l].W[i] == doctest::Approx(expected).epsilon(1e-5).scale(1.0));
            }
            for (std::size_t i = 0; i < g.db[l].size(); ++i) {
                const double expected = before.layers[l].b[i] - eta * g.db[l][i];
                REQUIRE(after.layers[l].b[i] == doctest::Approx(expected).epsilon(1e-5).scale(1.0));
            }
        }
    });
}

TEST_CASE("worked two-layer example of the derivation, formula by formula") {
    // x (3) -> sigmoid hidden (2) -> softmax output (2), y = e_1.
    MiniBatchMlp<3, Dense<2, Sigmoid>, Dense<2, Softmax>> net(1);
    const float W1[2][3] = {{0.1f, -0.2f, 0.3f}, {-0.4f, 0.5f, 0.6f}};
    const float b1[2] = {0.05f, -0.05f};
    const float W2[2][2] = {{0.7f, -0.8f}, {0.9f, 0.25f}};
    const float b2[2] = {0.1f, -0.1f};
    REQUIRE(net.set_layer(0, &W1[0][0], b1) == status::ok);
    REQUIRE(net.set_layer(1, &W2[0][0], b2) == status::ok);
    const float x[3] = {1.0f, 0.5f, -1.5f};
    const std::uint32_t label = 1;

    // By hand, in double: a_1 = sigmoid(W_1 x + b_1), yhat = softmax(W_2 a_1 + b_2).
    double a1[2], z2[2], yhat[2];
    for (int i = 0; i < 2; ++i) {
        double z = b1[i];
        for (int j = 0; j < 3; ++j) z += W1[i][j] * x[j];
        a1[i] = 1 / (1 + std::exp(-z));
    }
    for (int i = 0; i < 2; ++i) z2[i] = b2[i] + W2[i][0] * a1[0] + W2[i][1] * a1[1];
    const double m = std::fmax(z2[0], z2[1]);
    const double s = std::exp(z2[0] - m) + std::exp(z2[1] - m);
    for (int i = 0; i < 2; ++i) yhat[i] = std::exp(z2[i] - m) / s;
    const double y[2] = {0.0, 1.0};
    double delta2[2], delta1[2];
    for (int i = 0; i < 2; ++i) delta2[i] = yhat[i] - y[i];  // (1), BP1: delta_2 = yhat - y
    for (int j = 0; j < 2; ++j)                             // BP2: delta_1 = (W_2^T delta_2) (.) a_1 (.) (1 - a_1)
        delta1[j] = (W2[0][j] * delta2[0] + W2[1][j] * delta2[1]) * a1[j] * (1 - a1[j]);

    float loss = 0;
    REQUIRE(net.accumulate(x, label, &loss) == status::ok);
    CHECK(loss == doctest::Approx(-std::log(yhat[1])).epsilon(1e-6));  // loss = -y^T log yhat
    const float* out = net.output();
    CHECK(out[0] == doctest::Approx(yhat[0]).epsilon(1e-6));
    CHECK(out[1] == doctest::Approx(yhat[1]).epsilon(1e-6));
    for (int i = 0; i < 2; ++i) {
        CHECK(net.layer(1).bias_gradients[i] == doctest::Approx(delta2[i]).epsilon(1e-6));  // BP4: db_2 = delta_2
        CHECK(net.layer(0).bias_gradients[i] == doctest::Approx(delta1[i]).epsilon(1e-6));  // BP4: db_1 = delta_1
        for (int j = 0; j < 2; ++j)  // BP3: dW_2 = delta_2 a_1^T
            CHECK(net.layer(1).weight_gradients[i * net.layer(1).stride + j] ==
                  doctest::Approx(delta2[i] * a1[j]).epsilon(1e-6));
        for (int j = 0; j < 3; ++j)  // BP3: dW_1 = delta_1 x^T
            CHECK(net.layer(0).weight_gradients[i * net.layer(0).stride + j] ==
                  doctest::Approx(delta1[i] * x[j]).epsilon(1e-6));
    }

    // The online update from the same weights: W <- W - eta dW, b <- b - eta db.
    Mlp<3, Dense<2, Sigmoid>, Dense<2, Softmax>> online(1);
    test::copy_parameters(net, online);
    const float eta = 0.5f;
    REQUIRE(online.train_step(x, label, eta) == status::ok);
    for (int i = 0; i < 2; ++i) {
        CHECK(online.layer(1).bias[i] == doctest::Approx(b2[i] - eta * delta2[i]).epsilon(1e-6));
        CHECK(online.layer(0).bias[i] == doctest::Approx(b1[i] - eta * delta1[i]).epsilon(1e-6));
        for (int j = 0; j < 2; ++j)
            CHECK(online.layer(1).weights[i * online.layer(1).stride + j] ==
                  doctest::Approx(W2[i][j] - eta * delta2[i] * a1[j]).epsilon(1e-6));
        for (int j = 0; j < 3; ++j)
            CHECK(online.layer(0).weights[i * online.layer(0).stride + j] ==
                  doctest::Approx(W1[i][j] - eta * delta1[i] * x[j]).epsilon(1e-6));
    }
}

TEST_CASE("the reported loss never takes log(0)") {
    // Weights that push the true class's probability below the smallest float.
    Mlp<1, Dense<2, Softmax>> net(1);
    test::set_weight(net, 0, 0, 0, 100.0f);
    test::set_weight(net, 0, 1, 0, -100.0f);
    const float x[1] = {1.0f};
    float y[2];
    REQUIRE(net.predict(x, y) == status::ok);
    CHECK(y[1] == 0.0f);  // exp(-200) underflows: log(yhat_1) would be -inf
    float loss = 0;
    REQUIRE(net.train_step(x, 1u, 1e-3f, &loss) == status::ok);
    CHECK(loss == doctest::Approx(200.0).epsilon(1e-6));  // logsumexp(z) - z_1

    // The same for the binary cross-entropy of a saturated sigmoid output.
    Mlp<1, Dense<1, Sigmoid>> bin(1);
    test::set_weight(bin, 0, 0, 0, 120.0f);
    const float target[1] = {0.0f};
    REQUIRE(bin.train_step_target(x, target, 1e-3f, &loss) == status::ok);
    CHECK(loss == doctest::Approx(120.0).epsilon(1e-6));
}
