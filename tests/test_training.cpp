// Convergence on problems with known answers, and the mini-batch (N-sample) version of
// the derivation: its gradient is the mean of the single-sample gradients, and a batch of
// one is the online step.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "microprop/microprop.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

// Gaussian-ish blobs: class c has its centre on axis c (and -axis c for c >= dims).
struct blobs {
    static constexpr std::uint32_t dims = 8, classes = 4;
    test::rng r;
    explicit blobs(std::uint64_t seed) : r(seed) {}
    std::uint32_t next(float* x) {
        const std::uint32_t c = static_cast<std::uint32_t>(r.next() % classes);
        for (std::uint32_t i = 0; i < dims; ++i) {
            // Sum of three uniforms: a bell-shaped noise of standard deviation 0.5.
            const float noise = r.uniform(-0.5f, 0.5f) + r.uniform(-0.5f, 0.5f) + r.uniform(-0.5f, 0.5f);
            x[i] = noise + (i == c % dims ? (c < dims ? 2.0f : -2.0f) : 0.0f);
        }
        return c;
    }
};

template <class Net>
double accuracy_on_blobs(Net& net, std::uint64_t seed, int samples) {
    blobs data(seed);
    int correct = 0;
    for (int i = 0; i < samples; ++i) {
        float x[blobs::dims], y[blobs::classes];
        const std::uint32_t c = data.next(x);
        REQUIRE(net.predict(x, y) == status::ok);
        std::uint32_t best = 0;
        for (std::uint32_t k = 1; k < blobs::classes; ++k) best = y[k] > y[best] ? k : best;
        correct += best == c;
    }
    return static_cast<double>(correct) / samples;
}

const float xor_x[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
const std::uint32_t xor_label[4] = {0, 1, 1, 0};

}  // namespace

TEST_CASE("XOR: sigmoid hidden layer, softmax + cross-entropy output (the classic network)") {
    Mlp<2, Dense<8, Sigmoid>, Dense<2, Softmax>> net(3);
    float loss = 0;
    for (int epoch = 0; epoch < 3000; ++epoch) {
        loss = 0;
        for (int i = 0; i < 4; ++i) {
            float l;
            REQUIRE(net.train_step(xor_x[i], xor_label[i], 0.5f, &l) == status::ok);
            loss += l / 4;
        }
    }
    CHECK(loss < 0.01f);
    for (int i = 0; i < 4; ++i) {
        float y[2];
        REQUIRE(net.predict(xor_x[i], y) == status::ok);
        CHECK(y[xor_label[i]] > 0.95f);
    }
    CHECK(net.steps() == 12000);
}

TEST_CASE("XOR: tanh hidden layer, sigmoid + binary cross-entropy output") {
    Mlp<2, Dense<6, Tanh>, Dense<1, Sigmoid>> net(5);
    for (int epoch = 0; epoch < 2000; ++epoch)
        for (int i = 0; i < 4; ++i) {
            const float t[1] = {static_cast<float>(xor_label[i])};
            REQUIRE(net.train_step_target(xor_x[i], t, 0.3f) == status::ok);
        }
    for (int i = 0; i < 4; ++i) {
        float y[1];
        REQUIRE(net.predict(xor_x[i], y) == status::ok);
        CHECK(std::fabs(y[0] - static_cast<float>(xor_label[i])) < 0.1f);
    }
}

