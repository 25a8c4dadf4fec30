// "A refused call changes nothing", checked byte by byte: for every entry point and every
// status it can refuse with, the network's whole storage after the refusal equals the
// storage before it, outside the scratch vectors that every call writes before reading
// (the two delta vectors and the free input slot; and, when no forward pass is pending,
// a_0..a_L, which no call reads then). What the scratch held that a caller can observe
// (z_L of a pending forward pass, which the pipelined step's loss reads) is checked by
// behaviour: a twin copy of the network that never saw the refused call continues with
// the same calls, and both must give the same bits.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <limits>
#include <string>
#include <vector>

#include "layout.hpp"  // the library's storage walk, to know where the scratch vectors are
#include "microprop/checkpoint.hpp"
#include "microprop/microprop.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

constexpr float nan_value = std::numeric_limits<float>::quiet_NaN();
constexpr float inf_value = std::numeric_limits<float>::infinity();

// A run-time network in a buffer the test owns, so that every byte of it can be compared.
class arena {
public:
    explicit arena(const network_shape& shape, std::uint64_t seed = 1) : shape_(shape) {
        size_ = footprint_of(shape).total;
        raw_.assign(size_ + vector_alignment, 0);
        REQUIRE(Network::create(shape, base(), size_, &net, nullptr, seed) == status::ok);
    }
    // A twin: the same bytes in another buffer, attached.
    arena(const arena& other) : shape_(other.shape_), size_(other.size_), raw_(other.raw_.size(), 0) {
        std::memcpy(base(), other.base(), size_);
        REQUIRE(Network::attach(base(), size_, &net) == status::ok);
    }
    arena& operator=(const arena&) = delete;

    Network net;

    // The storage with the scratch ranges of the state *as it is now* zeroed out.
    std::vector<unsigned char> observable() const { return masked(scratch_ranges()); }
    // The storage with the given ranges zeroed out.
    std::vector<unsigned char> masked(const std::vector<std::pair<std::size_t, std::size_t>>& ranges) const {
        std::vector<unsigned char> bytes(base(), base() + size_);
        for (const auto& r : ranges) std::memset(bytes.data() + r.first, 0, r.second);
        return bytes;
    }
    std::vector<std::pair<std::size_t, std::size_t>> scratch_ranges() const {
        const detail::network_ref n = ref();
        std::vector<std::pair<std::size_t, std::size_t>> ranges;
        const auto add = [&](const float* p, std::size_t floats) {
            ranges.emplace_back(static_cast<std::size_t>(reinterpret_cast<const unsigned char*>(p) - base()),
                                floats * sizeof(float));
        };
        add(detail::delta_buffer(n, 0), 2 * n.widest);
        add(detail::next_input(n), padded(n.inputs));
        if (!n.state->forward_pending) {
            add(detail::input_copy(n), padded(n.inputs));
            for (std::uint32_t l = 0; l < n.layer_count; ++l) add(detail::view(n, l).a, padded(n.layers[l].outputs));
        }
        return ranges;
    }
    bool forward_pending() const { return ref().state->forward_pending; }

private:
    unsigned char* base() { return raw_.data() + (vector_alignment - reinterpret_cast<std::uintptr_t>(raw_.data()) % vector_alignment) % vector_alignment; }
    const unsigned char* base() const { return const_cast<arena*>(this)->base(); }
    detail::network_ref ref() const {
        const auto* stored = reinterpret_cast<const detail::stored_shape*>(base());
        return detail::make_ref(stored->layers, stored->layer_count, stored->inputs, stored->mode,
                                const_cast<unsigned char*>(base()) + sizeof(detail::stored_shape));
    }
    network_shape shape_;
    std::size_t size_ = 0;
    std::vector<unsigned char> raw_;
};

std::uint32_t bits(float v) { return test::bits_of(v); }

