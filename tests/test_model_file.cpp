// Model files: exact round trips, the same bytes on every platform, and every kind of bad
// file refused with its own status before anything is written.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "microprop/microprop.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

using small_net = Mlp<5, Dense<4, Tanh>, Dense<3, Softmax>>;
using big_net = Mlp<20, Dense<12, Sigmoid>, Dense<9, Relu>, Dense<5, Softmax>>;

template <class Net>
std::vector<unsigned char> saved(Net& net) {
    std::vector<unsigned char> bytes(net.model_size());
    std::size_t written = 0;
    REQUIRE(net.save(bytes.data(), bytes.size(), &written) == status::ok);
    REQUIRE(written == bytes.size());
    return bytes;
}

template <class Net>
std::vector<unsigned char> bytes_of(const Net& net) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(&net);
    return std::vector<unsigned char>(p, p + sizeof(Net));
}

template <class Net>
void train_some(Net& net, int steps, std::uint64_t seed) {
    test::rng r(seed);
    for (int i = 0; i < steps; ++i) {
        float x[32];
        for (float& v : x) v = r.uniform(-1, 1);
        REQUIRE(net.train_step(x, static_cast<std::uint32_t>(r.next() % net.output_size()), 0.1f) == status::ok);
    }
}

// Little-endian field writers for crafting files in the tests.
void put_u32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}
void reseal(std::vector<unsigned char>& b) { put_u32(b, b.size() - 4, crc32(b.data(), b.size() - 4)); }

}  // namespace

TEST_CASE("crc32 is the IEEE/zlib CRC-32 and composes") {
    const char* check = "123456789";
    CHECK(crc32(check, 9) == 0xCBF43926u);  // the standard check value
    CHECK(crc32(check + 4, 5, crc32(check, 4)) == 0xCBF43926u);
    CHECK(crc32(nullptr, 0) == 0u);
}

TEST_CASE("save then load restores every parameter and the step count, bit for bit") {
    auto a = std::make_unique<big_net>(3);
    train_some(*a, 50, 1);
    const std::vector<unsigned char> file = saved(*a);
    CHECK(file.size() == a->model_size());
    network_shape shape{};
    REQUIRE(read_model_shape(file.data(), file.size(), &shape) == status::ok);
    CHECK(file.size() == model_file_size(shape));
    CHECK(shape.inputs == 20);
    CHECK(shape.layer_count == 3);
    CHECK(shape.layers[1].outputs == 9);
    CHECK(shape.layers[1].act == activation::relu);

    auto b = std::make_unique<big_net>(99);  // other weights
    REQUIRE(b->load(file.data(), file.size()) == status::ok);
    CHECK(b->steps() == 50);
    CHECK(saved(*b) == file);
    for (std::uint32_t l = 0; l < 3; ++l) {
        const layer_params pa = a->layer(l), pb = b->layer(l);
        CHECK(std::memcmp(pa.weights, pb.weights, pa.rows * pa.stride * sizeof(float)) == 0);
        CHECK(std::memcmp(pa.bias, pb.bias, pa.rows * sizeof(float)) == 0);
    }
    // Training goes on from the same place.
    train_some(*a, 20, 2);
    train_some(*b, 20, 2);
    CHECK(saved(*a) == saved(*b));
}

TEST_CASE("the run-time form loads a file into a buffer of the file's shape") {
    auto a = std::make_unique<big_net>(4);
    train_some(*a, 10, 3);
    const std::vector<unsigned char> file = saved(*a);
    std::size_t required = 0;
    CHECK(Network::create_from_model(file.data(), file.size(), nullptr, 0, nullptr, &required) ==
          status::buffer_too_small);
    test::aligned_buffer buffer(required / sizeof(float) + 1);
    Network net;
    REQUIRE(Network::create_from_model(file.data(), file.size(), buffer.data(), buffer.size() * sizeof(float),
                                       &net) == status::ok);
    CHECK(net.steps() == 10);
    std::vector<unsigned char> again(net.model_size());
    REQUIRE(net.save(again.data(), again.size()) == status::ok);
    CHECK(again == file);
    // A damaged file creates nothing.
    std::vector<unsigned char> damaged = file;
    damaged[100] ^= 1;
    test::aligned_buffer untouched(required / sizeof(float) + 1);
    for (std::size_t i = 0; i < untouched.size(); ++i) untouched[i] = 0.125f;
    const test::aligned_buffer before = untouched;
    Network other;
    CHECK(Network::create_from_model(damaged.data(), damaged.size(), untouched.data(),
                                     untouched.size() * sizeof(float), &other) == status::model_corrupt);
    CHECK(untouched.bitwise_equal(before));
    CHECK(!other.valid());
}

