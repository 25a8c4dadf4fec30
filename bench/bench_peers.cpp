// One online SGD training step, microprop against its peers, side by side in one run.
//
//   cmake -S . -B build/host -DCMAKE_BUILD_TYPE=Release
//   cmake --build build/host --target microprop_bench_peers
//   build/host/bench/microprop_bench_peers --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true   (one command line)
//
// Networks 64-32-10 and 784-128-10 (sigmoid hidden layer), one step on one labelled sample,
// cycling through 64 pre-generated samples (inputs ~U(0, 1), random labels, eta = 0.01).
// Names are train_step/<implementation>/<shape>:
//   microprop       Mlp<...>::train_step(x, label, eta), the active (best) kernel table
//                   (softmax + cross-entropy output).
//   fann            FANN 2.2, fann_train() with FANN_TRAIN_INCREMENTAL, momentum 0. FANN has
//                   no softmax: its output layer is FANN_SIGMOID with FANN_ERRORFUNC_LINEAR,
//                   i.e. a sigmoid/MSE step, the closest it offers (same shapes, same
//                   initial weights, same amount of weight traffic, a slightly different
//                   output delta). The equality check below therefore does not apply to it.
//   eigen           Eigen 3.4 as a good C++ engineer writes it: fixed-size matrices where
//                   Eigen allows them on the stack (<= EIGEN_STACK_ALLOCATION_LIMIT, so the
//                   64-32-10 net; 784-128-10's W1 is 400 KB and dynamic), noalias()
//                   products and rank-1 updates, array-op sigmoid, stable softmax. Compiled
//                   with this target's flags (no -march=native).
//   plain_loop      The textbook loops (peer_plain_loop.cpp) at -O3 -march=native.
//   stream_ceiling  Not a training step: one read-only pass and one read-write pass over
//                   as many floats as the network has weights (read twice, written once,
//                   like a forward pass plus a fused backward+update). What the memory
//                   hierarchy allows on this run, in the same units.
// Counter: ns_per_weight (time per weight, biases not counted; the console appends "s").
//
// Before any benchmark runs, main() trains microprop, Eigen and the plain loop for 10
// identical steps from identical weights and aborts unless the updated weights and biases
// agree within 1e-5 relative + 1e-6 absolute: nobody wins by doing less. At the end it
// prints the median time of each implementation (or the mean of the runs when there are
// no repetitions) and the ratios. The table follows the console output; for JSON use
// --benchmark_out=<file> --benchmark_out_format=json.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

// GCC 12 reports a false "iteration ... invokes undefined behavior" inside Eigen's
// row-major matrix-vector product (a middle-end warning, so the system-header exemption
// does not cover it); silenced for Eigen's own code only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#include <Eigen/Core>
#pragma GCC diagnostic pop
#include <benchmark/benchmark.h>
#include <unistd.h>

#ifdef MICROPROP_BENCH_HAVE_FANN
#include <floatfann.h>
#endif

#include "bench_support.hpp"
#include "microprop/microprop.hpp"

#include "peer_plain_loop.hpp"

namespace {

using microprop::Dense;
using microprop::Mlp;
using microprop::Sigmoid;
using microprop::Softmax;
using microprop_bench::aligned_floats;
namespace peers = microprop_bench_peers;

constexpr std::size_t sample_count = 64;  // a power of two: the cycle is a mask
constexpr float eta = 0.01f;

// Pre-generated inputs, labels and one-hot targets (the targets for FANN).
struct sample_set {
    std::size_t inputs, classes;
    aligned_floats x, targets;
    std::uint32_t labels[sample_count];

