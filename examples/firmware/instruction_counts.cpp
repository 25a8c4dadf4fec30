// Instruction counts of one train_step and one predict on a Cortex-M board under QEMU,
// and the stack they use. Run with `qemu-system-arm -icount shift=0` (one instruction per
// virtual nanosecond), the SysTick timer then counts instructions deterministically:
// MICROPROP_INSTRUCTIONS_PER_TICK of them per tick (the board's SysTick clock, set by the
// toolchain file). Each figure is the mean over `repeats` calls after a warm-up call.
//
// Output, one line per measurement, for tools/cortex_m_footprint.py:
//   count <network> <train_step|predict> <instructions> <stack bytes>
#include <cstdint>
#include <cstring>

#include "microprop/microprop.hpp"
#include "print.hpp"

#ifndef MICROPROP_INSTRUCTIONS_PER_TICK
#error "the toolchain file sets MICROPROP_INSTRUCTIONS_PER_TICK (SysTick ticks under -icount shift=0)"
#endif

namespace {

using namespace microprop;

using firmware::print;

// SysTick: a 24-bit down-counter clocked at the board's system clock.
volatile std::uint32_t& systick_control = *reinterpret_cast<volatile std::uint32_t*>(0xE000E010u);
volatile std::uint32_t& systick_reload = *reinterpret_cast<volatile std::uint32_t*>(0xE000E014u);
volatile std::uint32_t& systick_value = *reinterpret_cast<volatile std::uint32_t*>(0xE000E018u);

void start_systick() {
    systick_reload = 0x00FFFFFFu;
    systick_value = 0;
    systick_control = 0x5u;  // enabled, processor clock, no interrupt
}

// Stack use: fill the stack below the current frame with a pattern, run the call, and find
// the deepest word that changed.
constexpr std::uint32_t paint = 0xC0FFEE11u;
constexpr std::size_t painted_words = 1024;  // 4 KB below the caller's frame

[[gnu::noinline]] std::uint32_t* paint_stack() {
    std::uint32_t* sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    std::uint32_t* bottom = sp - painted_words;
    for (std::uint32_t* p = bottom; p < sp - 16; ++p) *p = paint;
    return bottom;
}

std::uint32_t stack_used(const std::uint32_t* bottom, const std::uint32_t* top) {
    const std::uint32_t* p = bottom;
    while (p < top && *p == paint) ++p;
    return static_cast<std::uint32_t>(reinterpret_cast<const char*>(top) -
                                      reinterpret_cast<const char*>(p));
}

template <class Net>
void measure(const char* name, Net& net, std::uint32_t inputs) {
    static float x[256];
    float y[16];
    for (std::uint32_t i = 0; i < inputs; ++i) x[i] = static_cast<float>(i % 7) * 0.125f;
    constexpr std::uint32_t repeats = 16;

    for (int which = 0; which < 2; ++which) {
        const bool train = which == 0;
        const auto call = [&](std::uint32_t i) {
            return train ? net.train_step(x, i % 10, 0.01f) : net.predict(x, y);
        };
        if (call(0) != status::ok) {  // warm-up, and a sanity check
            print("count: call failed\n");
            _exit(1);
        }
        // Stack: measured around one call made from a frame of known depth.
        std::uint32_t* top;
        __asm__ volatile("mov %0, sp" : "=r"(top));
        const std::uint32_t* bottom = paint_stack();
        call(1);
        const std::uint32_t stack = stack_used(bottom, top);

        start_systick();
        const std::uint32_t before = systick_value;
        for (std::uint32_t i = 0; i < repeats; ++i) call(i);
        const std::uint32_t after = systick_value;
        const std::uint32_t ticks = (before - after) & 0x00FFFFFFu;
        const std::uint32_t instructions =
            static_cast<std::uint32_t>(static_cast<double>(ticks) * MICROPROP_INSTRUCTIONS_PER_TICK / repeats);
        print("count ");
        print(name);
        print(train ? " train_step " : " predict ");
        print(instructions);
        print(" ");
        print(stack);
        print("\n");
    }
}

Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> small(1);
Mlp<256, Dense<64, Sigmoid>, Dense<10, Softmax>> medium(1);

}  // namespace

int main() {
    print("kernels ");
    print(active_kernels().name);
    print("\n");
    measure("64-32-10", small, 64);
    measure("256-64-10", medium, 256);
    return 0;
}
