// Concept drift: a model that learns online keeps up when the world changes under it.
//
// Eight strain gauges sit in a ring around a shaft, 45 degrees apart; each reads the
// component of the load's force along its own direction, plus noise. The class is the
// load's direction (north, east, south, west, each a sector of +-35 degrees; its strength
// varies). Halfway through the stream the sensor ring is remounted a quarter turn:
// from then on every direction reads the way its neighbour used to, and what the network
// learned is wrong for every class at once.
//
// The network predicts each sample before it trains on it (prequential, test-then-train),
// and its accuracy over the last 100 samples is printed. It is high before the remount,
// collapses at it, and recovers as the network relearns. The program fails (exit status
// 1) if the accuracy was not high before the drift, did not dip at it (the drift was not
// real) or did not recover by the end.
//
//   microprop_drift [--csv FILE]     FILE gets "sample,window_accuracy" every 10 samples,
//                                    for tools/plot_demos.py
#include <cmath>
#include <cstdio>
#include <cstring>

#include "microprop/microprop.hpp"
#include "microprop/random.hpp"
#include "sensor_stream.hpp"  // sensor::argmax

namespace {

using namespace microprop;

constexpr std::uint32_t gauges = 8, directions = 4;
const char* const direction_names[directions] = {"north", "east", "south", "west"};

constexpr int total = 6000, drift_at = 3000;  // the remount happens before sample 3001
constexpr int window = 100, print_every = 300, csv_every = 10;
constexpr int close_up = 400, close_up_every = 50;  // finer lines right after the drift
constexpr float eta = 0.05f;
constexpr float pi = 3.14159265f;

class load_sensor {
public:
    explicit load_sensor(std::uint64_t seed) : rng_(seed) {}

    // Turns the ring by `quarter_turns` times 90 degrees.
    void remount(int quarter_turns) { mount_ = static_cast<float>(quarter_turns) * 0.5f * pi; }

    // Writes one reading of the eight gauges to x and returns the load's direction.
    std::uint32_t next(float* x) {
        const std::uint32_t direction = static_cast<std::uint32_t>(rng_.next() % directions);
        const float spread = 35.0f * pi / 180.0f;
        const float angle = static_cast<float>(direction) * 0.5f * pi + rng_.symmetric(spread) + mount_;
        const float strength = 0.5f + rng_.uniform();
        for (std::uint32_t k = 0; k < gauges; ++k) {
            const float noise = rng_.uniform() + rng_.uniform() + rng_.uniform() - 1.5f;
            x[k] = strength * std::cos(angle - static_cast<float>(k) * 0.25f * pi) + 0.2f * noise;
        }
        return direction;
    }

private:
    splitmix64 rng_;
    float mount_ = 0.0f;
};

// Accuracy over the last `window` predictions.
class window_accuracy {
public:
    void add(bool hit) {
        sum_ += static_cast<int>(hit) - static_cast<int>(hits_[next_]);
        hits_[next_] = hit;
        next_ = (next_ + 1) % window;
        count_ += count_ < window;
    }
    double percent() const { return count_ == 0 ? 0.0 : 100.0 * sum_ / count_; }

private:
    bool hits_[window] = {};
    int next_ = 0, count_ = 0, sum_ = 0;
};

Mlp<gauges, Dense<16, Sigmoid>, Dense<directions, Softmax>> net(1);

}  // namespace

int main(int argc, char** argv) {
    const char* csv_path = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv_path = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--csv FILE]\n", argv[0]);
            return 2;
        }
    }
    std::FILE* csv = nullptr;
    if (csv_path != nullptr) {
        csv = std::fopen(csv_path, "w");
        if (csv == nullptr) {
            std::fprintf(stderr, "cannot write %s\n", csv_path);
            return 2;
        }
        std::fprintf(csv, "sample,window_accuracy\n");
    }

    std::printf("microprop drift demo: %u gauges -> 16 sigmoid -> %u directions, eta %.2f; "
                "the sensor is remounted a quarter turn after sample %d\n",
                gauges, directions, static_cast<double>(eta), drift_at);
    std::printf("%8s  %16s\n", "samples", "last 100 correct");

    load_sensor ring(11);
    window_accuracy recent;
    double before_drift = 0.0, lowest_after = 100.0;
    int recovered_at = 0;  // the first sample after the dip whose window is back at 90%
    for (int i = 1; i <= total; ++i) {
        if (i == drift_at + 1) {
            ring.remount(1);
            std::printf("%8s  -- sensor remounted a quarter turn: %s now reads like %s --\n", "",
                        direction_names[0], direction_names[1]);
        }
        float x[gauges];
        const std::uint32_t direction = ring.next(x);
        float y[directions];
        if (net.predict(x, y) != status::ok) return 1;  // test ...
        const bool hit = sensor::argmax(y, directions) == direction;
        const status s = net.train_step(x, direction, eta);  // ... then train
        if (s != status::ok) {
            std::printf("sample %d refused: %s\n", i, status_message(s));
            return 1;
        }
        recent.add(hit);

        const double accuracy = recent.percent();
        if (i == drift_at) before_drift = accuracy;
        if (i > drift_at) {
            if (accuracy < lowest_after) lowest_after = accuracy;
            if (recovered_at == 0 && lowest_after < 90.0 && accuracy >= 90.0) recovered_at = i;
        }
        const bool close = i > drift_at && i <= drift_at + close_up && i % close_up_every == 0;
        if (i % print_every == 0 || close) std::printf("%8d  %15.1f%%\n", i, accuracy);
        if (csv != nullptr && i % csv_every == 0) std::fprintf(csv, "%d,%.1f\n", i, accuracy);
    }
    if (csv != nullptr && std::fclose(csv) != 0) return 2;

    const double final_accuracy = recent.percent();
    std::printf("before the remount %.1f%%, lowest after it %.1f%%, ", before_drift, lowest_after);
    if (recovered_at != 0) {
        std::printf("back to 90%% after %d samples, %.1f%% at the end\n", recovered_at - drift_at,
                    final_accuracy);
    } else {
        std::printf("never back to 90%%, %.1f%% at the end\n", final_accuracy);
    }
    const bool learned = before_drift >= 90.0, dipped = lowest_after <= 50.0,
               recovered = recovered_at != 0 && final_accuracy >= 90.0;
    if (!learned) std::printf("FAILED: the network did not learn the stream before the drift\n");
    if (!dipped) std::printf("FAILED: the accuracy did not dip at the drift\n");
    if (!recovered) std::printf("FAILED: the accuracy did not recover after the drift\n");
    return learned && dipped && recovered ? 0 : 1;
}