    sample_set(std::size_t n_inputs, std::size_t n_classes)
        : inputs(n_inputs), classes(n_classes), x(sample_count * n_inputs),
          targets(sample_count * n_classes), labels{} {
        std::mt19937 rng(static_cast<std::uint32_t>(n_inputs));
        microprop_bench::fill_uniform(x.data(), sample_count * n_inputs, 0.0f, 1.0f, rng);
        std::uniform_int_distribution<std::uint32_t> label(0, static_cast<std::uint32_t>(n_classes) - 1);
        for (std::size_t s = 0; s < sample_count; ++s) {
            labels[s] = label(rng);
            targets[s * n_classes + labels[s]] = 1.0f;
        }
    }
    float* input(std::size_t i) { return x.data() + i * inputs; }
    float* target(std::size_t i) { return targets.data() + i * classes; }
};

// A network's parameters, unpadded and row-major: the common currency of the peers.
struct params {
    std::size_t n0, n1, n2;
    std::vector<float> W1, b1, W2, b2;
    std::size_t weights() const { return n1 * n0 + n2 * n1; }
};

void copy_layer(const microprop::layer_params& p, std::vector<float>& W, std::vector<float>& b) {
    W.assign(p.rows * p.cols, 0.0f);
    b.assign(p.bias, p.bias + p.rows);
    for (std::size_t r = 0; r < p.rows; ++r)
        for (std::size_t c = 0; c < p.cols; ++c) W[r * p.cols + c] = p.weights[r * p.stride + c];
}

template <class Net>
params params_of(Net& net) {
    params p;
    const microprop::layer_params l1 = net.layer(0), l2 = net.layer(1);
    p.n0 = l1.cols;
    p.n1 = l1.rows;
    p.n2 = l2.rows;
    copy_layer(l1, p.W1, p.b1);
    copy_layer(l2, p.W2, p.b2);
    return p;
}

// --- Eigen ------------------------------------------------------------------------------

template <int Rows, int Cols>
using eigen_matrix = std::conditional_t<
    static_cast<long>(Rows) * Cols * static_cast<long>(sizeof(float)) <= EIGEN_STACK_ALLOCATION_LIMIT,
    Eigen::Matrix<float, Rows, Cols, Eigen::RowMajor>,
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <int N>
using eigen_vector = Eigen::Matrix<float, N, 1>;

template <int N0, int N1, int N2>
struct eigen_net {
    eigen_matrix<N1, N0> W1;
    eigen_matrix<N2, N1> W2;
    eigen_vector<N1> b1, a1, d1;
    eigen_vector<N2> b2, z2, d2;

    explicit eigen_net(const params& p) {
        W1.resize(N1, N0);
        W2.resize(N2, N1);
        W1 = Eigen::Map<const Eigen::Matrix<float, N1, N0, Eigen::RowMajor>>(p.W1.data());
        W2 = Eigen::Map<const Eigen::Matrix<float, N2, N1, Eigen::RowMajor>>(p.W2.data());
        b1 = Eigen::Map<const eigen_vector<N1>>(p.b1.data());
        b2 = Eigen::Map<const eigen_vector<N2>>(p.b2.data());
        a1.setZero();
        d1.setZero();
        z2.setZero();
        d2.setZero();
    }

    void step(const float* x_data, std::uint32_t label, float rate) {
        const Eigen::Map<const eigen_vector<N0>> x(x_data);
        a1.noalias() = W1 * x;
        a1 = (1.0f / (1.0f + (-(a1 + b1).array()).exp())).matrix();   // sigmoid
        z2.noalias() = W2 * a1;
        z2 += b2;
        d2 = (z2.array() - z2.maxCoeff()).exp().matrix();              // stable softmax
        d2 /= d2.sum();
        d2(label) -= 1.0f;                                            // BP1: yhat - y
        d1.noalias() = W2.transpose() * d2;                           // BP2, old W2
        d1.array() *= a1.array() * (1.0f - a1.array());
        W2.noalias() -= (rate * d2) * a1.transpose();                 // BP3 + update
        b2 -= rate * d2;
        W1.noalias() -= (rate * d1) * x.transpose();
        b1 -= rate * d1;
    }

    params to_params() const {
        params p{N0, N1, N2, {}, {}, {}, {}};
        p.W1.resize(N1 * N0);
        p.W2.resize(N2 * N1);
        Eigen::Map<Eigen::Matrix<float, N1, N0, Eigen::RowMajor>>(p.W1.data()) = W1;
        Eigen::Map<Eigen::Matrix<float, N2, N1, Eigen::RowMajor>>(p.W2.data()) = W2;
        p.b1.assign(b1.data(), b1.data() + N1);
        p.b2.assign(b2.data(), b2.data() + N2);
        return p;
    }
};

// --- the plain loop: its storage here, its code in peer_plain_loop.cpp --------------------

struct plain_owner {
    params p;
    std::vector<float> a1, y, d1, d2;
    peers::plain_net net;

