// One online training step and one prediction, with every kernel table this CPU can run.
//
//   cmake -S . -B build/host -DCMAKE_BUILD_TYPE=Release -DMICROPROP_BUILD_BENCHMARKS=ON
//   cmake --build build/host --target microprop_bench_train
//   build/host/bench/microprop_bench_train                                    # everything
//   build/host/bench/microprop_bench_train --benchmark_filter='^train_step/.*/784-128-10$'
//   cmake --build build/host --target bench                # both binaries, short min time
//
// Names are <operation>/<table>/<shape>: train_step (label form, eta = 0.01),
// train_then_predict (the pipelined step: learn the pending sample, predict the next one;
// time per sample of the stream) and predict on Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>> ("64-32-10") and
// Mlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>> ("784-128-10"). The networks cycle
// through 64 pre-generated samples (inputs ~U(0, 1), random labels). Fine-tuning steps
// (set_trainable): train_step_head (the first layer frozen: only the output layer trains,
// backpropagation stops there) and train_step_biases (every bias, no weight), beside
// train_step on the same networks, to measure what the partial updates save. Counters:
//   ns_per_weight     time per weight of the network (biases not counted)
//   items_per_second  samples per second
// The console appends "s" to inverted rates ("ns_per_weight=0.5s" means 0.5 ns per
// weight); the JSON output (--benchmark_format=json) has the plain values.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "microprop/microprop.hpp"

namespace {

using microprop::Dense;
using microprop::Mlp;
using microprop::Sigmoid;
using microprop::Softmax;
using microprop_bench::aligned_floats;

using Small = Mlp<64, Dense<32, Sigmoid>, Dense<10, Softmax>>;
using Mnist = Mlp<784, Dense<128, Sigmoid>, Dense<10, Softmax>>;

constexpr std::size_t sample_count = 64;  // a power of two: the cycle is a mask
constexpr float eta = 0.01f;

// Pre-generated inputs and labels for a network of `inputs` inputs and `classes` outputs.
struct sample_set {
    std::size_t inputs;
    aligned_floats x;
    std::uint32_t labels[sample_count];

    sample_set(std::size_t n_inputs, std::uint32_t classes)
        : inputs(n_inputs), x(sample_count * n_inputs), labels{} {
        std::mt19937 rng(static_cast<std::uint32_t>(n_inputs));
        microprop_bench::fill_uniform(x.data(), sample_count * n_inputs, 0.0f, 1.0f, rng);
        std::uniform_int_distribution<std::uint32_t> label(0, classes - 1);
        for (std::uint32_t& l : labels) l = label(rng);
    }
    const float* input(std::size_t i) const { return x.data() + i * inputs; }
};

// Weights of the network (rows x cols per layer, padding excluded).
template <class Net>
double weight_count(Net& net) {
    double w = 0.0;
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        const microprop::layer_params p = net.layer(l);
        w += static_cast<double>(p.rows) * static_cast<double>(p.cols);
    }
    return w;
}

// Switches the networks to `table` for the lifetime of the object.
class table_scope {
public:
    explicit table_scope(const char* table)
        : previous_(microprop::active_kernels().name), ok_(microprop::select_kernels(table)) {}
    ~table_scope() { microprop::select_kernels(previous_); }
    table_scope(const table_scope&) = delete;
    table_scope& operator=(const table_scope&) = delete;
    bool ok() const { return ok_; }

private:
    const char* previous_;
    bool ok_;
};

enum class operation { train_step, train_step_head, train_step_biases, train_then_predict, predict };

const char* operation_name(operation op) {
    switch (op) {
        case operation::train_step: return "train_step";
        case operation::train_step_head: return "train_step_head";
        case operation::train_step_biases: return "train_step_biases";
        case operation::train_then_predict: return "train_then_predict";
        case operation::predict: return "predict";
    }
    return "?";
}

template <class Net>
void run(benchmark::State& state, const char* table, operation op) {
    // ~400 KB for the 784-input network: on the heap, never on the stack.
    const auto net = std::make_unique<Net>(1);
    const sample_set data(net->input_size(), net->output_size());
    const table_scope scope(table);
    if (!scope.ok()) {
        state.SkipWithError("select_kernels() does not know this table");
        return;
    }
    const microprop::status scoped = op == operation::train_step_head     ? net->set_trainable(1)
                                     : op == operation::train_step_biases ? net->set_trainable(0, true)
                                                                          : microprop::status::ok;
    if (scoped != microprop::status::ok) {
        state.SkipWithError(microprop::status_message(scoped));
        return;
    }
    std::size_t i = 0;
    if (op == operation::train_step || op == operation::train_step_head || op == operation::train_step_biases) {
        for (auto _ : state) {
            const microprop::status s = net->train_step(data.input(i), data.labels[i], eta);
            if (s != microprop::status::ok) {
                state.SkipWithError(microprop::status_message(s));
                break;
            }
            i = (i + 1) & (sample_count - 1);
        }
    } else if (op == operation::train_then_predict) {
        if (net->predict(data.input(0)) != microprop::status::ok) {
            state.SkipWithError("predict() failed");
            return;
        }
        for (auto _ : state) {
            const std::size_t next = (i + 1) & (sample_count - 1);
            const microprop::status s = net->train_then_predict(data.labels[i], eta, data.input(next));
            if (s != microprop::status::ok) {
                state.SkipWithError(microprop::status_message(s));
                break;
            }
            i = next;
        }
    } else {
        for (auto _ : state) {
            const microprop::status s = net->predict(data.input(i));
            if (s != microprop::status::ok) {
                state.SkipWithError(microprop::status_message(s));
                break;
            }
            benchmark::ClobberMemory();
            i = (i + 1) & (sample_count - 1);
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["ns_per_weight"] = microprop_bench::ns_per(weight_count(*net));
}

template <class Net>
void register_network(const char* shape_name) {
    const operation ops[] = {operation::train_step, operation::train_step_head, operation::train_step_biases,
                             operation::train_then_predict, operation::predict};
    for (const operation op : ops) {
        for (std::size_t t = 0; t < microprop::kernel_table_count(); ++t) {
            const char* table = microprop::kernel_table_at(t).name;
            const std::string name = std::string(operation_name(op)) + "/" + table + "/" + shape_name;
            benchmark::RegisterBenchmark(name.c_str(), [table, op](benchmark::State& st) {
                run<Net>(st, table, op);
            });
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("microprop_default_kernels", microprop::active_kernels().name);
    benchmark::AddCustomContext("microprop_footprint_64-32-10",
                                std::to_string(Small::footprint().total) + " bytes");
    benchmark::AddCustomContext("microprop_footprint_784-128-10",
                                std::to_string(Mnist::footprint().total) + " bytes");
    register_network<Small>("64-32-10");
    register_network<Mnist>("784-128-10");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
