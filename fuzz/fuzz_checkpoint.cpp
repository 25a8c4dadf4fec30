// Fuzz target: checkpoint restore (checkpoint.hpp, docs/model-format.md "Checkpoints").
//
// The input:
//   byte 0      bits 0-5: write unit - 1 (1 to 64); bits 6-7: which fixed-shape network
//   byte 1      bits 0-6: the save of step 2 loses power at its write or erase call
//               number (127: no power loss); bit 7: repair the CRCs of both slots'
//               commit records and model files first (mutations nearly always break
//               them, and everything behind them would go unreached)
//   byte 2      how much of that interrupted call still happens, in 255ths
//   the rest    the contents of the two slots, the first half slot 0, the second slot 1
//               (an odd last byte is left out)
//
// The storage checks every call against the contract (reads inside a slot; writes of
// whole units at multiples of the unit, inside the slot, on bytes erased and not written
// since). The harness then checks:
//   1. restore into a network: ok (the network's model file is then byte for byte the one
//      in the slot), or a refusal that leaves the network unchanged;
//   2. a save of another network that loses power where byte 1 says, then a restore: it
//      finds either what step 1 found or the new model (all of it, never a mix); a save
//      that did not lose power always succeeds (when the slot is large enough), and the
//      restore finds its model;
//   3. a save of the network of step 1 without power loss, then a restore into a third
//      network: the same model file, the other slot, the next sequence number.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using namespace microprop;
using namespace microprop::fuzz;

// Two slots of flash with a contract checker and a power switch.
class flash {
public:
    flash(const std::uint8_t* image, std::size_t slot_size, std::size_t unit)
        : slot_size_(slot_size), unit_(unit), bytes_(image, image + 2 * slot_size),
          // Unknown contents count as written: the library must erase before it writes.
          written_(2 * slot_size, 1) {}

    checkpoint_storage storage() {
        return {this, slot_size_, unit_, &flash::read_cb, &flash::write_cb, &flash::erase_cb};
    }
    // The write or erase call number `calls` (from now) is cut short after `fraction`/255
    // of its bytes, and every call after it fails until reboot(). Negative: never.
    void cut_power_at(int calls, std::uint8_t fraction) { countdown_ = calls, fraction_ = fraction; }
    void reboot() { dead_ = false, countdown_ = -1; }
    bool lost_power() const { return lost_; }
    const std::uint8_t* slot(std::uint32_t s) const { return bytes_.data() + s * slot_size_; }

private:
    // How many of an operation's n bytes happen; false if power is lost during it.
    bool spend(std::size_t n, std::size_t* done) {
        *done = n;
        if (countdown_ < 0) return true;
        if (countdown_-- > 0) return true;
        *done = n * fraction_ / 255;
        dead_ = lost_ = true;
        return false;
    }
    static bool read_cb(void* c, std::uint32_t slot, std::size_t offset, void* out, std::size_t n) {
        flash* f = static_cast<flash*>(c);
        MICROPROP_FUZZ_CHECK(slot <= 1 && offset <= f->slot_size_ && n <= f->slot_size_ - offset);
        if (f->dead_) return false;
        std::memcpy(out, f->bytes_.data() + slot * f->slot_size_ + offset, n);
        return true;
    }
    static bool write_cb(void* c, std::uint32_t slot, std::size_t offset, const void* data, std::size_t n) {
        flash* f = static_cast<flash*>(c);
        MICROPROP_FUZZ_CHECK(slot <= 1 && offset <= f->slot_size_ && n <= f->slot_size_ - offset);
        MICROPROP_FUZZ_CHECK(offset % f->unit_ == 0 && n % f->unit_ == 0);
        const std::size_t at = slot * f->slot_size_ + offset;
        for (std::size_t i = 0; i < n; ++i) MICROPROP_FUZZ_CHECK(f->written_[at + i] == 0);
        if (f->dead_) return false;
        std::size_t done = 0;
        const bool whole = f->spend(n, &done);
        std::memcpy(f->bytes_.data() + at, data, done);
        std::memset(f->written_.data() + at, 1, done);
        return whole;
    }
    static bool erase_cb(void* c, std::uint32_t slot) {
        flash* f = static_cast<flash*>(c);
        MICROPROP_FUZZ_CHECK(slot <= 1);
        if (f->dead_) return false;
        std::size_t done = 0;
        const bool whole = f->spend(f->slot_size_, &done);
        std::memset(f->bytes_.data() + slot * f->slot_size_, 0xFF, done);
        std::memset(f->written_.data() + slot * f->slot_size_, 0, done);
        return whole;
    }

    std::size_t slot_size_, unit_;
    std::vector<std::uint8_t> bytes_, written_;
    int countdown_ = -1;
    std::uint8_t fraction_ = 0;
    bool dead_ = false, lost_ = false;
};

std::size_t model_offset(std::size_t unit) { return (checkpoint_record_bytes + unit - 1) / unit * unit; }