    explicit plain_owner(const params& initial)
        : p(initial), a1(p.n1), y(p.n2), d1(p.n1), d2(p.n2),
          net{p.n0, p.n1, p.n2, p.W1.data(), p.b1.data(), p.W2.data(), p.b2.data(),
              a1.data(), y.data(), d1.data(), d2.data()} {}
    plain_owner(const plain_owner&) = delete;
    plain_owner& operator=(const plain_owner&) = delete;
    void step(const float* x, std::uint32_t label, float rate) {
        peers::plain_train_step(net, x, label, rate);
    }
};

// --- FANN ---------------------------------------------------------------------------------

#ifdef MICROPROP_BENCH_HAVE_FANN
struct fann_owner {
    struct fann* ann;

    explicit fann_owner(const params& p) {
        ann = fann_create_standard(3, static_cast<unsigned>(p.n0), static_cast<unsigned>(p.n1),
                                   static_cast<unsigned>(p.n2));
        if (ann == nullptr) {
            std::fprintf(stderr, "bench_peers: fann_create_standard failed\n");
            std::abort();
        }
        fann_set_activation_function_hidden(ann, FANN_SIGMOID);
        fann_set_activation_function_output(ann, FANN_SIGMOID);
        fann_set_activation_steepness_hidden(ann, 0.5f);  // 1 / (1 + exp(-2 * 0.5 * z))
        fann_set_activation_steepness_output(ann, 0.5f);
        fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
        fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
        fann_set_learning_rate(ann, eta);
        fann_set_learning_momentum(ann, 0.0f);
        set_weights(p);
    }
    ~fann_owner() { fann_destroy(ann); }
    fann_owner(const fann_owner&) = delete;
    fann_owner& operator=(const fann_owner&) = delete;

