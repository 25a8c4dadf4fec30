// Model files (docs/model-format.md): save and load a network's parameters as bytes that
// are the same on every platform. Every multi-byte field is written byte by byte in
// little-endian order, so the code is the same on any host, whatever its byte order.
#include <cmath>
#include <cstring>

#include "layout.hpp"
#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"

namespace microprop {
namespace {

constexpr unsigned char magic[4] = {'M', 'P', 'R', 'M'};

// Header offsets (model_header_bytes in all).
constexpr std::size_t at_magic = 0, at_version = 4, at_loss = 6, at_reserved8 = 7, at_size = 8,
                      at_inputs = 12, at_layer_count = 16, at_reserved32 = 20, at_steps = 24;

// CRC-32 four bits at a time: a 64-byte table (flash matters more than speed here, and
// a 400 KB model still checks in about a millisecond on a desktop).
struct crc_table {
    std::uint32_t entry[16];
};
constexpr crc_table make_crc_table() {
    crc_table t{};
    for (std::uint32_t i = 0; i < 16; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 4; ++bit) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        t.entry[i] = c;
    }
    return t;
}
constexpr crc_table crc_nibbles = make_crc_table();

void put_u16(unsigned char* p, std::uint16_t v) {
    p[0] = static_cast<unsigned char>(v);
    p[1] = static_cast<unsigned char>(v >> 8);
}
void put_u32(unsigned char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u64(unsigned char* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_f32(unsigned char* p, float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put_u32(p, bits);
}
std::uint16_t get_u16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
std::uint32_t get_u32(const unsigned char* p) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | p[i];
    return v;
}
std::uint64_t get_u64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return v;
}
float get_f32(const unsigned char* p) {
    const std::uint32_t bits = get_u32(p);
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

network_shape shape_of(const detail::network_ref& n) {
    network_shape s{};
    s.inputs = n.inputs;
    s.layer_count = n.layer_count;
    s.mode = n.mode;
    for (std::uint32_t l = 0; l < n.layer_count; ++l) s.layers[l] = n.layers[l];
    return s;
}

bool all_zero(const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != 0) return false;
    return true;
}

// Validates a whole file, in the order the statuses are documented, without writing
// anything but *shape and *steps.
status check_file(const void* data, std::size_t size, network_shape* shape, std::uint64_t* steps) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    if (p == nullptr || size < model_header_bytes) return status::model_truncated;
    if (std::memcmp(p + at_magic, magic, sizeof magic) != 0) return status::model_bad_magic;
    if (get_u16(p + at_version) != model_format_version) return status::model_unsupported_version;
    const std::uint32_t declared = get_u32(p + at_size);
    if (declared > size) return status::model_truncated;
    // A declared size below the smallest file cannot be checked against the CRC: damage.
    if (declared < model_header_bytes + model_layer_record_bytes + 4) return status::model_corrupt;
    if (crc32(p, declared - 4) != get_u32(p + declared - 4)) return status::model_corrupt;

    // The CRC holds: from here on a bad field was written that way, not damaged.
    const std::uint32_t count = get_u32(p + at_layer_count);
    if (p[at_reserved8] != 0 || get_u32(p + at_reserved32) != 0) return status::model_invalid;
    if (count == 0 || count > max_layers) return status::model_invalid;
    if (declared < model_header_bytes + count * model_layer_record_bytes + 4) return status::model_invalid;
    network_shape s{};
    s.inputs = get_u32(p + at_inputs);
    s.layer_count = count;
    s.mode = training::online;
    for (std::uint32_t l = 0; l < count; ++l) {
        const unsigned char* record = p + model_header_bytes + l * model_layer_record_bytes;
        if (record[4] > static_cast<unsigned char>(activation::softmax) || !all_zero(record + 5, 3))
            return status::model_invalid;
        s.layers[l] = {get_u32(record), static_cast<activation>(record[4])};
    }
    if (detail::check_shape(s.inputs, s.layers, s.layer_count) != status::ok) return status::model_invalid;
    if (p[at_loss] != static_cast<unsigned char>(loss_for(s.layers[count - 1].act))) return status::model_invalid;
    if (declared != model_file_size(s)) return status::model_invalid;

    // Every parameter finite: a model that learned NaN is not a model.
    const unsigned char* values = p + model_header_bytes + count * model_layer_record_bytes;
    const std::size_t value_count = (declared - 4 - static_cast<std::size_t>(values - p)) / 4;
    for (std::size_t i = 0; i < value_count; ++i)
        if (!std::isfinite(get_f32(values + 4 * i))) return status::model_invalid;
    *shape = s;
    *steps = get_u64(p + at_steps);
    return status::ok;
}

bool same_shape(const network_shape& a, const network_shape& b) {
    if (a.inputs != b.inputs || a.layer_count != b.layer_count) return false;
    for (std::uint32_t l = 0; l < a.layer_count; ++l)
        if (a.layers[l].outputs != b.layers[l].outputs || a.layers[l].act != b.layers[l].act) return false;
    return true;
}

