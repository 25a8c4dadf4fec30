// The two ways to declare a network: exact storage, the same engine, the same results;
// the run-time form's buffer contract; deterministic initialisation.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "microprop/microprop.hpp"
#include "microprop/random.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

using classic = Mlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>>;

constexpr std::size_t f = sizeof(float);

network_shape shape_784_128_10(training mode) {
    network_shape s{};
    s.inputs = 784;
    s.layer_count = 2;
    s.layers[0] = {128, activation::sigmoid};
    s.layers[1] = {10, activation::softmax};
    s.mode = mode;
    return s;
}

}  // namespace

TEST_CASE("compile-time form: sizeof is the footprint, and the footprint is what the network needs") {
    constexpr memory_footprint fp = classic::footprint();  // constexpr
    static_assert(sizeof(classic) == fp.total, "the object is its storage, nothing else");
    static_assert(alignof(classic) == vector_alignment, "rows are aligned for vector loads");

    CHECK(fp.weights == (128 * padded(784) + 10 * padded(128)) * f);
    CHECK(fp.biases == (padded(128) + padded(10)) * f);
    // two input slots (a_0, next input), a_1, a_2, the published output
    CHECK(fp.activations == (2 * padded(784) + padded(128) + 2 * padded(10)) * f);
    CHECK(fp.deltas == 2 * padded(128) * f);                                // ping-pong, widest layer
    CHECK(fp.gradients == 0);                                               // online: none
    // Counters and settings (24 bytes) and two overflow bounds per layer, rounded to the alignment.
    CHECK(fp.bookkeeping == detail::round_up(24 + 2 * 2 * f, vector_alignment));
    CHECK(fp.total == fp.weights + fp.biases + fp.activations + fp.deltas + fp.bookkeeping);
    MESSAGE("footprint of Mlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>>: weights ", fp.weights,
            ", biases ", fp.biases, ", activations ", fp.activations, ", deltas ", fp.deltas,
            ", gradients ", fp.gradients, ", bookkeeping ", fp.bookkeeping, ", total ", fp.total);

    using batched = MiniBatchMlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>>;
    constexpr memory_footprint fb = batched::footprint();
    static_assert(sizeof(batched) == fb.total, "");
    CHECK(fb.gradients == fp.weights + fp.biases);  // one sum per parameter
    CHECK(fb.weights == fp.weights);
}

TEST_CASE("run-time form reports the size it needs and never writes past a small buffer") {
    const network_shape shape = shape_784_128_10(training::online);
    const std::size_t need = footprint_of(shape).total;
    // The stored shape is the only difference from the compile-time form.
    CHECK(need == classic::footprint().total - classic::footprint().bookkeeping +
                      detail::header_bytes(2, training::online, true));

    std::size_t required = 0;
    Network net;
    CHECK(Network::create(shape, nullptr, 0, nullptr, &required) == status::buffer_too_small);
    CHECK(required == need);

    test::aligned_buffer small(need / f - 1);
    std::memset(small.data(), 0xAB, small.size() * f);
    test::aligned_buffer copy(small);
    required = 0;
    CHECK(Network::create(shape, small.data(), small.size() * f, &net, &required) == status::buffer_too_small);
    CHECK(required == need);
    CHECK(!net.valid());
    CHECK(small.bitwise_equal(copy));  // nothing written
    CHECK(small.guards_intact());

    test::aligned_buffer exact(need / f);
    CHECK(Network::create(shape, reinterpret_cast<unsigned char*>(exact.data()) + 4, need, &net) ==
          status::misaligned_buffer);
    REQUIRE(Network::create(shape, exact.data(), need, &net) == status::ok);
    CHECK(exact.guards_intact());
    CHECK(net.footprint().total == need);
    CHECK(net.input_size() == 784);
    CHECK(net.output_size() == 10);

    // Training touches nothing beyond the buffer.
    std::vector<float> x(784, 0.5f);
    for (int i = 0; i < 3; ++i) REQUIRE(net.train_step(x.data(), 3u, 0.1f) == status::ok);
    CHECK(exact.guards_intact());

    // attach() re-opens the same buffer with its trained state; it refuses foreign bytes.
    Network again;
    REQUIRE(Network::attach(exact.data(), need, &again) == status::ok);
    CHECK(again.steps() == 3);
    CHECK(again.layer(0).weights == net.layer(0).weights);
    CHECK(Network::attach(exact.data(), need - 1, &again) == status::buffer_too_small);
    test::aligned_buffer junk(need / f);
    std::memset(junk.data(), 0x5A, need);
    CHECK(Network::attach(junk.data(), need, &again) == status::not_a_network);
}

