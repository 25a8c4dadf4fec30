// Instruction counts of the training and prediction calls on a Cortex-M board under QEMU.
// Run with `qemu-system-arm -icount shift=0` (one instruction per virtual nanosecond): the
// SysTick timer then counts instructions deterministically, MICROPROP_INSTRUCTIONS_PER_TICK
// of them per tick (the board's SysTick clock, set by the toolchain file), so one reading
// is exact to within one tick.
//
// Two kinds of measurement, for tools/cortex_m_footprint.py:
//   count <network> <train_step|predict|train_then_predict> <instructions>
//     the mean over `repeats` calls after a warm-up call;
//   case <network> <case> <calls> <min> <max> <expected status> <all as expected: 1|0>
//     train_step on one kind of data (docs/real-time.md): each call timed on its own, the
//     smallest and the largest count, and whether every call returned the expected status.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "microprop/microprop.hpp"
#include "microprop/random.hpp"
#include "print.hpp"

#ifndef MICROPROP_INSTRUCTIONS_PER_TICK
#error "the toolchain file sets MICROPROP_INSTRUCTIONS_PER_TICK (SysTick ticks under -icount shift=0)"
#endif

namespace {

using namespace microprop;

using firmware::print;

// SysTick: a 24-bit down-counter clocked at the board's system clock, free-running from
// start_systick() on; an interval is the difference of two readings modulo 2^24.
volatile std::uint32_t& systick_control = *reinterpret_cast<volatile std::uint32_t*>(0xE000E010u);
volatile std::uint32_t& systick_reload = *reinterpret_cast<volatile std::uint32_t*>(0xE000E014u);
volatile std::uint32_t& systick_value = *reinterpret_cast<volatile std::uint32_t*>(0xE000E018u);

void start_systick() {
    systick_reload = 0x00FFFFFFu;
    systick_value = 0;
    systick_control = 0x5u;  // enabled, processor clock, no interrupt
}

std::uint32_t instructions(std::uint32_t ticks) {
    return static_cast<std::uint32_t>(static_cast<double>(ticks) * MICROPROP_INSTRUCTIONS_PER_TICK + 0.5);
}

// Instructions of one call of f (which returns a status, stored in *result).
template <class F>
std::uint32_t time_one(F&& f, status* result) {
    const std::uint32_t before = systick_value;
    *result = f();
    const std::uint32_t after = systick_value;
    return instructions((before - after) & 0x00FFFFFFu);
}

void line(const char* a, const char* b, const char* c) {
    print(a);
    print(" ");
    print(b);
    print(" ");
    print(c);
}

// --- means over repeated calls: the table of docs/cortex-m.md ----------------------------

template <class Net>
void measure_means(const char* name, Net& net, std::uint32_t inputs) {
    static float x[256];
    float y[16];
    for (std::uint32_t i = 0; i < inputs; ++i) x[i] = static_cast<float>(i % 7) * 0.125f;
    constexpr std::uint32_t repeats = 16;
    const char* calls[] = {"train_step", "predict", "train_then_predict"};
    for (int which = 0; which < 3; ++which) {
        const auto call = [&](std::uint32_t i) {
            switch (which) {
                case 0: return net.train_step(x, i % 10, 0.01f);
                case 1: return net.predict(x, y);
                default: return net.train_then_predict(i % 10, 0.01f, x);
            }
        };
        if (which == 2) net.predict(x);  // primes the pipeline
        if (call(0) != status::ok) {     // warm-up, and a sanity check
            print("count: call failed\n");
            _exit(1);
        }
        const std::uint32_t before = systick_value;
        for (std::uint32_t i = 0; i < repeats; ++i) call(i);
        const std::uint32_t after = systick_value;
        line("count", name, calls[which]);
        print(" ");
        print(instructions((before - after) & 0x00FFFFFFu) / repeats);
        print("\n");
    }
}

// --- train_step on different data: the bounded-time evidence ---------------------------

// The kinds of data (docs/real-time.md explains what each exercises).
enum class data {
    typical,        // uniform in [0, 1), random labels
    typical_no_loss,  // the same without asking for the loss (every other case asks for it)
    zero,           // all-zero input
    saturating,     // +-1e4: hidden sigmoids at exactly 0 or 1
    subnormal,      // random subnormal floats of either sign
    exp_subnormal,  // zero input, hidden biases of -95: every hidden exp(z) is subnormal
    at_limit,       // +-2 with the input limit set to 2
    exact_pass,     // an output weight of 1.5e38: the cheap overflow bound fails, the exact pass proves the step safe
    exact_refused,  // eta = FLT_MAX on the least likely class: both proofs fail, refused (diverged)
    slowest,        // exp_subnormal's biases, exact_pass's weight and subnormal inputs at once
    forward_overflow,  // inputs of FLT_MAX: z_1 overflows, refused in the forward pass (diverged)
    nan_input,      // one NaN among typical values: refused (non_finite_input)
    infinite_input, // one +inf: refused (non_finite_input)
    beyond_limit,   // one value just above the input limit: refused (input_out_of_range)
    bad_label,      // label == outputs: refused (label_out_of_range)
    bad_eta,        // eta = NaN: refused (invalid_learning_rate)
};

struct case_spec {
    const char* name;
    data kind;
    status expected;
};

constexpr case_spec cases[] = {
    {"typical", data::typical, status::ok},
    {"typical_without_loss", data::typical_no_loss, status::ok},
    {"zero", data::zero, status::ok},
    {"saturating", data::saturating, status::ok},
    {"subnormal", data::subnormal, status::ok},
    {"exp_subnormal_range", data::exp_subnormal, status::ok},
    {"at_input_limit", data::at_limit, status::ok},
    {"exact_pass", data::exact_pass, status::ok},
    {"exact_pass_refused", data::exact_refused, status::diverged},
    {"slowest_combined", data::slowest, status::ok},
    {"forward_overflow", data::forward_overflow, status::diverged},
    {"nan_input", data::nan_input, status::non_finite_input},
    {"infinite_input", data::infinite_input, status::non_finite_input},
    {"beyond_input_limit", data::beyond_limit, status::input_out_of_range},
    {"bad_label", data::bad_label, status::label_out_of_range},
    {"bad_eta", data::bad_eta, status::invalid_learning_rate},
};

constexpr float input_limit = 2.0f;
constexpr std::uint32_t calls_per_case = 32;

float from_bits(std::uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

// The index of the smallest output of the last forward pass.
template <class Net>
std::uint32_t least_likely(Net& net, std::uint32_t outputs) {
    const float* y = net.output();
    std::uint32_t least = 0;
    for (std::uint32_t i = 1; i < outputs; ++i) least = y[i] < y[least] ? i : least;
    return least;
}

// `net` is the working copy, `trained` the starting point of every case. False if a call
// returned another status than its case expects.
template <class Net, std::uint32_t Inputs, std::uint32_t Outputs>
bool measure_cases(const char* name, const Net& trained, Net& net) {
    bool all_as_expected = true;
    static float x[Inputs];
    for (const case_spec& c : cases) {
        net = trained;  // every case starts from the same trained weights
        splitmix64 rng(42);
        if (c.kind == data::at_limit || c.kind == data::beyond_limit) net.set_input_limit(input_limit);
        const bool huge_weight = c.kind == data::exact_pass || c.kind == data::slowest;
        const bool low_biases = c.kind == data::exp_subnormal || c.kind == data::slowest;
        // Parameters set through set_layer(), which measures the overflow bounds exactly:
        // one huge output weight, or low hidden biases.
        static float weights[Inputs * 64 > 64 * Outputs ? Inputs * 64 : 64 * Outputs], biases[64];
        bool set_ok = true;
        if (huge_weight) {
            set_ok &= net.get_layer(1, weights, biases) == status::ok;
            weights[0] = 1.5e38f;
            set_ok &= net.set_layer(1, weights, biases) == status::ok;
        }
        if (low_biases) {
            set_ok &= net.get_layer(0, weights, biases) == status::ok;
            for (std::size_t r = 0; r < net.layer(0).rows; ++r) biases[r] = -95.0f;
            set_ok &= net.set_layer(0, weights, biases) == status::ok;
        }
        if (!set_ok) {
            print("case: set_layer failed\n");
            _exit(1);
        }
        std::uint32_t least = 0xFFFFFFFFu, most = 0;
        bool as_expected = true;
        for (std::uint32_t call = 0; call < calls_per_case; ++call) {
            for (std::uint32_t i = 0; i < Inputs; ++i) {
                const float sign = (rng.next() & 1u) != 0 ? 1.0f : -1.0f;
                switch (c.kind) {
                    case data::zero:
                    case data::exp_subnormal: x[i] = 0.0f; break;
                    case data::saturating: x[i] = sign * 1e4f; break;
                    case data::subnormal:
                    case data::slowest:
                        x[i] = sign * from_bits(1u + static_cast<std::uint32_t>(rng.next() % 0x7FFFFFu));
                        break;
                    case data::at_limit: x[i] = sign * input_limit; break;
                    case data::forward_overflow: x[i] = std::numeric_limits<float>::max(); break;
                    default: x[i] = rng.uniform(); break;
                }
            }
            if (c.kind == data::nan_input) x[Inputs - 1] = std::numeric_limits<float>::quiet_NaN();
            if (c.kind == data::infinite_input) x[0] = std::numeric_limits<float>::infinity();
            if (c.kind == data::beyond_limit) x[Inputs / 2] = std::nextafter(input_limit, 3.0f);
            std::uint32_t label = static_cast<std::uint32_t>(rng.next() % Outputs);
            float eta = 0.05f;
            if (c.kind == data::bad_label) label = Outputs;
            if (c.kind == data::bad_eta) eta = std::numeric_limits<float>::quiet_NaN();
            if (huge_weight || c.kind == data::exact_refused) {
                // Not timed: the label is the least likely class, so |yhat - y| >= 1 - 1/outputs
                // and the cheap bound (outputs * 1.5e38 * |yhat - y| / 4) always fails.
                net.predict(x);
                label = least_likely(net, Outputs);
            }
            if (c.kind == data::exact_refused) eta = std::numeric_limits<float>::max();
            float loss = 0.0f;
            float* wanted = c.kind == data::typical_no_loss ? nullptr : &loss;
            status s = status::ok;
            const std::uint32_t n = time_one([&] { return net.train_step(x, label, eta, wanted); }, &s);
            least = n < least ? n : least;
            most = n > most ? n : most;
            as_expected = as_expected && s == c.expected;
        }
        line("case", name, c.name);
        print(" ");
        print(calls_per_case);
        print(" ");
        print(least);
        print(" ");
        print(most);
        print(" ");
        print(static_cast<std::uint32_t>(c.expected));
        print(as_expected ? " 1\n" : " 0\n");
        all_as_expected = all_as_expected && as_expected;
    }
    return all_as_expected;
}

// A trained starting point: 200 typical samples.
template <class Net, std::uint32_t Inputs, std::uint32_t Outputs>
void warm_up(Net& net) {
    splitmix64 rng(7);
    float x[Inputs];
    for (int step = 0; step < 200; ++step) {
        for (float& v : x) v = rng.uniform();
        net.train_step(x, static_cast<std::uint32_t>(rng.next() % Outputs), 0.05f);
    }
}

Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> small(1), small_work(1);
Mlp<256, Dense<64, Sigmoid>, Dense<10, Softmax>> medium(1);
Mlp<16, Dense<32, Sigmoid>, Dense<4, Softmax>> tiny(1), tiny_work(1);

}  // namespace

int main() {
    start_systick();
    print("kernels ");
    print(active_kernels().name);
    print("\n");
    measure_means("64-32-10", small, 64);
    measure_means("256-64-10", medium, 256);

    small.initialize(1);
    warm_up<decltype(small), 64, 10>(small);
    bool ok = measure_cases<decltype(small), 64, 10>("64-32-10", small, small_work);
    warm_up<decltype(tiny), 16, 4>(tiny);
    ok = measure_cases<decltype(tiny), 16, 4>("16-32-4", tiny, tiny_work) && ok;
    print(ok ? "instruction counts: done\n" : "instruction counts: FAILED, a call returned an unexpected status\n");
    return ok ? 0 : 1;
}