TEST_CASE("synthetic 4-class problem, online, one pass over a stream, every hidden activation") {
    for (activation hidden : {activation::sigmoid, activation::tanh, activation::relu}) {
        CAPTURE(static_cast<int>(hidden));
        network_shape shape{};
        shape.inputs = blobs::dims;
        shape.layer_count = 2;
        shape.layers[0] = {16, hidden};
        shape.layers[1] = {blobs::classes, activation::softmax};
        test::aligned_buffer buffer(footprint_of(shape).total / sizeof(float) + 1);
        Network net;
        REQUIRE(Network::create(shape, buffer.data(), buffer.size() * sizeof(float), &net) == status::ok);
        CHECK(accuracy_on_blobs(net, 99, 500) < 0.6);  // untrained: near chance
        blobs stream(1);
        for (int i = 0; i < 3000; ++i) {
            float x[blobs::dims];
            const std::uint32_t c = stream.next(x);
            REQUIRE(net.train_step(x, c, 0.05f) == status::ok);
        }
        CHECK(accuracy_on_blobs(net, 99, 2000) > 0.95);  // Bayes accuracy here is about 0.99
    }
}

TEST_CASE("regression: identity output + squared error learns a linear map") {
    Mlp<3, Dense<8, Tanh>, Dense<2, Identity>> net(2);
    test::rng r(4);
    auto truth = [](const float* x, float* y) {
        y[0] = 0.5f * x[0] - 0.3f * x[1] + 0.1f;
        y[1] = -0.2f * x[1] + 0.4f * x[2];
    };
    for (int i = 0; i < 20000; ++i) {
        float x[3] = {r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(-1, 1)}, y[2];
        truth(x, y);
        REQUIRE(net.train_step_target(x, y, 0.05f) == status::ok);
    }
    double mse = 0;
    for (int i = 0; i < 500; ++i) {
        float x[3] = {r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(-1, 1)}, y[2], yhat[2];
        truth(x, y);
        REQUIRE(net.predict(x, yhat) == status::ok);
        mse += ((yhat[0] - y[0]) * (yhat[0] - y[0]) + (yhat[1] - y[1]) * (yhat[1] - y[1])) / 500;
    }
    CHECK(mse < 1e-3);  // targets have variance about 0.1
}

TEST_CASE("deep networks: 1 to 8 layers all learn the 4-class problem") {
    for (std::uint32_t depth = 1; depth <= 8; ++depth) {
        CAPTURE(depth);
        network_shape shape{};
        shape.inputs = blobs::dims;
        shape.layer_count = depth;
        for (std::uint32_t l = 0; l + 1 < depth; ++l) shape.layers[l] = {12, activation::tanh};
        shape.layers[depth - 1] = {blobs::classes, activation::softmax};
        test::aligned_buffer buffer(footprint_of(shape).total / sizeof(float) + 1);
        Network net;
        REQUIRE(Network::create(shape, buffer.data(), buffer.size() * sizeof(float), &net, nullptr, depth) ==
                status::ok);
        blobs stream(8);
        for (int i = 0; i < 4000; ++i) {
            float x[blobs::dims];
            const std::uint32_t c = stream.next(x);
            REQUIRE(net.train_step(x, c, 0.02f) == status::ok);
        }
        CHECK(accuracy_on_blobs(net, 77, 1000) > 0.93);
    }
}

TEST_CASE("mini-batch of one equals the online step") {
    using online_net = Mlp<8, Dense<16, Sigmoid>, Dense<7, Sigmoid>, Dense<4, Softmax>>;
    using batch_net = MiniBatchMlp<8, Dense<16, Sigmoid>, Dense<7, Sigmoid>, Dense<4, Softmax>>;
    auto online = std::make_unique<online_net>(42);
    auto batched = std::make_unique<batch_net>(42);
    blobs stream(2);
    for (int step = 0; step < 50; ++step) {
        float x[blobs::dims];
        const std::uint32_t c = stream.next(x);
        REQUIRE(online->train_step(x, c, 0.1f) == status::ok);
        REQUIRE(batched->accumulate(x, c) == status::ok);
        REQUIRE(batched->apply_batch(0.1f) == status::ok);
    }
    CHECK(online->steps() == batched->steps());
    // The two orders of rounding, (eta d_i) x_j and eta (d_i x_j), differ by an ulp or two
    // per step; after 50 steps the weights agree to a few 1e-7 absolute.
    for (std::uint32_t l = 0; l < 3; ++l) {
        const layer_params a = online->layer(l), b = batched->layer(l);
        for (std::size_t i = 0; i < a.rows * a.stride; ++i)
            REQUIRE(a.weights[i] == doctest::Approx(b.weights[i]).epsilon(1e-5).scale(1.0));
        for (std::size_t i = 0; i < a.rows; ++i)
            REQUIRE(a.bias[i] == doctest::Approx(b.bias[i]).epsilon(1e-5).scale(1.0));
    }
}