std::uint32_t get_u32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
void put_u32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Rewrites the CRC of a slot's commit record and that of the model file behind it (at the
// end of the size the file declares, if that fits in the slot).
void repair(std::uint8_t* slot, std::size_t slot_size, std::size_t unit) {
    if (slot_size < checkpoint_record_bytes) return;
    put_u32(slot + 12, crc32(slot, 12));
    const std::size_t at = model_offset(unit);
    if (slot_size < at + 12) return;
    const std::uint32_t declared = get_u32(slot + at + 8);
    if (declared < 4 || declared > slot_size - at) return;
    put_u32(slot + at + declared - 4, crc32(slot + at, declared - 4));
}

template <class Net>
void run(const std::uint8_t* data, std::size_t size) {
    static Net restored, other, fresh;
    const std::size_t unit = 1 + (data[0] & 63u);
    const int cut = (data[1] & 127u) == 127u ? -1 : data[1] & 127;
    const std::size_t slot_size = (size - 3) / 2;
    std::vector<std::uint8_t> image(data + 3, data + 3 + 2 * slot_size);
    if ((data[1] & 128u) != 0) {
        repair(image.data(), slot_size, unit);
        repair(image.data() + slot_size, slot_size, unit);
    }
    flash f(image.data(), slot_size, unit);
    const checkpoint_storage storage = f.storage();
    const bool fits = slot_size >= checkpoint_slot_bytes(restored.model_size(), unit);

    // 1. Restore what the storage holds.
    restored.initialize(1);
    const std::vector<unsigned char> initial = model_bytes(restored);
    checkpoint_info info{};
    const status first = restored.restore_checkpoint(storage, &info);
    std::vector<unsigned char> first_model;
    if (first == status::ok) {
        first_model = model_bytes(restored);
        MICROPROP_FUZZ_CHECK(info.slot <= 1 && info.steps == restored.steps());
        MICROPROP_FUZZ_CHECK(slot_size >= model_offset(unit) + first_model.size());
        MICROPROP_FUZZ_CHECK(std::memcmp(f.slot(info.slot) + model_offset(unit), first_model.data(),
                                         first_model.size()) == 0);
    } else {
        MICROPROP_FUZZ_CHECK(first == status::no_checkpoint || first == status::model_shape_mismatch ||
                             first == status::invalid_shape);
        MICROPROP_FUZZ_CHECK(model_bytes(restored) == initial);
    }

    // 2. Save another model of the same shape, losing power where the input says.
    other.initialize(2);
    f.cut_power_at(cut, data[2]);
    checkpoint_info saved{};
    const status save = other.save_checkpoint(storage, &saved);
    const std::vector<unsigned char> other_model = model_bytes(other);
    if (!fits) {
        MICROPROP_FUZZ_CHECK(save == status::buffer_too_small);
    } else if (f.lost_power()) {
        MICROPROP_FUZZ_CHECK(save == status::storage_failed);
    } else {
        MICROPROP_FUZZ_CHECK(save == status::ok);
        MICROPROP_FUZZ_CHECK(saved.slot <= 1 && saved.steps == other.steps());
        MICROPROP_FUZZ_CHECK(first != status::ok || saved.slot != info.slot);
    }
    f.reboot();
    fresh.initialize(3);
    const std::vector<unsigned char> fresh_model = model_bytes(fresh);
    checkpoint_info after{};
    const status second = fresh.restore_checkpoint(storage, &after);
    if (second == status::ok) {
        const std::vector<unsigned char> found = model_bytes(fresh);
        const bool is_new = found == other_model;
        const bool is_old = first == status::ok && found == first_model;
        MICROPROP_FUZZ_CHECK(is_new || (is_old && save != status::ok));
        if (save == status::ok) MICROPROP_FUZZ_CHECK(after.slot == saved.slot && after.sequence == saved.sequence);
    } else {
        MICROPROP_FUZZ_CHECK(save != status::ok && second == first);
        MICROPROP_FUZZ_CHECK(model_bytes(fresh) == fresh_model);
    }

    // 3. Save the network of step 1 (restored or not) with power on: it comes back.
    if (!fits) return;
    checkpoint_info third{};
    MICROPROP_FUZZ_CHECK(restored.save_checkpoint(storage, &third) == status::ok);
    if (second == status::ok)
        MICROPROP_FUZZ_CHECK(third.slot != after.slot && third.sequence == after.sequence + 1u);
    fresh.initialize(4);
    checkpoint_info last{};
    MICROPROP_FUZZ_CHECK(fresh.restore_checkpoint(storage, &last) == status::ok);
    MICROPROP_FUZZ_CHECK(last.slot == third.slot && last.sequence == third.sequence);
    MICROPROP_FUZZ_CHECK(model_bytes(fresh) == model_bytes(restored));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    switch (data[0] >> 6) {
        case 0: run<NetA>(data, size); break;
        case 1: run<NetB>(data, size); break;
        case 2: run<NetC>(data, size); break;
        default: run<NetD>(data, size); break;
    }
    return 0;
}
