// Firmware for a Cortex-M board: a machine-state classifier that learns online from its
// vibration sensor, one window at a time, and reports its running accuracy over
// semihosting. It is linked with the heap poisoned (poisoned_heap.cpp): the first
// allocation, by anyone, ends the run with a failure. Output goes through write(), not
// printf, whose buffers newlib would allocate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "microprop/microprop.hpp"
#include "print.hpp"
#include "sensor_stream.hpp"

namespace {

using firmware::print;

using namespace microprop;
using sensor::states;
using sensor::window;

// The network and everything it trains with are static: the map file shows them all.
Mlp<window, Dense<32, Sigmoid>, Dense<states, Softmax>> net(1);

}  // namespace

int main(int argc, char** argv) {
    // `--prove-poison` allocates on purpose: ctest checks that this ends the run, so a
    // firmware that passes is known to have run with a live trap.
    if (argc > 1 && std::strcmp(argv[1], "--prove-poison") == 0) {
        void* volatile p = std::malloc(16);
        (void)p;
    }
    print("firmware: ");
    print(window);
    print("-32-");
    print(states);
    print(" sigmoid/softmax network, ");
    print(static_cast<std::uint32_t>(sizeof net));
    print(" bytes of RAM, ");
    print(active_kernels().name);
    print(" kernels\n");

    sensor::stream machine(7);
    constexpr std::uint32_t total = 6000, report_every = 1000;
    std::uint32_t window_correct = 0, last_window = 0;
    for (std::uint32_t i = 1; i <= total; ++i) {
        float x[window], y[states];
        const std::uint32_t state = machine.next(x);
        if (net.predict(x, y) != status::ok) {
            print("firmware: predict refused\n");
            return 1;
        }
        window_correct += sensor::argmax(y, states) == state;  // test, then train
        const status s = net.train_step(x, state, 0.2f);
        if (s != status::ok) {
            // The code, not status_message(): its table of texts is 700 bytes of flash.
            print("firmware: train_step refused, status ");
            print(static_cast<std::uint32_t>(s));
            print("\n");
            return 1;
        }
        if (i % report_every == 0) {
            print("samples ");
            print(i);
            print(", running accuracy ");
            print(window_correct * 1000 / report_every);
            print(" per mille\n");
            last_window = window_correct;
            window_correct = 0;
        }
    }
    const bool learned = last_window * 100 >= 95 * report_every;
    print(learned ? "firmware: done, the model learned the machine states\n"
                  : "firmware: FAILED, accuracy below 95 % at the end of the stream\n");
    return learned ? 0 : 1;
}
