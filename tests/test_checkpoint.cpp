// Checkpoints under power loss: a simulated NOR flash (erase to 0xFF, program only erased
// bytes, whole write units) loses power after every possible number of byte operations
// of a save, erases included; after each cut the newest complete checkpoint must come
// back, and training must go on from it.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "microprop/microprop.hpp"
#include "support.hpp"

using namespace microprop;

namespace {

// Two slots of NOR flash. Every erased or programmed byte spends one unit of the power
// budget; when it runs out the operation stops where it is (a unit half programmed, a
// slot half erased) and the device is dead until reboot().
class nor_flash {
public:
    nor_flash(std::size_t slot_size, std::size_t unit) : slot_size_(slot_size), unit_(unit), bytes_(2 * slot_size, 0xFF) {}

    checkpoint_storage storage() {
        return {this, slot_size_, unit_, &nor_flash::read_cb, &nor_flash::write_cb, &nor_flash::erase_cb};
    }
    void cut_power_after(long operations) { budget_ = operations; }
    void reboot() { budget_ = -1, dead_ = false; }
    bool dead() const { return dead_; }
    long operations() const { return operations_; }
    bool misuse() const { return misuse_; }
    std::vector<unsigned char>& bytes() { return bytes_; }

private:
    bool spend() {
        if (dead_) return false;
        if (budget_ == 0) {
            dead_ = true;
            return false;
        }
        if (budget_ > 0) --budget_;
        ++operations_;
        return true;
    }
    static bool read_cb(void* c, std::uint32_t slot, std::size_t offset, void* out, std::size_t n) {
        nor_flash* f = static_cast<nor_flash*>(c);
        if (f->dead_ || slot > 1 || offset > f->slot_size_ || n > f->slot_size_ - offset) return false;
        std::memcpy(out, f->bytes_.data() + slot * f->slot_size_ + offset, n);
        return true;
    }
    static bool write_cb(void* c, std::uint32_t slot, std::size_t offset, const void* data, std::size_t n) {
        nor_flash* f = static_cast<nor_flash*>(c);
        if (slot > 1 || offset % f->unit_ != 0 || n % f->unit_ != 0 || offset > f->slot_size_ ||
            n > f->slot_size_ - offset) {
            f->misuse_ = true;
            return false;
        }
        unsigned char* p = f->bytes_.data() + slot * f->slot_size_ + offset;
        for (std::size_t i = 0; i < n; ++i) {
            if (p[i] != 0xFF) f->misuse_ = true;  // programming a byte twice without an erase
            if (!f->spend()) return false;
            p[i] &= static_cast<const unsigned char*>(data)[i];  // NOR: programming clears bits
        }
        return true;
    }
    static bool erase_cb(void* c, std::uint32_t slot) {
        nor_flash* f = static_cast<nor_flash*>(c);
        if (slot > 1) return false;
        unsigned char* p = f->bytes_.data() + slot * f->slot_size_;
        for (std::size_t i = 0; i < f->slot_size_; ++i) {
            if (!f->spend()) return false;
            p[i] = 0xFF;
        }
        return true;
    }

    std::size_t slot_size_, unit_;
    std::vector<unsigned char> bytes_;
    long budget_ = -1, operations_ = 0;
    bool dead_ = false, misuse_ = false;
};

using net_t = Mlp<6, Dense<5, Sigmoid>, Dense<3, Softmax>>;

template <class Net>
std::vector<unsigned char> model_of(Net& net) {
    std::vector<unsigned char> bytes(net.model_size());
    REQUIRE(net.save(bytes.data(), bytes.size()) == status::ok);
    return bytes;
}

void train(net_t& net, int steps, test::rng& r) {
    for (int i = 0; i < steps; ++i) {
        float x[6];
        for (float& v : x) v = r.uniform(-1, 1);
        REQUIRE(net.train_step(x, static_cast<std::uint32_t>(x[0] > 0) + (x[1] > 0), 0.1f) == status::ok);
    }
}

}  // namespace

