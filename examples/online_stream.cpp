// The classic network of the derivation (sigmoid hidden layer, softmax + cross-entropy
// output) learning online from a sensor stream: each sample is a window of 16 readings
// of a vibration sensor, and the machine's state (idle, running, unbalanced, bearing
// fault) is the class. The model predicts each sample before training on it
// (prequential, test-then-train), so its running accuracy is an honest measure.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "microprop/microprop.hpp"
#include "sensor_stream.hpp"

namespace {

using namespace microprop;
using sensor::states;
using sensor::window;

Mlp<window, Dense<32, Sigmoid>, Dense<states, Softmax>> net(1);

}  // namespace

int main() {
    const memory_footprint fp = net.footprint();
    std::printf("microprop demo: %u-32-%u sigmoid/softmax network, %zu bytes in all "
                "(weights %zu), %s kernels\n",
                window, states, fp.total, fp.weights, active_kernels().name);
    std::printf("%8s  %12s  %10s\n", "samples", "accuracy", "mean loss");

    sensor::stream machine(7);
    const int total = 20000, report_every = 2000;
    const float eta = 0.2f;
    int correct = 0, window_correct = 0;
    double window_loss = 0.0, seconds = 0.0;
    // The pipelined step: each call learns the window predicted last and predicts the
    // next one, sharing one pass over the first layer's weights.
    float x[window];
    std::uint32_t state = machine.next(x);
    if (net.predict(x) != status::ok) return 1;
    for (int i = 1; i <= total; ++i) {
        // Test (output() is the prediction for x), then train on the same sample.
        const bool hit = sensor::argmax(net.output(), states) == state;
        correct += hit;
        window_correct += hit;
        float next[window];
        const std::uint32_t next_state = machine.next(next);
        float loss = 0.0f;
        const auto start = std::chrono::steady_clock::now();
        const status s = net.train_then_predict(state, eta, i < total ? next : nullptr, &loss);
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (s != status::ok) {
            std::printf("sample %d refused: %s\n", i, status_message(s));
            return 1;
        }
        window_loss += loss;
        if (i % report_every == 0) {
            std::printf("%8d  %11.1f%%  %10.4f\n", i, 100.0 * window_correct / report_every,
                        window_loss / report_every);
            window_correct = 0;
            window_loss = 0.0;
        }
        for (std::uint32_t k = 0; k < window; ++k) x[k] = next[k];
        state = next_state;
    }
    std::printf("prequential accuracy over the whole stream: %.1f%%, %.0f ns per sample "
                "(learn it, predict the next)\n",
                100.0 * correct / total, 1e9 * seconds / total);

    // Held-out check on fresh windows, one line per machine state.
    for (std::uint32_t state = 0; state < states; ++state) {
        int hits = 0;
        for (int i = 0; i < 500; ++i) {
            float x[window], y[states];
            machine.read(state, x);
            if (net.predict(x, y) != status::ok) return 1;
            hits += sensor::argmax(y, states) == state;
        }
        std::printf("  %-14s %5.1f%% of 500 held-out windows recognised\n", sensor::state_names[state], hits / 5.0);
    }
    return 100 * correct / total >= 80 ? 0 : 1;  // the demo fails loudly if learning broke
}
