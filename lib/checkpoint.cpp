// Checkpoints in two slots: a slot is [commit record][model file], the model file written
// first and the commit record last. The commit record names the sequence number and the
// model's size and carries its own CRC; the model file carries its CRC. A slot counts
// only if both hold, so an interrupted erase or write leaves a slot that does not count.
#include <cstring>

#include "microprop/checkpoint.hpp"
#include "microprop/model_file.hpp"
#include "little_endian.hpp"
#include "model_stream.hpp"

namespace microprop::detail {
namespace {

constexpr unsigned char record_magic[4] = {'M', 'P', 'C', 'K'};
constexpr std::size_t max_write_unit = 64;

std::size_t round_up_to(std::size_t n, std::size_t unit) { return (n + unit - 1) / unit * unit; }
std::size_t model_offset(const checkpoint_storage& s) { return round_up_to(checkpoint_record_bytes, s.write_unit); }


// Serial-number order: a is newer than b if it is ahead by less than half the range, so
// the sequence may wrap around.
bool newer(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) > 0; }

// Reads a slot's model file through the storage callbacks.
struct slot_reader {
    const checkpoint_storage* storage;
    std::uint32_t slot;
    std::size_t base;
};
bool read_slot(void* context, std::size_t offset, void* out, std::size_t size) {
    const slot_reader* r = static_cast<const slot_reader*>(context);
    return r->storage->read(r->storage->context, r->slot, r->base + offset, out, size);
}

// What a slot holds, checked end to end.
struct slot_state {
    bool complete;
    std::uint32_t sequence;
    std::uint32_t model_bytes;
    std::uint64_t steps;
    network_shape shape;
};

// False only if the storage failed; an incomplete slot is a valid answer.
bool inspect(const checkpoint_storage& s, std::uint32_t slot, slot_state* state) {
    *state = slot_state{};
    unsigned char record[checkpoint_record_bytes];
    if (!s.read(s.context, slot, 0, record, sizeof record)) return false;
    if (std::memcmp(record, record_magic, sizeof record_magic) != 0) return true;
    if (crc32(record, 12) != get_u32(record + 12)) return true;
    const std::uint32_t model_bytes = get_u32(record + 8);
    if (s.slot_size < model_offset(s) || model_bytes > s.slot_size - model_offset(s)) return true;
    slot_reader reader{&s, slot, model_offset(s)};
    const model_source source{nullptr, read_slot, &reader, model_bytes};
    const status st = check_model(source, &state->shape, &state->steps);
    if (st == status::storage_failed) return false;
    state->complete = st == status::ok;
    state->sequence = get_u32(record + 4);
    state->model_bytes = model_bytes;
    return true;
}

// The sink that streams the model file into a slot in whole write units.
struct slot_writer {
    const checkpoint_storage* storage;
    std::uint32_t slot;
    std::size_t offset;  // where the next unit goes
    unsigned char pending[2 * max_write_unit];
    std::size_t pending_bytes;
    bool ok;

    void write_units(std::size_t bytes) {
        if (ok) ok = storage->write(storage->context, slot, offset, pending, bytes);
        offset += bytes;
        pending_bytes -= bytes;
        std::memmove(pending, pending + bytes, pending_bytes);
    }
};
bool write_slot(void* context, const void* data, std::size_t size) {
    slot_writer* w = static_cast<slot_writer*>(context);
    const unsigned char* p = static_cast<const unsigned char*>(data);
    const std::size_t unit = w->storage->write_unit;
    while (size > 0 && w->ok) {
        const std::size_t take = size < max_write_unit ? size : max_write_unit;
        std::memcpy(w->pending + w->pending_bytes, p, take);
        w->pending_bytes += take, p += take, size -= take;
        if (w->pending_bytes >= unit) w->write_units(w->pending_bytes / unit * unit);
    }
    return w->ok;
}

}  // namespace

