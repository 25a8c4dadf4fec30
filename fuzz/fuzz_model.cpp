// Fuzz target: model files (docs/model-format.md).
//
// The input is taken as a model file, damaged or not. Whatever the bytes:
//   - read_model_shape(), Network::create_from_model() and load() into each fixed-shape
//     network agree on the status (load() adds model_shape_mismatch for a valid file of
//     another shape), and a refused file leaves the network exactly as it was;
//   - a file that loads saves back to exactly its first model_size() bytes. This holds
//     bit for bit: the reader refuses NaN and infinities (no payload to normalize), and
//     -0.0 and subnormal weights are copied as they are, never through arithmetic;
//   - the loaded network then predicts and trains on bytes taken from past the end of the
//     file (which a loader ignores): every call either succeeds or changes nothing
//     (next_prediction_diverged: the sample was learned), and no weight ever becomes
//     NaN or infinite, whatever the loaded weights, inputs and learning rate.
// A mutation nearly always breaks the CRC-32, which would leave every check behind it
// unreached: an input refused as model_corrupt is checked a second time with the CRC its
// declared size calls for.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using namespace microprop;
using namespace microprop::fuzz;

// A Network laid out from a file needs about 20 bytes per file byte at worst (one weight
// per row padded to 16 floats); inputs are limited to a few KB (-max_len), so this holds
// every network a loadable input describes.
alignas(vector_alignment) unsigned char arena[1u << 21];

