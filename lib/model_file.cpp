// Model files (docs/model-format.md): save and load a network's parameters as bytes that
// are the same on every platform. Every multi-byte field is written byte by byte in
// little-endian order, so the code is the same on any host, whatever its byte order.
#include <cmath>
#include <cstring>

#include "layout.hpp"
#include "little_endian.hpp"
#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"
#include "model_stream.hpp"

namespace microprop {
namespace {

using detail::get_f32, detail::get_u16, detail::get_u32, detail::get_u64, detail::put_f32, detail::put_u16,
    detail::put_u32, detail::put_u64;

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

bool all_zero(const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != 0) return false;
    return true;
}

// Bytes are read and written through small buffers of this size.
constexpr std::size_t chunk_bytes = 64;

// The parameters of a file, read in order, a chunk at a time.
class value_reader {
public:
    value_reader(const detail::model_source& source, std::size_t offset) : source_(source), offset_(offset) {}
    bool next(float* v) {
        if (used_ == filled_) {
            if (!source_.get(offset_, chunk_, chunk_bytes_at(offset_))) return false;
            filled_ = chunk_bytes_at(offset_);
            offset_ += filled_;
            used_ = 0;
        }
        *v = get_f32(chunk_ + used_);
        used_ += 4;
        return true;
    }

private:
    // Whole floats only, never past the end of the source.
    std::size_t chunk_bytes_at(std::size_t offset) const {
        const std::size_t left = source_.size > offset ? (source_.size - offset) / 4 * 4 : 0;
        return left < chunk_bytes ? left : chunk_bytes;
    }
    const detail::model_source& source_;
    std::size_t offset_;
    unsigned char chunk_[chunk_bytes] = {};
    std::size_t used_ = 0, filled_ = 0;
};

// The sequential writer: bytes go through a chunk buffer, with the CRC kept running.
class byte_writer {
public:
    explicit byte_writer(const detail::model_sink& sink) : sink_(sink) {}
    void put(const void* data, std::size_t n) {
        const unsigned char* p = static_cast<const unsigned char*>(data);
        crc_ = crc32(p, n, crc_);
        while (n > 0 && ok_) {
            const std::size_t room = chunk_bytes - used_;
            const std::size_t take = n < room ? n : room;
            std::memcpy(chunk_ + used_, p, take);
            used_ += take, p += take, n -= take;
            if (used_ == chunk_bytes) flush();
        }
    }
    void put_float(float v) {
        unsigned char b[4];
        put_f32(b, v);
        put(b, 4);
    }
    // The CRC of everything so far, then the last chunk.
    bool finish() {
        unsigned char b[4];
        put_u32(b, crc_);
        put(b, 4);
        flush();
        return ok_;
    }

private:
    void flush() {
        if (used_ > 0 && ok_) ok_ = sink_.write(sink_.context, chunk_, used_);
        used_ = 0;
    }
    const detail::model_sink& sink_;
    unsigned char chunk_[chunk_bytes] = {};
    std::size_t used_ = 0;
    std::uint32_t crc_ = 0;
    bool ok_ = true;
};

bool same_shape(const network_shape& a, const network_shape& b) {
    if (a.inputs != b.inputs || a.layer_count != b.layer_count) return false;
    for (std::uint32_t l = 0; l < a.layer_count; ++l)
        if (a.layers[l].outputs != b.layers[l].outputs || a.layers[l].act != b.layers[l].act) return false;
    return true;
}

std::size_t values_offset(std::uint32_t layer_count) {
    return model_header_bytes + layer_count * model_layer_record_bytes;
}

// Copies a checked file into a network of its shape and resets what depended on the old
// parameters: the overflow bounds (measured exactly), pending gradients, the pending
// forward pass of the pipelined step. False if the source fails to read (storage).
bool write_network(const detail::network_ref& n, const detail::model_source& source, std::uint64_t steps) {
    const kernel_table& k = active_kernels();
    value_reader values(source, values_offset(n.layer_count));
    for (std::uint32_t l = 0; l < n.layer_count; ++l) {
        const detail::layer_view lv = detail::view(n, l);
        for (std::size_t r = 0; r < lv.rows; ++r) {
            float* row = lv.W + r * lv.stride;
            for (std::size_t c = 0; c < lv.cols; ++c)
                if (!values.next(&row[c])) return false;
            for (std::size_t c = lv.cols; c < lv.stride; ++c) row[c] = 0.0f;
        }
        for (std::size_t r = 0; r < lv.rows; ++r)
            if (!values.next(&lv.b[r])) return false;
        detail::measure_bounds(n, k, l);
    }
    detail::parameters_changed(n);
    n.state->steps = steps;
    return true;
}

detail::model_source memory_source(const void* data, std::size_t size) {
    return {static_cast<const unsigned char*>(data), nullptr, nullptr, data == nullptr ? 0 : size};
}

bool write_to_memory(void* context, const void* data, std::size_t size) {
    unsigned char** cursor = static_cast<unsigned char**>(context);
    std::memcpy(*cursor, data, size);
    *cursor += size;
    return true;
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
    const status st = detail::check_model(memory_source(data, size), &s, &steps);
    if (st == status::ok && shape != nullptr) *shape = s;
    return st;
}

namespace detail {

bool model_source::get(std::size_t offset, void* out, std::size_t n) const {
    if (offset > size || n > size - offset) return false;
    if (memory != nullptr) {
        std::memcpy(out, memory + offset, n);
        return true;
    }
    return read != nullptr && read(context, offset, out, n);
}

status check_model(const model_source& source, network_shape* shape, std::uint64_t* steps) {
    // Reads that fail on a storage are storage_failed; on a buffer, a short buffer.
    const status read_failure = source.memory != nullptr || source.read == nullptr ? status::model_truncated
                                                                                    : status::storage_failed;
    unsigned char h[model_header_bytes];
    if (source.size < model_header_bytes) return status::model_truncated;
    if (!source.get(0, h, sizeof h)) return read_failure;
    if (std::memcmp(h + at_magic, magic, sizeof magic) != 0) return status::model_bad_magic;
    if (get_u16(h + at_version) != model_format_version) return status::model_unsupported_version;
    const std::uint32_t declared = get_u32(h + at_size);
    if (declared > source.size) return status::model_truncated;
    // A declared size below the smallest file cannot be checked against the CRC: damage.
    if (declared < model_header_bytes + model_layer_record_bytes + 4) return status::model_corrupt;
    std::uint32_t crc = 0;
    unsigned char chunk[chunk_bytes];
    for (std::size_t at = 0; at < declared - 4; at += chunk_bytes) {
        const std::size_t n = declared - 4 - at < chunk_bytes ? declared - 4 - at : chunk_bytes;
        if (!source.get(at, chunk, n)) return read_failure;
        crc = crc32(chunk, n, crc);
    }
    if (!source.get(declared - 4, chunk, 4)) return read_failure;
    if (crc != get_u32(chunk)) return status::model_corrupt;

    // The CRC holds: from here on a bad field was written that way, not damaged.
    const std::uint32_t count = get_u32(h + at_layer_count);
    if (h[at_reserved8] != 0 || get_u32(h + at_reserved32) != 0) return status::model_invalid;
    if (count == 0 || count > max_layers) return status::model_invalid;
    if (declared < values_offset(count) + 4) return status::model_invalid;
    network_shape s{};
    s.inputs = get_u32(h + at_inputs);
    s.layer_count = count;
    s.mode = training::online;
    for (std::uint32_t l = 0; l < count; ++l) {
        unsigned char record[model_layer_record_bytes];
        if (!source.get(model_header_bytes + l * model_layer_record_bytes, record, sizeof record)) return read_failure;
        if (!is_activation(record[4]) || !all_zero(record + 5, 3))
            return status::model_invalid;
        s.layers[l] = {get_u32(record), static_cast<activation>(record[4])};
    }
    if (check_shape(s.inputs, s.layers, s.layer_count) != status::ok) return status::model_invalid;
    if (h[at_loss] != static_cast<unsigned char>(loss_for(s.layers[count - 1].act))) return status::model_invalid;
    if (declared != model_file_size(s)) return status::model_invalid;

    // Every parameter finite: a model that learned NaN is not a model.
    value_reader values(source, values_offset(count));
    const std::size_t value_count = (declared - 4 - values_offset(count)) / 4;
    for (std::size_t i = 0; i < value_count; ++i) {
        float v;
        if (!values.next(&v)) return read_failure;
        if (!std::isfinite(v)) return status::model_invalid;
    }
    *shape = s;
    *steps = get_u64(h + at_steps);
    return status::ok;
}

status load_model_from(const network_ref& n, const model_source& source) {
    network_shape file_shape{};
    std::uint64_t steps = 0;
    const status st = check_model(source, &file_shape, &steps);
    if (st != status::ok) return st;
    if (!same_shape(file_shape, detail::shape_of(n))) return status::model_shape_mismatch;
    // The file was readable a moment ago; a storage that fails now leaves a half-loaded
    // network, which the caller must treat as lost (the status says so).
    return write_network(n, source, steps) ? status::ok : status::storage_failed;
}

status save_model_to(const network_ref& n, const model_sink& sink) {
    unsigned char h[model_header_bytes] = {};
    std::memcpy(h + at_magic, magic, sizeof magic);
    put_u16(h + at_version, model_format_version);
    h[at_loss] = static_cast<unsigned char>(loss_for(n.layers[n.layer_count - 1].act));
    put_u32(h + at_size, static_cast<std::uint32_t>(model_size(n)));
    put_u32(h + at_inputs, n.inputs);
    put_u32(h + at_layer_count, n.layer_count);
    put_u64(h + at_steps, n.state->steps);
    byte_writer out(sink);
    out.put(h, sizeof h);
    for (std::uint32_t l = 0; l < n.layer_count; ++l) {
        unsigned char record[model_layer_record_bytes] = {};
        put_u32(record, n.layers[l].outputs);
        record[4] = static_cast<unsigned char>(n.layers[l].act);
        out.put(record, sizeof record);
    }
    for (std::uint32_t l = 0; l < n.layer_count; ++l) {
        const layer_view v = view(n, l);
        for (std::size_t r = 0; r < v.rows; ++r)
            for (std::size_t c = 0; c < v.cols; ++c) out.put_float(v.W[r * v.stride + c]);
        for (std::size_t r = 0; r < v.rows; ++r) out.put_float(v.b[r]);
    }
    return out.finish() ? status::ok : status::storage_failed;
}

// Sizes beyond model_file_max_size are refused before model_size() is used: a network
// whose storage a size_t addresses has a model file that a size_t addresses too.
std::size_t model_size(const network_ref& n) {
    return n.state != nullptr ? static_cast<std::size_t>(model_file_size(detail::shape_of(n))) : 0;
}

status check_representable(const network_ref& n) {
    if (n.state == nullptr) return status::not_a_network;
    return model_file_size(detail::shape_of(n)) > model_file_max_size ? status::model_too_large : status::ok;
}

status save_model(const network_ref& n, void* out, std::size_t capacity, std::size_t* written) {
    const status representable = check_representable(n);
    if (representable != status::ok) return representable;
    const std::size_t size = model_size(n);
    if (written != nullptr) *written = size;
    if (out == nullptr || capacity < size) return status::buffer_too_small;
    unsigned char* cursor = static_cast<unsigned char*>(out);
    return save_model_to(n, model_sink{write_to_memory, &cursor});
}

status load_model(const network_ref& n, const void* data, std::size_t size) {
    if (n.state == nullptr) return status::not_a_network;
    return load_model_from(n, memory_source(data, size));
}

}  // namespace detail

status Network::create_from_model(const void* data, std::size_t data_size, void* buffer,
                                  std::size_t size, Network* out, std::size_t* required, training mode) {
    network_shape shape{};
    std::uint64_t steps = 0;
    const detail::model_source source = memory_source(data, data_size);
    const status st = detail::check_model(source, &shape, &steps);
    if (st != status::ok) return st;
    shape.mode = mode;
    const status created = create(shape, buffer, size, out, required);
    if (created != status::ok) return created;
    write_network(out->ref(), source, steps);  // from memory: cannot fail
    return status::ok;
}

}  // namespace microprop