// The calls after the refusal, on the network and on its twin: they must agree bit for bit.
// With a forward pass pending, the pipelined step learns it (its loss reads z_L); then a
// prediction and a plain step.
void continue_identically(arena& refused, arena& twin, const float* x_next, std::uint32_t label,
                          const float* target) {
    const std::uint32_t outputs = refused.net.output_size();
    REQUIRE(twin.net.output() != nullptr);
    for (std::uint32_t i = 0; i < outputs; ++i) CHECK(bits(refused.net.output()[i]) == bits(twin.net.output()[i]));
    if (twin.forward_pending()) {
        float loss_a = -1, loss_b = -2;
        // The regressor's weights are huge on purpose: a step as small as its updates need.
        const float eta = target != nullptr ? 1e-30f : 0.05f;
        const status a = target != nullptr ? refused.net.train_then_predict_target(target, eta, x_next, &loss_a)
                                           : refused.net.train_then_predict(label, eta, x_next, &loss_a);
        const status b = target != nullptr ? twin.net.train_then_predict_target(target, eta, x_next, &loss_b)
                                           : twin.net.train_then_predict(label, eta, x_next, &loss_b);
        CHECK(a == status::ok);
        CHECK(a == b);
        CHECK(bits(loss_a) == bits(loss_b));
    } else {
        CHECK(refused.net.predict(x_next) == twin.net.predict(x_next));
    }
    for (std::uint32_t i = 0; i < outputs; ++i) CHECK(bits(refused.net.output()[i]) == bits(twin.net.output()[i]));
    CHECK(refused.observable() == twin.observable());
}

// Runs `call` on `a`, which it must refuse with `expected`, and checks that nothing
// observable changed.
void check_refusal(arena& a, status expected, const std::function<status(Network&)>& call, const char* what,
                   const float* x_next, std::uint32_t label, const float* target = nullptr) {
    const std::string call_name = what, expected_name = status_message(expected);
    CAPTURE(call_name);
    CAPTURE(expected_name);
    const bool pending = a.forward_pending();
    CAPTURE(pending);
    arena twin(a);
    const auto ranges = a.scratch_ranges();
    const std::vector<unsigned char> before = a.masked(ranges);
    CHECK(call(a.net) == expected);
    CHECK(a.forward_pending() == pending);
    CHECK(a.masked(ranges) == before);
    continue_identically(a, twin, x_next, label, target);
}

network_shape classifier_shape(training mode = training::online) {
    return network_shape{5, 2, {{7, activation::sigmoid}, {3, activation::softmax}}, mode};
}
// Identity layers whose weights reach 1e9: finite outputs for small inputs, an overflow
// for large ones, and an update that overflows for a large learning rate.
network_shape regressor_shape(training mode = training::online) {
    return network_shape{3, 2, {{4, activation::identity}, {2, activation::identity}}, mode};
}
void make_huge(Network& net) {
    const float w1[4 * 3] = {1e9f, 0.5f, -0.25f, 0.1f, 1e9f, 0.3f, -0.2f, 0.4f, 1e9f, 0.2f, 0.1f, -0.3f};
    const float b1[4] = {0.1f, -0.1f, 0.2f, 0.0f};
    const float w2[2 * 4] = {1e9f, 0.5f, 0.25f, -0.5f, 0.3f, 1e9f, -0.1f, 0.2f};
    const float b2[2] = {0.0f, 0.5f};
    REQUIRE(net.set_layer(0, w1, b1) == status::ok);
    REQUIRE(net.set_layer(1, w2, b2) == status::ok);
}

const float cx[5] = {0.5f, -0.25f, 1.0f, 0.75f, -1.0f};
const float cx2[5] = {-0.5f, 0.125f, 0.25f, -0.75f, 0.5f};
const float rx[3] = {1e-3f, -2e-3f, 1.5e-3f};
const float rx2[3] = {2e-3f, 1e-3f, -1e-3f};
const float rx_huge[3] = {1e25f, 1e25f, 1e25f};  // z_2 = 1e25 * 1e9 * 1e9 overflows
const float ry[2] = {0.5f, -0.5f};