// The bytes after the model file, read as the data of a few training calls. When they run
// out, the values repeat a harmless default.
class tail_reader {
public:
    tail_reader(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
    std::uint8_t byte(std::uint8_t fallback) { return n_ > 0 ? (--n_, *p_++) : fallback; }
    float value(float fallback) {
        if (n_ < 4) return fallback;
        float v;
        std::memcpy(&v, p_, sizeof v);
        p_ += 4, n_ -= 4;
        return v;
    }
    // A learning rate: mostly sane ones, and the extremes the library must refuse or survive.
    float eta() {
        static const float rates[] = {0.05f, 0.5f, 1e-3f, 4.0f, 1e3f, 1e30f, 0.0f, -1.0f, 3e38f};
        const std::uint8_t b = byte(0);
        return b < 9 ? rates[b] : value(0.1f);
    }

private:
    const std::uint8_t* p_;
    std::size_t n_;
};

template <class Net>
bool has_shape(Net& net, const network_shape& s) {
    if (net.input_size() != s.inputs || net.layer_count() != s.layer_count) return false;
    for (std::uint32_t l = 0; l < s.layer_count; ++l) {
        const layer_params p = net.layer(l);
        if (p.rows != s.layers[l].outputs || p.act != s.layers[l].act) return false;
    }
    return true;
}

bool is_classifier(activation out) { return out == activation::softmax || out == activation::sigmoid; }

// The calls a device makes after loading a model, on fuzzer-chosen data.
template <class Net>
void exercise(Net& net, tail_reader& tail) {
    const std::uint32_t in = net.input_size(), out = net.output_size();
    const activation out_act = net.layer(net.layer_count() - 1).act;
    std::vector<float> x(in), x2(in), y(out), target(out);
    for (float& v : x) v = tail.value(0.25f);
    for (float& v : x2) v = tail.value(-0.5f);
    for (float& v : target) v = tail.value(0.0f);
    if (out_act == activation::softmax) {  // often a valid distribution: one-hot
        std::fill(target.begin(), target.end(), 0.0f);
        target[tail.byte(0) % out] = 1.0f;
    }
    const std::uint32_t label = tail.byte(0) % (out + 1);  // out of range now and then

    // predict: finite outputs, or a refusal.
    status st = net.predict(x.data(), y.data());
    if (st == status::ok) {
        for (float v : y) MICROPROP_FUZZ_CHECK(std::isfinite(v));
    } else {
        MICROPROP_FUZZ_CHECK(st == status::non_finite_input || st == status::diverged);
    }

    // One online step (or, for mini-batch networks, one sample accumulated and applied).
    std::vector<unsigned char> before = model_bytes(net);
    const float eta = tail.eta();
    const bool use_label = is_classifier(out_act) && (tail.byte(0) & 1) != 0;
    st = use_label ? net.train_step(x.data(), label, eta) : net.train_step_target(x.data(), target.data(), eta);
    if (st == status::no_gradients) {  // a mini-batch network: accumulate, then apply
        st = use_label ? net.accumulate(x.data(), label) : net.accumulate_target(x.data(), target.data());
        if (st == status::ok) st = net.apply_batch(eta);
    }
    if (st != status::ok) MICROPROP_FUZZ_CHECK(model_bytes(net) == before);
    MICROPROP_FUZZ_CHECK(all_finite(net));

    // The pipelined step: predict x, then learn it and predict x2 in one call.
    if (net.predict(x.data()) == status::ok) {
        before = model_bytes(net);
        const float eta2 = tail.eta();
        st = use_label ? net.train_then_predict(label, eta2, x2.data())
                       : net.train_then_predict_target(target.data(), eta2, x2.data());
        if (st == status::ok) {
            for (std::uint32_t i = 0; i < out; ++i) MICROPROP_FUZZ_CHECK(std::isfinite(net.output()[i]));
        } else if (st != status::next_prediction_diverged) {
            MICROPROP_FUZZ_CHECK(model_bytes(net) == before);
        }
        MICROPROP_FUZZ_CHECK(all_finite(net));
    }
}

// load() into a network of fixed shape, against what read_model_shape() said of the file.
template <class Net>
void load_fixed(Net& net, const std::uint8_t* data, std::size_t size, status file_status,
                const network_shape& file_shape) {
    // A refused file must not write a single byte: compare the whole object.
    static unsigned char before[sizeof(Net)];
    std::memcpy(before, static_cast<const void*>(&net), sizeof(Net));
    const status st = net.load(data, size);
    if (file_status != status::ok)
        MICROPROP_FUZZ_CHECK(st == file_status);
    else
        MICROPROP_FUZZ_CHECK(st == (has_shape(net, file_shape) ? status::ok : status::model_shape_mismatch));
    if (st != status::ok) {
        MICROPROP_FUZZ_CHECK(std::memcmp(before, static_cast<const void*>(&net), sizeof(Net)) == 0);
        return;
    }
    const std::vector<unsigned char> saved = model_bytes(net);
    MICROPROP_FUZZ_CHECK(saved.size() <= size && std::memcmp(saved.data(), data, saved.size()) == 0);
    tail_reader tail(data + saved.size(), size - saved.size());
    exercise(net, tail);
}

// Every check of one file. Returns read_model_shape()'s status.
status check_file(const std::uint8_t* data, std::size_t size) {
    network_shape shape{};
    const status file_status = read_model_shape(data, size, &shape);
    Network net;
    if (file_status != status::ok) {
        // Refused: by every reader with the same status, and by one fixed-shape network
        // (which one varies with the size; the refusal path is the same for all).
        MICROPROP_FUZZ_CHECK(Network::create_from_model(data, size, arena, sizeof arena, &net) == file_status);
        MICROPROP_FUZZ_CHECK(!net.valid());
        with_fixed_network(static_cast<int>(size % shape_count), 1,
                           [&](auto& fixed) { load_fixed(fixed, data, size, file_status, shape); });
        return file_status;
    }

    // The run-time form, laid out from the file: first the size query.
    std::size_t required = 0;
    MICROPROP_FUZZ_CHECK(Network::create_from_model(data, size, nullptr, 0, &net, &required) ==
                         status::buffer_too_small);
    MICROPROP_FUZZ_CHECK(required == footprint_of(shape).total);
    MICROPROP_FUZZ_CHECK(model_file_size(shape) <= size);
    if (required <= sizeof arena) {
        MICROPROP_FUZZ_CHECK(Network::create_from_model(data, size, arena, sizeof arena, &net) == status::ok);
        MICROPROP_FUZZ_CHECK(has_shape(net, shape));
        MICROPROP_FUZZ_CHECK(net.model_size() == model_file_size(shape));
        const std::vector<unsigned char> saved = model_bytes(net);
        MICROPROP_FUZZ_CHECK(std::memcmp(saved.data(), data, saved.size()) == 0);
        tail_reader tail(data + saved.size(), size - saved.size());
        exercise(net, tail);
    }

    // The compile-time forms: every fixed shape (most refuse the file's shape).
    for (int which = 0; which < shape_count; ++which)
        with_fixed_network(which, 1, [&](auto& fixed) { load_fixed(fixed, data, size, file_status, shape); });
    return file_status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (check_file(data, size) != status::model_corrupt) return 0;
    // A mutation nearly always breaks the CRC, and everything behind it would go
    // untested: check the same bytes again with the CRC the declared size calls for.
    const std::uint32_t declared = static_cast<std::uint32_t>(data[8]) | static_cast<std::uint32_t>(data[9]) << 8 |
                                   static_cast<std::uint32_t>(data[10]) << 16 |
                                   static_cast<std::uint32_t>(data[11]) << 24;
    if (declared < 4 || declared > size) return 0;
    std::vector<std::uint8_t> repaired(data, data + size);
    const std::uint32_t crc = crc32(data, declared - 4);
    for (int i = 0; i < 4; ++i) repaired[declared - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    check_file(repaired.data(), repaired.size());
    return 0;
}
