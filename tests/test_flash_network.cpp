// Prediction from const arrays: the same outputs as the network the arrays came from, and
// a clear status for every inconsistent description.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "microprop/flash_network.hpp"
#include "microprop/microprop.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

// A trained network's parameters copied out as an exporter lays them out.
struct exported {
    std::uint32_t inputs = 0, count = 0;
    std::uint32_t outputs[max_layers] = {};
    std::uint8_t acts[max_layers] = {};
    std::vector<test::aligned_buffer> w, b;
    const float* wp[max_layers] = {};
    const float* bp[max_layers] = {};

    template <class Net>
    explicit exported(Net& net) : inputs(net.input_size()), count(net.layer_count()) {
        for (std::uint32_t l = 0; l < count; ++l) {
            const layer_params p = net.layer(l);
            outputs[l] = static_cast<std::uint32_t>(p.rows);
            acts[l] = static_cast<std::uint8_t>(p.act);
            w.emplace_back(p.rows * p.stride);
            b.emplace_back(p.rows);
            std::memcpy(w.back().data(), p.weights, p.rows * p.stride * sizeof(float));
            std::memcpy(b.back().data(), p.bias, p.rows * sizeof(float));
        }
        for (std::uint32_t l = 0; l < count; ++l) {
            wp[l] = w[l].data();
            bp[l] = b[l].data();
        }
    }
    flash_network description() const { return {inputs, count, row_floats, outputs, acts, wp, bp}; }
};

}  // namespace

TEST_CASE("flash predict gives the network's outputs bit for bit, for every kernel table") {
    const kernel_table& original = active_kernels();
    // Layer widths 12, 9, 5: the buffers alternate, so layer 3 reuses the one layer 1
    // filled with 12 values; its padding must read as zero.
    auto net = std::make_unique<Mlp<20, Dense<12, Sigmoid>, Dense<9, Relu>, Dense<5, Softmax>>>(4);
    test::rng r(3);
    for (int i = 0; i < 100; ++i) {
        float x[20];
        for (float& v : x) v = r.uniform(-1, 1);
        REQUIRE(net->train_step(x, static_cast<std::uint32_t>(r.next() % 5), 0.1f) == status::ok);
    }
    const exported e(*net);
    const flash_network fn = e.description();
    test::aligned_buffer scratch(flash_scratch_floats(fn));
    CHECK(scratch.size() == padded(20) + 2 * padded(12));
    for (std::size_t t = 0; t < kernel_table_count(); ++t) {
        CAPTURE(kernel_table_at(t).name);
        REQUIRE(select_kernels(kernel_table_at(t).name));
        for (int i = 0; i < 20; ++i) {
            float x[20], want[5], got[5];
            for (float& v : x) v = r.uniform(-2, 2);
            REQUIRE(net->predict(x, want) == status::ok);
            REQUIRE(predict(fn, x, got, scratch.data(), scratch.size()) == status::ok);
            CHECK(std::memcmp(want, got, sizeof want) == 0);
        }
    }
    REQUIRE(select_kernels(original.name));
}

TEST_CASE("flash predict refuses inconsistent descriptions and bad inputs") {
    auto net = std::make_unique<Mlp<6, Dense<5, Tanh>, Dense<3, Identity>>>(2);
    exported e(*net);
    test::aligned_buffer scratch(flash_scratch_floats(e.description()));
    const float x[6] = {0.1f, 0.2f, 0.3f, -0.1f, -0.2f, -0.3f};
    float y[3];
    flash_network fn = e.description();
    CHECK(predict(fn, x, y, scratch.data(), scratch.size()) == status::ok);

    fn.row_floats = row_floats * 2;
    CHECK(predict(fn, x, y, scratch.data(), scratch.size()) == status::padding_mismatch);
    fn = e.description();
    fn.layer_count = 0;
    CHECK(predict(fn, x, y, scratch.data(), scratch.size()) == status::invalid_shape);
    fn = e.description();
    e.acts[1] = 9;
    CHECK(predict(fn, x, y, scratch.data(), scratch.size()) == status::invalid_shape);
    e.acts[1] = static_cast<std::uint8_t>(activation::softmax);
    e.acts[0] = static_cast<std::uint8_t>(activation::softmax);  // softmax only last
    CHECK(predict(fn, x, y, scratch.data(), scratch.size()) == status::invalid_shape);
    e.acts[0] = static_cast<std::uint8_t>(activation::tanh);
    e.acts[1] = static_cast<std::uint8_t>(activation::identity);
    CHECK(predict(fn, x, y, scratch.data(), scratch.size() - 1) == status::buffer_too_small);
    test::aligned_buffer roomy(scratch.size() + 1);
    CHECK(predict(fn, x, y, roomy.data() + 1, scratch.size()) == status::misaligned_buffer);
    const float* shifted[2] = {e.wp[0] + 1, e.wp[1]};
    fn.weights = shifted;
    CHECK(predict(fn, x, y, scratch.data(), scratch.size()) == status::misaligned_buffer);
    fn = e.description();
    float bad[6] = {0.1f, 0.2f, std::numeric_limits<float>::infinity(), 0, 0, 0};
    CHECK(predict(fn, bad, y, scratch.data(), scratch.size()) == status::non_finite_input);
    CHECK(predict(fn, nullptr, y, scratch.data(), scratch.size()) == status::null_argument);
    CHECK(predict(fn, x, nullptr, scratch.data(), scratch.size()) == status::null_argument);
    CHECK(predict(fn, x, y, scratch.data(), scratch.size()) == status::ok);
}