// Every refusal of the sample checks, on a classifier, with and without a pending
// forward pass.
void sample_refusals(arena& a, bool minibatch) {
    float bad_x[5];
    std::memcpy(bad_x, cx, sizeof bad_x);
    bad_x[2] = nan_value;
    float inf_x[5];
    std::memcpy(inf_x, cx, sizeof inf_x);
    inf_x[4] = -inf_value;
    const float not_summing[3] = {0.5f, 0.5f, 0.5f}, negative[3] = {-0.1f, 0.6f, 0.5f};
    const float nan_target[3] = {nan_value, 0.5f, 0.5f};
    const auto refusal = [&](status s, const std::function<status(Network&)>& call, const char* what) {
        check_refusal(a, s, call, what, cx2, 1u);
    };
    refusal(status::invalid_learning_rate, [](Network& n) { return n.train_step(cx, 0u, 0.0f); }, "train_step eta 0");
    refusal(status::invalid_learning_rate, [](Network& n) { return n.train_step(cx, 0u, -0.1f); }, "train_step eta < 0");
    refusal(status::invalid_learning_rate, [](Network& n) { return n.train_step(cx, 0u, nan_value); }, "train_step eta NaN");
    refusal(status::invalid_learning_rate, [](Network& n) { return n.train_step(cx, 0u, inf_value); }, "train_step eta inf");
    refusal(status::null_argument, [](Network& n) { return n.train_step(nullptr, 0u, 0.1f); }, "train_step null x");
    refusal(status::null_argument, [](Network& n) { return n.train_step_target(cx, nullptr, 0.1f); }, "train_step_target null");
    refusal(status::non_finite_input, [&](Network& n) { return n.train_step(bad_x, 0u, 0.1f); }, "train_step NaN x");
    refusal(status::non_finite_input, [&](Network& n) { return n.train_step(inf_x, 0u, 0.1f); }, "train_step inf x");
    refusal(status::label_out_of_range, [](Network& n) { return n.train_step(cx, 3u, 0.1f); }, "train_step label 3");
    refusal(status::invalid_target, [&](Network& n) { return n.train_step_target(cx, not_summing, 0.1f); }, "target sum");
    refusal(status::invalid_target, [&](Network& n) { return n.train_step_target(cx, negative, 0.1f); }, "target < 0");
    refusal(status::non_finite_target, [&](Network& n) { return n.train_step_target(cx, nan_target, 0.1f); }, "NaN target");
    refusal(status::null_argument, [](Network& n) { return n.predict(nullptr); }, "predict null x");
    refusal(status::non_finite_input, [&](Network& n) { return n.predict(bad_x); }, "predict NaN x");
    refusal(status::invalid_input_limit, [](Network& n) { return n.set_input_limit(-1.0f); }, "limit < 0");
    refusal(status::invalid_input_limit, [](Network& n) { return n.set_input_limit(nan_value); }, "limit NaN");
    refusal(status::invalid_learning_rate, [](Network& n) { return n.train_then_predict(0u, 0.0f, cx2); }, "pipelined eta 0");
    if (a.forward_pending()) {
        refusal(status::null_argument, [](Network& n) { return n.train_then_predict_target(nullptr, 0.1f, cx2); },
                "pipelined null target");
        refusal(status::label_out_of_range, [](Network& n) { return n.train_then_predict(7u, 0.1f, cx2); },
                "pipelined label 7");
        refusal(status::invalid_target, [&](Network& n) { return n.train_then_predict_target(not_summing, 0.1f, cx2); },
                "pipelined target sum");
        refusal(status::non_finite_input, [&](Network& n) { return n.train_then_predict(0u, 0.1f, bad_x); },
                "pipelined NaN x_next");
    } else {
        refusal(status::no_forward_pass, [](Network& n) { return n.train_then_predict(0u, 0.1f, cx2); },
                "pipelined without a forward pass");
    }
    if (minibatch) {
        refusal(status::non_finite_input, [&](Network& n) { return n.accumulate(bad_x, 0u); }, "accumulate NaN x");
        refusal(status::label_out_of_range, [](Network& n) { return n.accumulate(cx, 9u); }, "accumulate label 9");
        refusal(status::null_argument, [](Network& n) { return n.accumulate_target(cx, nullptr); }, "accumulate null");
        refusal(status::invalid_learning_rate, [](Network& n) { return n.apply_batch(-1.0f); }, "apply_batch eta < 0");
        if (a.net.batch_count() == 0) refusal(status::empty_batch, [](Network& n) { return n.apply_batch(0.1f); }, "empty batch");
    } else {
        refusal(status::no_gradients, [](Network& n) { return n.accumulate(cx, 0u); }, "accumulate online");
        refusal(status::no_gradients, [](Network& n) { return n.apply_batch(0.1f); }, "apply_batch online");
    }
    // Input limit: set one, refuse beyond it, remove it (the limit is state, and is put back).
    REQUIRE(a.net.set_input_limit(0.9f) == status::ok);
    refusal(status::input_out_of_range, [](Network& n) { return n.train_step(cx, 0u, 0.1f); }, "beyond the limit");
    refusal(status::input_out_of_range, [](Network& n) { return n.predict(cx); }, "predict beyond the limit");
    if (a.forward_pending())
        refusal(status::input_out_of_range, [](Network& n) { return n.train_then_predict(0u, 0.1f, cx); },
                "pipelined x_next beyond the limit");
    REQUIRE(a.net.set_input_limit(0.0f) == status::ok);
}

}  // namespace