status save_checkpoint(const network_ref& n, const checkpoint_storage& s, checkpoint_info* info) {
    if (n.state == nullptr) return status::not_a_network;
    if (s.write_unit == 0 || s.write_unit > max_write_unit || s.read == nullptr || s.write == nullptr ||
        s.erase == nullptr)
        return status::invalid_shape;
    const status representable = check_representable(n);
    if (representable != status::ok) return representable;
    const std::size_t model_bytes = model_size(n);
    if (s.slot_size < checkpoint_slot_bytes(model_bytes, s.write_unit)) return status::buffer_too_small;

    // The newest complete slot is kept; the other one is overwritten.
    slot_state state[2];
    if (!inspect(s, 0, &state[0]) || !inspect(s, 1, &state[1])) return status::storage_failed;
    int newest = -1;
    for (int i = 0; i < 2; ++i)
        if (state[i].complete && (newest < 0 || newer(state[i].sequence, state[newest].sequence))) newest = i;
    const std::uint32_t target = newest == 0 ? 1u : 0u;
    const std::uint32_t sequence = newest < 0 ? 1u : state[newest].sequence + 1u;

    if (!s.erase(s.context, target)) return status::storage_failed;
    slot_writer writer{&s, target, model_offset(s), {}, 0, true};
    if (save_model_to(n, model_sink{write_slot, &writer}) != status::ok) return status::storage_failed;
    if (writer.pending_bytes > 0) {  // the last partial unit, padded with the erased pattern
        const std::size_t pad = s.write_unit - writer.pending_bytes;
        std::memset(writer.pending + writer.pending_bytes, 0xFF, pad);
        writer.pending_bytes += pad;
        writer.write_units(writer.pending_bytes);
    }
    if (!writer.ok) return status::storage_failed;

    // Read back before committing: flash that did not take the data must not be trusted.
    slot_reader reader{&s, target, model_offset(s)};
    network_shape shape{};
    std::uint64_t steps = 0;
    if (check_model(model_source{nullptr, read_slot, &reader, model_bytes}, &shape, &steps) != status::ok)
        return status::storage_failed;

    unsigned char record[max_write_unit];
    std::memset(record, 0xFF, sizeof record);
    std::memcpy(record, record_magic, sizeof record_magic);
    put_u32(record + 4, sequence);
    put_u32(record + 8, static_cast<std::uint32_t>(model_bytes));
    put_u32(record + 12, crc32(record, 12));
    if (!s.write(s.context, target, 0, record, model_offset(s))) return status::storage_failed;
    slot_state written{};
    if (!inspect(s, target, &written)) return status::storage_failed;
    if (!written.complete || written.sequence != sequence) return status::storage_failed;
    if (info != nullptr) *info = checkpoint_info{target, sequence, n.state->steps};
    return status::ok;
}

status restore_checkpoint(const network_ref& n, const checkpoint_storage& s, checkpoint_info* info) {
    if (n.state == nullptr) return status::not_a_network;
    if (s.write_unit == 0 || s.write_unit > max_write_unit || s.read == nullptr ||
        s.slot_size < checkpoint_record_bytes)
        return status::invalid_shape;
    slot_state state[2];
    if (!inspect(s, 0, &state[0]) || !inspect(s, 1, &state[1])) return status::storage_failed;
    int newest = -1;
    for (int i = 0; i < 2; ++i)
        if (state[i].complete && (newest < 0 || newer(state[i].sequence, state[newest].sequence))) newest = i;
    if (newest < 0) return status::no_checkpoint;
    const std::uint32_t slot = static_cast<std::uint32_t>(newest);
    slot_reader reader{&s, slot, model_offset(s)};
    const status st = load_model_from(n, model_source{nullptr, read_slot, &reader, state[newest].model_bytes});
    if (st == status::ok && info != nullptr) *info = checkpoint_info{slot, state[newest].sequence, state[newest].steps};
    return st;
}

}  // namespace microprop::detail