TEST_CASE("mini-batch gradient is the mean of the single-sample gradients") {
    using net_t = MiniBatchMlp<8, Dense<12, Tanh>, Dense<4, Softmax>>;
    auto batched = std::make_unique<net_t>(9);
    auto single = std::make_unique<net_t>(9);
    const std::size_t n0 = 12 * padded(8), n1 = 4 * padded(12);
    std::vector<double> mean0(n0), mean1(n1), meanb(4);
    blobs stream(5);
    const int N = 32;
    for (int s = 0; s < N; ++s) {
        float x[blobs::dims];
        const std::uint32_t c = stream.next(x);
        REQUIRE(batched->accumulate(x, c) == status::ok);
        // The single-sample gradient: a fresh sum holding only this sample.
        // (writing the network's own parameters back clears its sums, as set_layer does)
        test::copy_parameters(*single, *single);
        REQUIRE(single->batch_count() == 0);
        REQUIRE(single->accumulate(x, c) == status::ok);
        for (std::size_t i = 0; i < n0; ++i) mean0[i] += single->layer(0).weight_gradients[i] / double(N);
        for (std::size_t i = 0; i < n1; ++i) mean1[i] += single->layer(1).weight_gradients[i] / double(N);
        for (std::size_t i = 0; i < 4; ++i) meanb[i] += single->layer(1).bias_gradients[i] / double(N);
    }
    CHECK(batched->batch_count() == N);
    for (std::size_t i = 0; i < n0; ++i)
        REQUIRE(batched->layer(0).weight_gradients[i] / N == doctest::Approx(mean0[i]).epsilon(1e-5).scale(1e-2));
    for (std::size_t i = 0; i < n1; ++i)
        REQUIRE(batched->layer(1).weight_gradients[i] / N == doctest::Approx(mean1[i]).epsilon(1e-5).scale(1e-2));
    for (std::size_t i = 0; i < 4; ++i)
        REQUIRE(batched->layer(1).bias_gradients[i] / N == doctest::Approx(meanb[i]).epsilon(1e-5).scale(1e-2));

    // Applying the batch moves the weights by -eta times that mean, and restarts the sums.
    std::vector<float> before(batched->layer(1).weights, batched->layer(1).weights + n1);
    REQUIRE(batched->apply_batch(0.5f) == status::ok);
    for (std::size_t i = 0; i < n1; ++i)
        REQUIRE(batched->layer(1).weights[i] ==
                doctest::Approx(before[i] - 0.5 * mean1[i]).epsilon(1e-5).scale(1.0));
    CHECK(batched->batch_count() == 0);
    CHECK(batched->steps() == 1);
    for (std::size_t i = 0; i < n1; ++i) REQUIRE(batched->layer(1).weight_gradients[i] == 0.0f);
}

TEST_CASE("mini-batch training converges on the 4-class problem") {
    auto net = std::make_unique<MiniBatchMlp<8, Dense<16, Sigmoid>, Dense<4, Softmax>>>(6);
    blobs stream(3);
    for (int batch = 0; batch < 300; ++batch) {
        for (int s = 0; s < 16; ++s) {
            float x[blobs::dims];
            const std::uint32_t c = stream.next(x);
            REQUIRE(net->accumulate(x, c) == status::ok);
        }
        REQUIRE(net->apply_batch(0.5f) == status::ok);
    }
    CHECK(accuracy_on_blobs(*net, 12, 1000) > 0.95);
}