TEST_CASE("refusals: every sample check leaves the storage as it was, forward pass pending or not") {
    for (training mode : {training::online, training::minibatch}) {
        CAPTURE(static_cast<int>(mode));
        arena a(classifier_shape(mode), 3);
        // Not the fresh state: trained a little.
        for (int i = 0; i < 4; ++i) {
            REQUIRE(a.net.predict(i % 2 ? cx : cx2) == status::ok);
            if (mode == training::online) REQUIRE(a.net.train_step(cx2, 2u, 0.1f) == status::ok);
            else REQUIRE(a.net.accumulate(cx2, 2u) == status::ok);
        }
        REQUIRE_FALSE(a.forward_pending());
        sample_refusals(a, mode == training::minibatch);
        REQUIRE(a.net.predict(cx) == status::ok);
        REQUIRE(a.forward_pending());
        sample_refusals(a, mode == training::minibatch);
    }
}

TEST_CASE("refusals: a step that would diverge gives back the pending forward pass and output()") {
    for (training mode : {training::online, training::minibatch}) {
        CAPTURE(static_cast<int>(mode));
        arena a(regressor_shape(mode), 5);
        make_huge(a.net);
        const auto refusal = [&](status s, const std::function<status(Network&)>& call, const char* what) {
            check_refusal(a, s, call, what, rx2, 0u, ry);
        };
        for (int pending = 0; pending < 2; ++pending) {
            // A successful step first, so that output() and a_l hold something to lose.
            if (mode == training::online) REQUIRE(a.net.train_step_target(rx, ry, 1e-30f) == status::ok);
            else REQUIRE(a.net.accumulate_target(rx, ry) == status::ok);
            if (pending == 1) REQUIRE(a.net.predict(rx2) == status::ok);
            REQUIRE(a.forward_pending() == (pending == 1));
            // The forward pass overflows (z_2 = 1e25 * 1e9 * 1e9).
            refusal(status::diverged, [](Network& n) { return n.predict(rx_huge); }, "predict overflows");
            refusal(status::diverged, [](Network& n) { return n.train_step_target(rx_huge, ry, 0.1f); },
                    "train_step forward overflows");
            if (mode == training::online) {
                // The forward pass is fine, the update is not (1e30 * delta * a).
                refusal(status::diverged, [](Network& n) { return n.train_step_target(rx, ry, 1e30f); },
                        "train_step update overflows");
                if (pending == 1)
                    refusal(status::diverged, [](Network& n) { return n.train_then_predict_target(ry, 1e30f, rx); },
                            "pipelined update overflows");
            } else {
                refusal(status::diverged, [](Network& n) { return n.accumulate_target(rx_huge, ry); },
                        "accumulate forward overflows");
                refusal(status::diverged, [](Network& n) { return n.apply_batch(3e38f); }, "apply_batch overflows");
            }
        }
    }
}

TEST_CASE("refusals: the same pipelined call with a sane learning rate then succeeds") {
    arena a(regressor_shape(), 5);
    make_huge(a.net);
    REQUIRE(a.net.predict(rx) == status::ok);
    CHECK(a.net.train_then_predict_target(ry, 1e30f, rx2) == status::diverged);
    CHECK(a.net.train_then_predict_target(ry, 1e-30f, rx2) == status::ok);
}