TEST_CASE("checkpoints alternate between the slots and restore the newest") {
    auto net = std::make_unique<net_t>(1);
    const std::size_t unit = 8;
    nor_flash flash(checkpoint_slot_bytes(net->model_size(), unit) + 24, unit);
    const checkpoint_storage storage = flash.storage();
    auto other = std::make_unique<net_t>(2);
    CHECK(other->restore_checkpoint(storage) == status::no_checkpoint);
    test::rng r(5);
    checkpoint_info info{};
    for (std::uint32_t k = 1; k <= 5; ++k) {
        train(*net, 7, r);
        REQUIRE(net->save_checkpoint(storage, &info) == status::ok);
        CHECK(info.sequence == k);
        CHECK(info.slot == (k + 1) % 2);  // slot 0 first
        CHECK(info.steps == 7 * k);
        checkpoint_info found{};
        REQUIRE(other->restore_checkpoint(storage, &found) == status::ok);
        CHECK(found.sequence == k);
        CHECK(model_of(*other) == model_of(*net));
    }
    CHECK(!flash.misuse());

    // Too small a slot, a bad write unit, another shape.
    nor_flash tiny(64, unit);
    CHECK(net->save_checkpoint(tiny.storage()) == status::buffer_too_small);
    checkpoint_storage odd = storage;
    odd.write_unit = 0;
    CHECK(net->save_checkpoint(odd) == status::invalid_shape);
    auto wider = std::make_unique<Mlp<6, Dense<7, Sigmoid>, Dense<3, Softmax>>>(1);
    const std::vector<unsigned char> before = model_of(*wider);
    CHECK(wider->restore_checkpoint(storage) == status::model_shape_mismatch);
    CHECK(model_of(*wider) == before);
}

TEST_CASE("a power cut at any byte of a save leaves the last complete checkpoint") {
    for (std::size_t unit : {std::size_t{1}, std::size_t{4}, std::size_t{16}}) {
        CAPTURE(unit);
        auto net = std::make_unique<net_t>(3);
        test::rng r(11);
        const std::size_t slot = checkpoint_slot_bytes(net->model_size(), unit);
        // Measure how many byte operations one save takes (erase + model + record).
        nor_flash probe(slot, unit);
        REQUIRE(net->save_checkpoint(probe.storage()) == status::ok);
        const long per_save = probe.operations();
        CHECK(per_save >= static_cast<long>(slot + net->model_size()));

        // Two complete checkpoints, then a third cut after every possible operation.
        nor_flash flash(slot, unit);
        train(*net, 5, r);
        REQUIRE(net->save_checkpoint(flash.storage()) == status::ok);
        train(*net, 5, r);
        REQUIRE(net->save_checkpoint(flash.storage()) == status::ok);
        const std::vector<unsigned char> second = model_of(*net);
        const std::vector<unsigned char> flash_before = flash.bytes();
        train(*net, 5, r);
        const std::vector<unsigned char> third = model_of(*net);

        long cuts = 0, recovered_second = 0, recovered_third = 0, failures = 0;
        for (long cut = 0; cut <= per_save; ++cut) {
            flash.bytes() = flash_before;
            flash.reboot();
            flash.cut_power_after(cut);
            const status saved = net->save_checkpoint(flash.storage());
            flash.reboot();
            ++cuts;
            auto restored = std::make_unique<net_t>(99);
            checkpoint_info info{};
            if (restored->restore_checkpoint(flash.storage(), &info) != status::ok) {
                ++failures;
                continue;
            }
            const std::vector<unsigned char> got = model_of(*restored);
            if (got == third && info.sequence == 3) {
                ++recovered_third;
            } else if (got == second && info.sequence == 2 && saved != status::ok) {
                ++recovered_second;
            } else {
                ++failures;
                continue;
            }
            // Training resumes from what came back, and the next save lands.
            train(*restored, 3, r);
            if (restored->save_checkpoint(flash.storage()) != status::ok) ++failures;
        }
        MESSAGE("write unit ", unit, ": ", cuts, " power cuts over a ", per_save, "-operation save: ",
                recovered_second, " recovered the previous checkpoint, ", recovered_third, " the new one");
        CHECK(failures == 0);
        CHECK(recovered_third >= 1);  // the uncut save completes
        CHECK(recovered_second >= per_save - 1);
        CHECK(!flash.misuse());
    }
}

TEST_CASE("a damaged slot is skipped, and never chosen as the slot to keep") {
    auto net = std::make_unique<net_t>(4);
    test::rng r(2);
    nor_flash flash(checkpoint_slot_bytes(net->model_size(), 4), 4);
    train(*net, 3, r);
    REQUIRE(net->save_checkpoint(flash.storage()) == status::ok);  // slot 0, sequence 1
    const std::vector<unsigned char> first = model_of(*net);
    train(*net, 3, r);
    REQUIRE(net->save_checkpoint(flash.storage()) == status::ok);  // slot 1, sequence 2
    // Bit rot in the newest model: the restore falls back to sequence 1...
    flash.bytes()[flash.bytes().size() / 2 + 40] ^= 0x04;
    auto restored = std::make_unique<net_t>(9);
    checkpoint_info info{};
    REQUIRE(restored->restore_checkpoint(flash.storage(), &info) == status::ok);
    CHECK(info.sequence == 1);
    CHECK(model_of(*restored) == first);
    // ...and the next save overwrites the damaged slot, not the good one.
    REQUIRE(net->save_checkpoint(flash.storage(), &info) == status::ok);
    CHECK(info.slot == 1);
    CHECK(info.sequence == 2);
}