// Copies a checked file into a network of its shape and resets what depended on the old
// parameters: the overflow bounds (measured exactly), pending gradients, the pending
// forward pass of the pipelined step.
void write_network(const detail::network_ref& n, const unsigned char* p, std::uint64_t steps) {
    const kernel_table& k = active_kernels();
    const unsigned char* v = p + model_header_bytes + n.layer_count * model_layer_record_bytes;
    for (std::uint32_t l = 0; l < n.layer_count; ++l) {
        const detail::layer_view lv = detail::view(n, l);
        for (std::size_t r = 0; r < lv.rows; ++r) {
            float* row = lv.W + r * lv.stride;
            for (std::size_t c = 0; c < lv.cols; ++c, v += 4) row[c] = get_f32(v);
            for (std::size_t c = lv.cols; c < lv.stride; ++c) row[c] = 0.0f;
        }
        for (std::size_t r = 0; r < lv.rows; ++r, v += 4) lv.b[r] = get_f32(v);
        detail::weight_bound(n, l) = k.max_abs(lv.rows * lv.stride, lv.W);
        detail::bias_bound(n, l) = k.max_abs(lv.rows, lv.b);
        if (n.mode == training::minibatch) {
            std::memset(lv.G, 0, lv.rows * lv.stride * sizeof(float));
            std::memset(lv.gb, 0, lv.rows * sizeof(float));
            detail::grad_bound(n, l) = 0.0f;
            detail::grad_bias_bound(n, l) = 0.0f;
        }
    }
    n.state->steps = steps;
    n.state->batch_count = 0;
    n.state->forward_current = 0;
}

}  // namespace

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc_nibbles.entry[crc & 15u];
        crc = (crc >> 4) ^ crc_nibbles.entry[crc & 15u];
    }
    return ~crc;
}

status read_model_shape(const void* data, std::size_t size, network_shape* shape) {
    network_shape s{};
    std::uint64_t steps = 0;
    const status st = check_file(data, size, &s, &steps);
    if (st == status::ok && shape != nullptr) *shape = s;
    return st;
}

namespace detail {

std::size_t model_size(const network_ref& n) { return model_file_size(shape_of(n)); }

status save_model(const network_ref& n, void* out, std::size_t capacity, std::size_t* written) {
    const std::size_t size = model_size(n);
    if (written != nullptr) *written = size;
    if (out == nullptr || capacity < size) return status::buffer_too_small;
    unsigned char* p = static_cast<unsigned char*>(out);
    std::memset(p, 0, model_header_bytes);
    std::memcpy(p + at_magic, magic, sizeof magic);
    put_u16(p + at_version, model_format_version);
    p[at_loss] = static_cast<unsigned char>(loss_for(n.layers[n.layer_count - 1].act));
    put_u32(p + at_size, static_cast<std::uint32_t>(size));
    put_u32(p + at_inputs, n.inputs);
    put_u32(p + at_layer_count, n.layer_count);
    put_u64(p + at_steps, n.state->steps);
    unsigned char* q = p + model_header_bytes;
    for (std::uint32_t l = 0; l < n.layer_count; ++l, q += model_layer_record_bytes) {
        put_u32(q, n.layers[l].outputs);
        q[4] = static_cast<unsigned char>(n.layers[l].act);
        q[5] = q[6] = q[7] = 0;
    }
    for (std::uint32_t l = 0; l < n.layer_count; ++l) {
        const layer_view v = view(n, l);
        for (std::size_t r = 0; r < v.rows; ++r)
            for (std::size_t c = 0; c < v.cols; ++c, q += 4) put_f32(q, v.W[r * v.stride + c]);
        for (std::size_t r = 0; r < v.rows; ++r, q += 4) put_f32(q, v.b[r]);
    }
    put_u32(q, crc32(p, size - 4));
    return status::ok;
}

status load_model(const network_ref& n, const void* data, std::size_t size) {
    network_shape file_shape{};
    std::uint64_t steps = 0;
    const status st = check_file(data, size, &file_shape, &steps);
    if (st != status::ok) return st;
    if (!same_shape(file_shape, shape_of(n))) return status::model_shape_mismatch;
    write_network(n, static_cast<const unsigned char*>(data), steps);
    return status::ok;
}

}  // namespace detail

status Network::create_from_model(const void* data, std::size_t data_size, void* buffer,
                                  std::size_t size, Network* out, std::size_t* required) {
    network_shape shape{};
    std::uint64_t steps = 0;
    const status st = check_file(data, data_size, &shape, &steps);
    if (st != status::ok) return st;
    const status created = create(shape, buffer, size, out, required);
    if (created != status::ok) return created;
    write_network(out->ref(), static_cast<const unsigned char*>(data), steps);
    return status::ok;
}

}  // namespace microprop