TEST_CASE("refusals: model files, parameters and checkpoints") {
    arena a(classifier_shape(), 2);
    for (int i = 0; i < 3; ++i) REQUIRE(a.net.train_step(cx, 1u, 0.1f) == status::ok);
    std::vector<unsigned char> model(a.net.model_size());
    REQUIRE(a.net.save(model.data(), model.size()) == status::ok);
    arena other(network_shape{5, 1, {{3, activation::softmax}}}, 1);
    std::vector<unsigned char> other_model(other.net.model_size());
    REQUIRE(other.net.save(other_model.data(), other_model.size()) == status::ok);

    // A checkpoint storage in RAM holding the other shape's checkpoint.
    struct ram_slots {
        std::vector<unsigned char> bytes = std::vector<unsigned char>(2 * 4096, 0xFF);
        bool fail_reads = false;
    } ram;
    checkpoint_storage storage{
        &ram, 4096, 4,
        [](void* c, std::uint32_t slot, std::size_t offset, void* out, std::size_t n) {
            auto* r = static_cast<ram_slots*>(c);
            if (r->fail_reads) return false;
            std::memcpy(out, r->bytes.data() + slot * 4096 + offset, n);
            return true;
        },
        [](void* c, std::uint32_t slot, std::size_t offset, const void* data, std::size_t n) {
            std::memcpy(static_cast<ram_slots*>(c)->bytes.data() + slot * 4096 + offset, data, n);
            return true;
        },
        [](void* c, std::uint32_t slot) {
            std::memset(static_cast<ram_slots*>(c)->bytes.data() + slot * 4096, 0xFF, 4096);
            return true;
        }};

    for (int pending = 0; pending < 2; ++pending) {
        if (pending == 1) REQUIRE(a.net.predict(cx) == status::ok);
        const auto refusal = [&](status s, const std::function<status(Network&)>& call, const char* what) {
            check_refusal(a, s, call, what, cx2, 0u);
        };
        std::vector<unsigned char> damaged = model;
        damaged[40] ^= 0x10;
        std::vector<unsigned char> bad_magic = model;
        bad_magic[0] = 'X';
        refusal(status::model_truncated, [&](Network& n) { return n.load(model.data(), model.size() - 1); }, "truncated");
        refusal(status::model_bad_magic, [&](Network& n) { return n.load(bad_magic.data(), bad_magic.size()); }, "magic");
        refusal(status::model_corrupt, [&](Network& n) { return n.load(damaged.data(), damaged.size()); }, "CRC");
        refusal(status::model_shape_mismatch, [&](Network& n) { return n.load(other_model.data(), other_model.size()); },
                "other shape");
        refusal(status::model_truncated, [](Network& n) { return n.load(nullptr, 0); }, "no bytes");

        const layer_params p = a.net.layer(0);
        std::vector<float> w(p.rows * p.cols, 0.5f), b(p.rows, 0.0f);
        refusal(status::layer_out_of_range, [&](Network& n) { return n.set_layer(2, w.data(), b.data()); }, "layer 2");
        refusal(status::null_argument, [&](Network& n) { return n.set_layer(0, nullptr, b.data()); }, "null weights");
        w[3] = nan_value;
        refusal(status::non_finite_parameter, [&](Network& n) { return n.set_layer(0, w.data(), b.data()); }, "NaN w");
        w[3] = 0.5f;
        b[1] = -inf_value;
        refusal(status::non_finite_parameter, [&](Network& n) { return n.set_layer(0, w.data(), b.data()); }, "inf b");
        refusal(status::layer_out_of_range, [&](Network& n) { return n.get_layer(5, w.data(), b.data()); }, "get 5");

        std::memset(ram.bytes.data(), 0xFF, ram.bytes.size());
        refusal(status::no_checkpoint, [&](Network& n) { return n.restore_checkpoint(storage); }, "no checkpoint");
        REQUIRE(other.net.save_checkpoint(storage) == status::ok);
        refusal(status::model_shape_mismatch, [&](Network& n) { return n.restore_checkpoint(storage); },
                "checkpoint of another shape");
        ram.fail_reads = true;
        refusal(status::storage_failed, [&](Network& n) { return n.restore_checkpoint(storage); }, "reads fail");
        refusal(status::storage_failed, [&](Network& n) { return n.save_checkpoint(storage); }, "save, reads fail");
        ram.fail_reads = false;
    }
}