TEST_CASE("the same network gives the same bytes on every platform") {
    // Initialisation is deterministic everywhere (test_network), the format fixes byte
    // order and float encoding: the file of seed 7 has one CRC on the host, under
    // qemu-aarch64 and on every emulated Cortex-M core.
    auto net = std::make_unique<small_net>(7);
    const std::vector<unsigned char> file = saved(*net);
    CHECK(file.size() == 32 + 2 * 8 + (4 * 5 + 4 + 3 * 4 + 3) * 4 + 4);
    const unsigned char header[] = {'M', 'P', 'R', 'M', 1, 0, 0 /* cross-entropy */, 0};
    CHECK(std::memcmp(file.data(), header, sizeof header) == 0);
    // Appending a CRC-32 in little-endian order makes the CRC of the whole constant.
    CHECK(crc32(file.data(), file.size()) == 0x2144DF1Cu);
    const std::uint32_t stored = static_cast<std::uint32_t>(file[file.size() - 4]) |
                                 static_cast<std::uint32_t>(file[file.size() - 3]) << 8 |
                                 static_cast<std::uint32_t>(file[file.size() - 2]) << 16 |
                                 static_cast<std::uint32_t>(file[file.size() - 1]) << 24;
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(stored));
    MESSAGE("model file of small_net(7): ", file.size(), " bytes, CRC-32 ", text);
    CHECK(stored == 0xC8228990u);  // golden: the host, qemu-aarch64 and the Cortex-M cores agree
}

TEST_CASE("save needs room for the whole file and writes nothing otherwise") {
    auto net = std::make_unique<small_net>(1);
    std::vector<unsigned char> out(net->model_size() - 1, 0xAB);
    std::size_t needed = 0;
    CHECK(net->save(out.data(), out.size(), &needed) == status::buffer_too_small);
    CHECK(needed == net->model_size());
    for (unsigned char c : out) REQUIRE(c == 0xAB);
    CHECK(net->save(nullptr, 1000, &needed) == status::buffer_too_small);
}