    // FANN numbers the neurons globally, layer after layer, each layer ending with its
    // bias neuron: inputs 0..n0-1, bias n0; hidden n0+1..n0+n1, bias n0+n1+1; outputs.
    // fann_get_connection_array lists the connections in the order of ann->weights, so
    // the weights are written there directly (fann_set_weight_array searches every
    // connection for each one it sets: quadratic, minutes for 784-128-10).
    float weight_for(const params& p, unsigned from, unsigned to) const {
        const std::size_t hidden0 = p.n0 + 1, output0 = hidden0 + p.n1 + 1;
        if (to >= output0) {
            const std::size_t j = to - output0, i = from - hidden0;
            return i == p.n1 ? p.b2[j] : p.W2[j * p.n1 + i];
        }
        const std::size_t j = to - hidden0, i = from;
        return i == p.n0 ? p.b1[j] : p.W1[j * p.n0 + i];
    }
    void set_weights(const params& p) {
        const unsigned count = fann_get_total_connections(ann);
        if (count != p.n1 * (p.n0 + 1) + p.n2 * (p.n1 + 1)) {
            std::fprintf(stderr, "bench_peers: FANN has %u connections, expected %zu\n", count,
                         p.n1 * (p.n0 + 1) + p.n2 * (p.n1 + 1));
            std::abort();
        }
        std::vector<struct fann_connection> c(count);
        fann_get_connection_array(ann, c.data());
        for (unsigned k = 0; k < count; ++k)
            ann->weights[k] = weight_for(p, c[k].from_neuron, c[k].to_neuron);
        fann_get_connection_array(ann, c.data());  // read back through the API
        for (unsigned k = 0; k < count; ++k) {
            if (c[k].weight != weight_for(p, c[k].from_neuron, c[k].to_neuron)) {
                std::fprintf(stderr, "bench_peers: FANN weight %u (%u -> %u) did not map\n", k,
                             c[k].from_neuron, c[k].to_neuron);
                std::abort();
            }
        }
    }
};
#endif

// --- the benchmarks -----------------------------------------------------------------------

template <std::uint32_t N0, std::uint32_t N1, std::uint32_t N2>
struct shape {
    using net = Mlp<N0, Dense<N1, Sigmoid>, Dense<N2, Softmax>>;
    using eigen = eigen_net<static_cast<int>(N0), static_cast<int>(N1), static_cast<int>(N2)>;
};

enum class peer { microprop, fann, eigen, plain_loop, stream_ceiling };
const char* const peer_names[] = {"microprop", "fann", "eigen", "plain_loop", "stream_ceiling"};

template <class Shape>
void run(benchmark::State& state, peer who) {
    const auto net = std::make_unique<typename Shape::net>(1);
    const params initial = params_of(*net);
    sample_set data(initial.n0, initial.n2);
    std::size_t i = 0;
    switch (who) {
        case peer::microprop:
            for (auto _ : state) {
                const microprop::status s = net->train_step(data.input(i), data.labels[i], eta);
                if (s != microprop::status::ok) {
                    state.SkipWithError(microprop::status_message(s));
                    break;
                }
                i = (i + 1) & (sample_count - 1);
            }
            break;
        case peer::fann: {
#ifdef MICROPROP_BENCH_HAVE_FANN
            fann_owner f(initial);
            for (auto _ : state) {
                fann_train(f.ann, data.input(i), data.target(i));
                i = (i + 1) & (sample_count - 1);
            }
#else
            state.SkipWithError("built without FANN (libfann-dev not found)");
#endif
            break;
        }
        case peer::eigen: {
            const auto e = std::make_unique<typename Shape::eigen>(initial);
            for (auto _ : state) {
                e->step(data.input(i), data.labels[i], eta);
                benchmark::ClobberMemory();
                i = (i + 1) & (sample_count - 1);
            }
            break;
        }
        case peer::plain_loop: {
            plain_owner p(initial);
            for (auto _ : state) {
                p.step(data.input(i), data.labels[i], eta);
                i = (i + 1) & (sample_count - 1);
            }
            break;
        }
        case peer::stream_ceiling: {
            aligned_floats w(initial.weights());
            for (std::size_t k = 0; k < initial.W1.size(); ++k) w[k] = initial.W1[k];
            for (std::size_t k = 0; k < initial.W2.size(); ++k) w[initial.W1.size() + k] = initial.W2[k];
            for (auto _ : state) {
                benchmark::DoNotOptimize(peers::stream_read(w.data(), initial.weights()));
                peers::stream_read_write(w.data(), initial.weights());
                benchmark::ClobberMemory();
            }
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["ns_per_weight"] = microprop_bench::ns_per(static_cast<double>(initial.weights()));
}

template <class Shape>
void register_shape(const char* shape_name) {
    for (int k = 0; k < 5; ++k) {
        const peer who = static_cast<peer>(k);
        const std::string name = std::string("train_step/") + peer_names[k] + "/" + shape_name;
        benchmark::RegisterBenchmark(name.c_str(), [who](benchmark::State& st) { run<Shape>(st, who); });
    }
}

// --- the equality check, before anything is timed ----------------------------------------

bool close(const std::vector<float>& a, const std::vector<float>& b, const char* what,
           const char* who, const char* shape_name) {
    if (a.size() != b.size()) {
        std::fprintf(stderr, "bench_peers: %s %s size differs for %s\n", shape_name, what, who);
        return false;
    }
    for (std::size_t k = 0; k < a.size(); ++k) {
        if (!(std::fabs(a[k] - b[k]) <= 1e-5f * std::fabs(a[k]) + 1e-6f)) {
            std::fprintf(stderr,
                         "bench_peers: %s: %s[%zu] after 10 steps: microprop %.9g, %s %.9g\n",
                         shape_name, what, k, static_cast<double>(a[k]), who,
                         static_cast<double>(b[k]));
            return false;
        }
    }
    return true;
}

bool same(const params& a, const params& b, const char* who, const char* shape_name) {
    return close(a.W1, b.W1, "W1", who, shape_name) && close(a.b1, b.b1, "b1", who, shape_name) &&
           close(a.W2, b.W2, "W2", who, shape_name) && close(a.b2, b.b2, "b2", who, shape_name);
}

template <class Shape>
void check_equal_updates(const char* shape_name) {
    const auto net = std::make_unique<typename Shape::net>(1);
    const params initial = params_of(*net);
    sample_set data(initial.n0, initial.n2);
    const auto e = std::make_unique<typename Shape::eigen>(initial);
    plain_owner p(initial);
    for (std::size_t s = 0; s < 10; ++s) {
        if (net->train_step(data.input(s), data.labels[s], eta) != microprop::status::ok) {
            std::fprintf(stderr, "bench_peers: microprop refused step %zu on %s\n", s, shape_name);
            std::abort();
        }
        e->step(data.input(s), data.labels[s], eta);
        p.step(data.input(s), data.labels[s], eta);
    }
    const params reference = params_of(*net);
    if (!same(reference, e->to_params(), "eigen", shape_name) ||
        !same(reference, p.p, "plain_loop", shape_name)) {
        std::fprintf(stderr,
                     "bench_peers: the implementations disagree after 10 identical steps "
                     "(tolerance 1e-5 relative + 1e-6 absolute); refusing to benchmark\n");
        std::abort();
    }
    std::printf("equality check %s: microprop, eigen and plain_loop agree after 10 steps "
                "(FANN: sigmoid/MSE output, not comparable)\n", shape_name);
}

// --- the summary table ----------------------------------------------------------------------

// Console output as usual, and the time of each benchmark kept for the table: the median
// aggregate when there are repetitions, otherwise the mean of the runs.
// Colour only on a terminal (a display reporter passed to RunSpecifiedBenchmarks does not
// see --benchmark_color).
class collecting_reporter : public benchmark::ConsoleReporter {
public:
    collecting_reporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
    void ReportRuns(const std::vector<Run>& reports) override {
        benchmark::ConsoleReporter::ReportRuns(reports);
        for (const Run& r : reports) {
            if (r.error_occurred) continue;
            const double ns = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit) * 1e9;
            const std::string name = r.run_name.function_name;
            if (r.run_type == Run::RT_Aggregate) {
                if (r.aggregate_name == "median") median_[name] = ns;
            } else {
                sum_[name] += ns;
                count_[name] += 1;
            }
        }
    }
    // Nanoseconds per step, or a negative value when the benchmark did not run.
    double time_of(const std::string& name) const {
        const auto m = median_.find(name);
        if (m != median_.end()) return m->second;
        const auto s = sum_.find(name);
        return s == sum_.end() ? -1.0 : s->second / count_.at(name);
    }
    bool any_median() const { return !median_.empty(); }

private:
    std::map<std::string, double> median_, sum_;
    std::map<std::string, int> count_;
};

void print_table(const collecting_reporter& rep) {
    const char* const shapes[] = {"64-32-10", "784-128-10"};
    std::printf("\nOne online train_step, %s time in ns (ratios: peer time / microprop time):\n",
                rep.any_median() ? "median" : "mean");
    std::printf("%-11s %10s %10s %10s %10s %10s | %9s %9s %9s %14s\n", "shape", "microprop",
                "fann", "eigen", "plain_loop", "ceiling", "x FANN", "x Eigen", "x plain",
                "% of ceiling");
    for (const char* s : shapes) {
        double t[5];
        for (int k = 0; k < 5; ++k)
            t[k] = rep.time_of(std::string("train_step/") + peer_names[k] + "/" + s);
        if (t[0] <= 0.0) continue;
        auto cell = [](double v) {
            char buf[32];
            if (v > 0.0)
                std::snprintf(buf, sizeof buf, "%10.1f", v);
            else
                std::snprintf(buf, sizeof buf, "%10s", "-");
            return std::string(buf);
        };
        auto ratio = [&](double v) {
            char buf[32];
            if (v > 0.0)
                std::snprintf(buf, sizeof buf, "%8.2fx", v / t[0]);
            else
                std::snprintf(buf, sizeof buf, "%9s", "-");
            return std::string(buf);
        };
        char pct[32];
        if (t[4] > 0.0)
            std::snprintf(pct, sizeof pct, "%13.1f%%", 100.0 * t[4] / t[0]);
        else
            std::snprintf(pct, sizeof pct, "%14s", "-");
        std::printf("%-11s %s %s %s %s %s | %s %s %s %s\n", s, cell(t[0]).c_str(), cell(t[1]).c_str(),
                    cell(t[2]).c_str(), cell(t[3]).c_str(), cell(t[4]).c_str(), ratio(t[1]).c_str(),
                    ratio(t[2]).c_str(), ratio(t[3]).c_str(), pct);
    }
    std::printf("(x FANN = FANN time / microprop time; %% of ceiling = streaming-ceiling time / "
                "microprop time. FANN's step is sigmoid/MSE, the others softmax/cross-entropy.)\n");
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    check_equal_updates<shape<64, 32, 10>>("64-32-10");
    check_equal_updates<shape<784, 128, 10>>("784-128-10");
    benchmark::AddCustomContext("microprop_kernels", microprop::active_kernels().name);
#ifdef MICROPROP_BENCH_HAVE_FANN
    benchmark::AddCustomContext("fann", "2.2 (floatfann)");
#else
    benchmark::AddCustomContext("fann", "not built");
#endif
    benchmark::AddCustomContext("eigen", std::to_string(EIGEN_WORLD_VERSION) + "." +
                                             std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                             std::to_string(EIGEN_MINOR_VERSION) + " " +
                                             Eigen::SimdInstructionSetsInUse());
    register_shape<shape<64, 32, 10>>("64-32-10");
    register_shape<shape<784, 128, 10>>("784-128-10");
    collecting_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    print_table(reporter);
    return 0;
}
