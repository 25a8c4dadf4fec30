// Power-fail-safe checkpoints: a network saved alternately into two slots of storage the
// firmware provides (internal flash, external NOR, EEPROM, a file), each write finished
// by a small commit record written last. A restore picks the newest slot whose commit
// record and model file are both intact, so a power cut at any moment of a save leaves
// the previous checkpoint to come back to. Format: docs/model-format.md ("Checkpoints").
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/network.hpp"

namespace microprop {

// The storage: two slots of slot_size bytes, each erased as a whole. Writes cover whole
// write units at offsets that are multiples of the unit (flash programs 4, 8, 16 or 32
// bytes at a time; 1 for byte-writable memory), only on erased bytes, each byte at most
// once between erases. Callbacks return false on failure; they may be called with any
// offset and size inside the slot for reads.
struct checkpoint_storage {
    void* context;
    std::size_t slot_size;
    std::size_t write_unit;  // 1 to 64
    bool (*read)(void* context, std::uint32_t slot, std::size_t offset, void* data, std::size_t size);
    bool (*write)(void* context, std::uint32_t slot, std::size_t offset, const void* data, std::size_t size);
    bool (*erase)(void* context, std::uint32_t slot);
};

// Bytes of the commit record at the start of a slot (rounded up to the write unit).
inline constexpr std::size_t checkpoint_record_bytes = 16;

// Slot size a network with model files of model_bytes (model_size()) needs.
constexpr std::size_t checkpoint_slot_bytes(std::size_t model_bytes, std::size_t write_unit) {
    const std::size_t unit = write_unit == 0 ? 1 : write_unit;
    return (checkpoint_record_bytes + unit - 1) / unit * unit + (model_bytes + unit - 1) / unit * unit;
}

// What a save wrote or a restore found.
struct checkpoint_info {
    std::uint32_t slot;      // 0 or 1
    std::uint32_t sequence;  // increases by one per save (modulo 2^32)
    std::uint64_t steps;     // the network's step count in that checkpoint
};

// The operations are members of every network (network.hpp): save_checkpoint() and
// restore_checkpoint().

}  // namespace microprop