TEST_CASE("every kind of bad file has its own status and leaves the network as it was") {
    auto source = std::make_unique<small_net>(5);
    train_some(*source, 5, 9);
    const std::vector<unsigned char> good = saved(*source);
    auto target = std::make_unique<small_net>(6);
    const std::vector<unsigned char> before = bytes_of(*target);
    const auto refused = [&](std::vector<unsigned char> file, status expected) {
        CHECK(target->load(file.data(), file.size()) == expected);
        CHECK(bytes_of(*target) == before);
    };

    SUBCASE("truncated at every length") {
        for (std::size_t n = 0; n < good.size(); ++n) {
            CAPTURE(n);
            CHECK(target->load(good.data(), n) == status::model_truncated);
        }
        CHECK(target->load(nullptr, 100) == status::model_truncated);
        CHECK(bytes_of(*target) == before);
    }
    SUBCASE("not a model file") {
        std::vector<unsigned char> text(200, 'x');
        refused(text, status::model_bad_magic);
    }
    SUBCASE("a future format version") {
        std::vector<unsigned char> f = good;
        f[4] = 2;
        reseal(f);
        refused(f, status::model_unsupported_version);
    }
    SUBCASE("any single flipped bit is caught") {
        std::size_t accepted = 0;
        for (std::size_t i = 0; i < good.size(); ++i)
            for (int bit = 0; bit < 8; ++bit) {
                std::vector<unsigned char> f = good;
                f[i] ^= static_cast<unsigned char>(1u << bit);
                accepted += target->load(f.data(), f.size()) == status::ok;
            }
        CHECK(accepted == 0);
        CHECK(bytes_of(*target) == before);
    }
    SUBCASE("damaged payload") {
        std::vector<unsigned char> f = good;
        f[60] ^= 0x10;
        refused(f, status::model_corrupt);
    }
    SUBCASE("impossible fields behind a valid CRC") {
        std::vector<unsigned char> f = good;
        f[32 + 4] = 9;  // activation of layer 0
        reseal(f);
        refused(f, status::model_invalid);
        f = good;
        f[32 + 8 + 4] = static_cast<unsigned char>(activation::sigmoid);  // output no longer softmax:
        reseal(f);                                                     // the stored loss disagrees
        refused(f, status::model_invalid);
        f = good;
        f[7] = 1;  // reserved
        reseal(f);
        refused(f, status::model_invalid);
        f = good;
        put_u32(f, 16, 0);  // no layers
        reseal(f);
        refused(f, status::model_invalid);
        f = good;
        put_u32(f, 12, 6);  // inputs: the size no longer matches the shape
        reseal(f);
        refused(f, status::model_invalid);
        f = good;
        const float nan = std::numeric_limits<float>::quiet_NaN();
        std::memcpy(&f[32 + 16 + 8], &nan, 4);  // a weight (the format is little-endian, as is every test target)
        reseal(f);
        refused(f, status::model_invalid);
    }
    SUBCASE("another shape") {
        auto other = std::make_unique<Mlp<5, Dense<4, Sigmoid>, Dense<3, Softmax>>>(1);  // same sizes, other activation
        const std::vector<unsigned char> f = saved(*other);
        refused(f, status::model_shape_mismatch);
        auto wider = std::make_unique<Mlp<5, Dense<6, Tanh>, Dense<3, Softmax>>>(1);
        refused(saved(*wider), status::model_shape_mismatch);
    }
    SUBCASE("trailing bytes after the file (a flash partition) are ignored") {
        std::vector<unsigned char> f = good;
        f.resize(f.size() + 100, 0xFF);
        CHECK(target->load(f.data(), f.size()) == status::ok);
        CHECK(saved(*target) == good);
    }
}

TEST_CASE("loading resets what the old parameters implied") {
    // Mini-batch gradient sums and the pipelined step's pending forward pass belong to the
    // old parameters; the overflow bounds are measured from the new ones.
    auto net = std::make_unique<MiniBatchMlp<5, Dense<4, Tanh>, Dense<3, Softmax>>>(1);
    auto source = std::make_unique<small_net>(2);
    const float x[5] = {0.1f, 0.2f, -0.3f, 0.4f, 0.5f};
    REQUIRE(net->accumulate(x, 1u) == status::ok);
    REQUIRE(net->predict(x) == status::ok);
    const std::vector<unsigned char> file = saved(*source);
    REQUIRE(net->load(file.data(), file.size()) == status::ok);
    CHECK(net->batch_count() == 0);
    CHECK(net->apply_batch(0.1f) == status::empty_batch);
    CHECK(net->train_then_predict(1u, 0.1f, x) == status::no_forward_pass);
    const layer_params p = net->layer(0);
    for (std::size_t i = 0; i < p.rows * p.stride; ++i) REQUIRE(p.weight_gradients[i] == 0.0f);

    // Huge weights set and saved: the loaded network knows their size and refuses the
    // step that would overflow instead of producing infinity.
    auto huge = std::make_unique<Mlp<3, Dense<2, Identity>>>(1);
    for (std::size_t r = 0; r < 2; ++r) test::set_weight(*huge, 0, r, 0, 3e38f);
    const std::vector<unsigned char> huge_file = saved(*huge);
    auto loaded = std::make_unique<Mlp<3, Dense<2, Identity>>>(2);
    REQUIRE(loaded->load(huge_file.data(), huge_file.size()) == status::ok);
    const float small_x[3] = {1e-3f, 0.0f, 0.0f}, target[2] = {0.0f, 0.0f};
    CHECK(loaded->train_step_target(small_x, target, 1e30f) == status::diverged);
    const layer_params lp = loaded->layer(0);
    for (std::size_t i = 0; i < lp.rows * lp.stride; ++i) REQUIRE(std::isfinite(lp.weights[i]));
}