TEST_CASE("refusals: an empty Network handle returns not_a_network from every call") {
    Network empty;
    CHECK_FALSE(empty.valid());
    const float x[5] = {};
    const float y[3] = {1, 0, 0};
    float w[35], b[7];
    unsigned char bytes[64];
    CHECK(empty.initialize(1) == status::not_a_network);
    CHECK(empty.train_step(x, 0u, 0.1f) == status::not_a_network);
    CHECK(empty.train_step_target(x, y, 0.1f) == status::not_a_network);
    CHECK(empty.train_then_predict(0u, 0.1f, x) == status::not_a_network);
    CHECK(empty.train_then_predict_target(y, 0.1f, x) == status::not_a_network);
    CHECK(empty.accumulate(x, 0u) == status::not_a_network);
    CHECK(empty.accumulate_target(x, y) == status::not_a_network);
    CHECK(empty.apply_batch(0.1f) == status::not_a_network);
    CHECK(empty.predict(x) == status::not_a_network);
    CHECK(empty.set_input_limit(1.0f) == status::not_a_network);
    CHECK(empty.save(bytes, sizeof bytes) == status::not_a_network);
    CHECK(empty.load(bytes, sizeof bytes) == status::not_a_network);
    CHECK(empty.set_layer(0, w, b) == status::not_a_network);
    CHECK(empty.get_layer(0, w, b) == status::not_a_network);
    checkpoint_storage none{};
    none.write_unit = 4;
    none.read = [](void*, std::uint32_t, std::size_t, void*, std::size_t) { return false; };
    none.write = [](void*, std::uint32_t, std::size_t, const void*, std::size_t) { return false; };
    none.erase = [](void*, std::uint32_t) { return false; };
    none.slot_size = 4096;
    CHECK(empty.save_checkpoint(none) == status::not_a_network);
    CHECK(empty.restore_checkpoint(none) == status::not_a_network);
    CHECK(empty.output() == nullptr);
    CHECK(empty.model_size() == 0);
    CHECK(empty.steps() == 0);
    CHECK(empty.batch_count() == 0);
    CHECK(empty.input_size() == 0);
    CHECK(empty.output_size() == 0);
    CHECK(empty.layer_count() == 0);
    CHECK(empty.layer(0).weights == nullptr);
    CHECK(empty.footprint().total == 0);
}

TEST_CASE("model files: a shape whose file would exceed the 32-bit size field is refused before any work") {
    // 16777216 inputs x 64 outputs: 4,294,967,596 bytes, 300 more than the field holds.
    const network_shape shape{16777216, 1, {{64, activation::identity}}};
    CHECK(model_file_size(shape) == 32u + 8u + 4u + (16777216ull * 64u + 64u) * 4u);
    CHECK(model_file_size(shape) > model_file_max_size);
    const network_shape largest_fitting{16777216, 1, {{63, activation::identity}}};
    CHECK(model_file_size(largest_fitting) <= model_file_max_size);
    // The save paths on a reference of that shape whose storage is only the header: the
    // check comes before any parameter is read (the 4 GB network is never allocated).
    alignas(vector_alignment) unsigned char header[256] = {};
    const detail::network_ref n = detail::make_ref(shape.layers, 1, shape.inputs, training::online, header);
    unsigned char out[64];
    std::size_t written = 12345;
    CHECK(detail::save_model(n, out, sizeof out, &written) == status::model_too_large);
    CHECK(written == 12345);
    bool touched = false;
    checkpoint_storage storage{&touched, static_cast<std::size_t>(-1), 4,
                               [](void* c, std::uint32_t, std::size_t, void*, std::size_t) {
                                   *static_cast<bool*>(c) = true;
                                   return false;
                               },
                               [](void* c, std::uint32_t, std::size_t, const void*, std::size_t) {
                                   *static_cast<bool*>(c) = true;
                                   return false;
                               },
                               [](void* c, std::uint32_t) {
                                   *static_cast<bool*>(c) = true;
                                   return false;
                               }};
    CHECK(detail::save_checkpoint(n, storage, nullptr) == status::model_too_large);
    CHECK_FALSE(touched);
}