TEST_CASE("run-time form rejects invalid shapes") {
    test::aligned_buffer buffer(1 << 16);
    Network net;
    auto create = [&](network_shape s) { return Network::create(s, buffer.data(), buffer.size() * f, &net); };
    network_shape s = shape_784_128_10(training::online);
    s.layer_count = 0;
    CHECK(create(s) == status::invalid_shape);
    s = shape_784_128_10(training::online);
    s.layer_count = max_layers + 1;
    CHECK(create(s) == status::invalid_shape);
    s = shape_784_128_10(training::online);
    s.inputs = 0;
    CHECK(create(s) == status::invalid_shape);
    s = shape_784_128_10(training::online);
    s.layers[0].outputs = 0;
    CHECK(create(s) == status::invalid_shape);
    s = shape_784_128_10(training::online);
    s.layers[0].act = activation::softmax;  // softmax is an output, not a hidden activation
    CHECK(create(s) == status::invalid_shape);
    s = shape_784_128_10(training::online);
    s.layers[1].outputs = 1;  // softmax over one class is constant
    CHECK(create(s) == status::invalid_shape);
    s = shape_784_128_10(training::online);
    s.layers[1].act = static_cast<activation>(42);
    CHECK(create(s) == status::invalid_shape);
    CHECK(!net.valid());
}

TEST_CASE("both forms run the same engine: same seed, same weights, same training, bit for bit") {
    auto fixed = std::make_unique<Mlp<20, Dense<12, Sigmoid>, Dense<9, Tanh>, Dense<5, Softmax>>>(77);
    const network_shape shape{20, 3, {{12, activation::sigmoid}, {9, activation::tanh}, {5, activation::softmax}}};
    test::aligned_buffer buffer(footprint_of(shape).total / f);
    Network dynamic;
    REQUIRE(Network::create(shape, buffer.data(), buffer.size() * f, &dynamic, nullptr, 77) == status::ok);
    test::rng r(1);
    for (int step = 0; step < 100; ++step) {
        float x[20];
        for (float& v : x) v = r.uniform(-1, 1);
        const std::uint32_t label = static_cast<std::uint32_t>(r.next() % 5);
        float l1, l2;
        REQUIRE(fixed->train_step(x, label, 0.2f, &l1) == status::ok);
        REQUIRE(dynamic.train_step(x, label, 0.2f, &l2) == status::ok);
        REQUIRE(test::same_bits(l1, l2));
    }
    for (std::uint32_t l = 0; l < 3; ++l) {
        const layer_params a = fixed->layer(l), b = dynamic.layer(l);
        CHECK(std::memcmp(a.weights, b.weights, a.rows * a.stride * f) == 0);
        CHECK(std::memcmp(a.bias, b.bias, a.rows * f) == 0);
    }
}