TEST_CASE("parameters: set_layer and get_layer copy in and out, and keep the overflow proof exact") {
    arena a(classifier_shape(), 4);
    const layer_params p = a.net.layer(0);
    REQUIRE(p.rows == 7);
    REQUIRE(p.cols == 5);
    std::vector<float> w(p.rows * p.cols), b(p.rows);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i) - 0.1f;
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = -0.02f * static_cast<float>(i);
    REQUIRE(a.net.predict(cx) == status::ok);
    REQUIRE(a.net.set_layer(0, w.data(), b.data()) == status::ok);
    // The pending forward pass was of other weights: gone.
    CHECK(a.net.train_then_predict(0u, 0.1f, cx2) == status::no_forward_pass);
    std::vector<float> w_out(w.size()), b_out(b.size());
    REQUIRE(a.net.get_layer(0, w_out.data(), b_out.data()) == status::ok);
    CHECK(std::memcmp(w.data(), w_out.data(), w.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(b.data(), b_out.data(), b.size() * sizeof(float)) == 0);
    // The padded layout holds them row by row, padding zero.
    for (std::size_t r = 0; r < p.rows; ++r)
        for (std::size_t c = 0; c < p.stride; ++c)
            CHECK(test::bits_of(p.weights[r * p.stride + c]) == test::bits_of(c < p.cols ? w[r * p.cols + c] : 0.0f));

    // A weight of 3e38 set in place is known to the overflow proof at once: the step that
    // would overflow is refused, no weight becomes infinite.
    w[0] = 3e38f;
    REQUIRE(a.net.set_layer(0, w.data(), b.data()) == status::ok);
    const float big_x[5] = {1.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    CHECK(a.net.train_step(big_x, 0u, 1e30f) == status::diverged);
    REQUIRE(a.net.get_layer(0, w_out.data(), b_out.data()) == status::ok);
    CHECK(w_out[0] == 3e38f);

    // A mini-batch network drops its pending sums: they were gradients of other weights.
    arena m(classifier_shape(training::minibatch), 4);
    REQUIRE(m.net.accumulate(cx, 1u) == status::ok);
    REQUIRE(m.net.batch_count() == 1);
    w[0] = 0.5f;
    REQUIRE(m.net.set_layer(0, w.data(), b.data()) == status::ok);
    CHECK(m.net.batch_count() == 0);
    CHECK(m.net.apply_batch(0.1f) == status::empty_batch);
    const layer_params g = m.net.layer(1);
    for (std::size_t i = 0; i < g.rows * g.stride; ++i) CHECK(g.weight_gradients[i] == 0.0f);
}

TEST_CASE("parameters: Mlp(no_initialization) starts at zero and takes a model; const accessors") {
    using net_t = Mlp<5, Dense<7, Sigmoid>, Dense<3, Softmax>>;
    auto trained = std::make_unique<net_t>(9);
    for (int i = 0; i < 5; ++i) REQUIRE(trained->train_step(cx, 2u, 0.1f) == status::ok);
    std::vector<unsigned char> model(trained->model_size());
    REQUIRE(trained->save(model.data(), model.size()) == status::ok);

    auto blank = std::make_unique<net_t>(no_initialization);
    for (std::uint32_t l = 0; l < blank->layer_count(); ++l) {
        const layer_params p = blank->layer(l);
        for (std::size_t i = 0; i < p.rows * p.stride; ++i) CHECK(p.weights[i] == 0.0f);
        for (std::size_t i = 0; i < p.rows; ++i) CHECK(p.bias[i] == 0.0f);
    }
    float y[3];
    REQUIRE(blank->predict(cx, y) == status::ok);  // zero weights: a valid network, uniform output
    for (float v : y) CHECK(v == doctest::Approx(1.0f / 3.0f));
    REQUIRE(blank->load(model.data(), model.size()) == status::ok);

    const net_t& view = *blank;  // everything that only reads works on a const network
    CHECK(view.steps() == 5);
    CHECK(view.model_size() == model.size());
    CHECK(view.layer(1).rows == 3);
    CHECK(view.input_size() == 5);
    CHECK(view.output_size() == 3);
    std::vector<unsigned char> again(view.model_size());
    REQUIRE(view.save(again.data(), again.size()) == status::ok);
    CHECK(again == model);
    REQUIRE(blank->predict(cx) == status::ok);
    CHECK(view.output()[0] == blank->output()[0]);

    // A mini-batch network from a model file.
    std::vector<unsigned char> raw(footprint_of(classifier_shape(training::minibatch)).total + vector_alignment);
    void* aligned = raw.data() + (vector_alignment - reinterpret_cast<std::uintptr_t>(raw.data()) % vector_alignment) %
                                     vector_alignment;
    Network batched;
    std::size_t need = 0;
    REQUIRE(Network::create_from_model(model.data(), model.size(), aligned, raw.size() - vector_alignment, &batched,
                                       &need, training::minibatch) == status::ok);
    CHECK(need == footprint_of(classifier_shape(training::minibatch)).total);
    CHECK(batched.steps() == 5);
    CHECK(batched.accumulate(cx, 0u) == status::ok);
    CHECK(batched.apply_batch(0.1f) == status::ok);
    CHECK(batched.layer(0).weight_gradients != nullptr);
}