TEST_CASE("initialisation: deterministic, Xavier/He scaled, the same on every platform") {
    Mlp<4, Dense<3, Sigmoid>, Dense<2, Softmax>> a(2024), b(2024), c(2025);
    CHECK(std::memcmp(a.layer(0).weights, b.layer(0).weights, 3 * a.layer(0).stride * f) == 0);
    CHECK(std::memcmp(a.layer(0).weights, c.layer(0).weights, 3 * a.layer(0).stride * f) != 0);

    // The generator's first outputs are fixed numbers, whatever the compiler or the CPU
    // (the reference values of SplitMix64 seeded with 1234567).
    splitmix64 g(1234567);
    CHECK(g.next() == 6457827717110365317ull);
    CHECK(g.next() == 3203168211198807973ull);
    // So are the first weights: (2u - 1) limit with u = 24-bit uniforms, Xavier limit
    // sqrt(6 / (fan_in + fan_out)) = sqrt(6 / 7) for the 4 -> 3 layer.
    splitmix64 w(2024);
    const float limit = std::sqrt(3.0f / 3.5f);
    for (std::size_t j = 0; j < 4; ++j) CHECK(test::same_bits(a.layer(0).weights[j], w.symmetric(limit)));

    // Scale: Glorot/Xavier for sigmoid (variance limit^2 / 3), He for ReLU (sqrt(6/fan_in)).
    auto big = std::make_unique<Mlp<400, Dense<300, Relu>, Dense<100, Sigmoid>, Dense<10, Softmax>>>(1);
    const double he = std::sqrt(6.0 / 400), xavier = std::sqrt(6.0 / 400);
    double sum = 0, sum2 = 0, biggest = 0;
    const layer_params relu = big->layer(0);
    for (std::size_t i = 0; i < relu.rows; ++i)
        for (std::size_t j = 0; j < relu.cols; ++j) {
            const double v = relu.weights[i * relu.stride + j];
            sum += v;
            sum2 += v * v;
            biggest = std::fmax(biggest, std::fabs(v));
        }
    const double n = 300.0 * 400.0;
    CHECK(std::fabs(sum / n) < 0.01 * he);
    CHECK(std::sqrt(sum2 / n) == doctest::Approx(he / std::sqrt(3.0)).epsilon(0.01));
    CHECK(biggest <= he);
    const layer_params sig = big->layer(1);  // 300 -> 100: sqrt(6 / 400)
    double sig2 = 0;
    for (std::size_t i = 0; i < sig.rows; ++i)
        for (std::size_t j = 0; j < sig.cols; ++j) sig2 += double(sig.weights[i * sig.stride + j]) * sig.weights[i * sig.stride + j];
    CHECK(std::sqrt(sig2 / 30000.0) == doctest::Approx(xavier / std::sqrt(3.0)).epsilon(0.02));
    for (std::size_t i = 0; i < sig.rows; ++i) CHECK(sig.bias[i] == 0.0f);
}

TEST_CASE("padding columns stay zero through training") {
    auto net = std::make_unique<Mlp<13, Dense<7, Relu>, Dense<3, Softmax>>>(4);
    test::rng r(2);
    for (int step = 0; step < 200; ++step) {
        float x[13];
        for (float& v : x) v = r.uniform(-2, 2);
        REQUIRE(net->train_step(x, static_cast<std::uint32_t>(step % 3), 0.1f) == status::ok);
    }
    for (std::uint32_t l = 0; l < 2; ++l) {
        const layer_params p = net->layer(l);
        for (std::size_t i = 0; i < p.rows; ++i)
            for (std::size_t j = p.cols; j < p.stride; ++j) REQUIRE(p.weights[i * p.stride + j] == 0.0f);
    }
}

TEST_CASE("every runnable kernel table trains the same network to the same place") {
    const kernel_table& original = active_kernels();
    std::vector<float> reference_weights;
    for (std::size_t t = 0; t < kernel_table_count(); ++t) {
        const kernel_table& table = kernel_table_at(t);
        CAPTURE(table.name);
        REQUIRE(select_kernels(table.name));
        CHECK(std::strcmp(active_kernels().name, table.name) == 0);
        auto net = std::make_unique<Mlp<16, Dense<24, Sigmoid>, Dense<4, Softmax>>>(3);
        test::rng r(8);
        for (int step = 0; step < 300; ++step) {
            float x[16];
            for (float& v : x) v = r.uniform(-1, 1);
            REQUIRE(net->train_step(x, static_cast<std::uint32_t>(x[0] > 0) + 2 * (x[1] > 0), 0.1f) == status::ok);
        }
        const layer_params p = net->layer(0);
        if (reference_weights.empty()) {
            reference_weights.assign(p.weights, p.weights + p.rows * p.stride);
        } else {
            // Different summation orders and fused multiply-adds: agreement within 1e-4
            // after 300 steps of a chaotic process is the expected float behaviour.
            for (std::size_t i = 0; i < reference_weights.size(); ++i)
                REQUIRE(p.weights[i] == doctest::Approx(reference_weights[i]).epsilon(1e-3).scale(0.1));
        }
    }
    CHECK(!select_kernels("no-such-isa"));
    REQUIRE(select_kernels(original.name));
}
