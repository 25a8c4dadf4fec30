// The kernels of every kernel table this CPU can run, side by side.
//
//   cmake -S . -B build/host -DCMAKE_BUILD_TYPE=Release -DMICROPROP_BUILD_BENCHMARKS=ON
//   cmake --build build/host --target microprop_bench_kernels
//   build/host/bench/microprop_bench_kernels                                  # everything
//   build/host/bench/microprop_bench_kernels --benchmark_filter='^gemv_t_ger/.*/128x784$'
//   build/host/bench/microprop_bench_kernels --benchmark_filter='/avx2\+fma/' --benchmark_min_time=0.2
//   cmake --build build/host --target bench                # both binaries, short min time
//
// Names are <kernel>/<table>/<size>: matrix kernels at <rows>x<cols> (rows padded to
// stride = padded(cols) floats with zero padding, as the networks store them), activation
// kernels at n elements. Counters:
//   GFLOP/s         2 flops per weight for gemv, gemv_t and ger, 4 for the fused gemv_t_ger
//                   (matrix kernels only; activations report items_per_second)
//   ns_per_weight   time per logical weight (rows x cols); ns_per_element for activations
//   bytes_per_second  weight bytes streamed: read for gemv and gemv_t, read + written for
//                   ger and gemv_t_ger; activations: n floats read + n written
// The console appends "/s" to rates and "s" to inverted rates ("ns_per_weight=0.2s" means
// 0.2 ns per weight); the JSON output (--benchmark_format=json) has the plain values.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "microprop/kernels.hpp"

namespace {

using microprop::kernel_table;
using microprop::padded;
using microprop_bench::aligned_floats;
using microprop_bench::fill_uniform;

struct shape {
    std::size_t rows, cols;
};

// A weight matrix as a network stores it, and the vectors around it.
struct matrix_case {
    std::size_t rows, cols, stride;
    aligned_floats W, x, b, d, y_rows, y_cols;

    explicit matrix_case(shape s)
        : rows(s.rows), cols(s.cols), stride(padded(s.cols)), W(s.rows * padded(s.cols)),
          x(padded(s.cols)), b(padded(s.rows)), d(padded(s.rows)), y_rows(padded(s.rows)),
          y_cols(padded(s.cols)) {
        std::mt19937 rng(static_cast<std::uint32_t>(rows * 7919 + cols));
        for (std::size_t r = 0; r < rows; ++r) fill_uniform(W.data() + r * stride, cols, -0.1f, 0.1f, rng);
        fill_uniform(x.data(), cols, 0.0f, 1.0f, rng);    // activations of the layer below
        fill_uniform(b.data(), rows, -0.1f, 0.1f, rng);
        fill_uniform(d.data(), rows, -0.5f, 0.5f, rng);   // deltas
    }

    double weights() const { return static_cast<double>(rows) * static_cast<double>(cols); }
    double weight_bytes() const { return static_cast<double>(rows * stride * sizeof(float)); }
};

enum class matrix_op { gemv, gemv_t, ger, gemv_t_ger };

const char* op_name(matrix_op op) {
    switch (op) {
        case matrix_op::gemv: return "gemv";
        case matrix_op::gemv_t: return "gemv_t";
        case matrix_op::ger: return "ger";
        case matrix_op::gemv_t_ger: return "gemv_t_ger";
    }
    return "?";
}

void run_matrix(benchmark::State& state, const kernel_table* k, matrix_op op, shape s) {
    matrix_case m(s);
    // The updates alternate in sign so that millions of iterations leave W near where it
    // started (|alpha d x| <= 5e-5 per call).
    float alpha = 1e-4f;
    switch (op) {
        case matrix_op::gemv:
            for (auto _ : state) {
                k->gemv(m.rows, m.stride, m.W.data(), m.x.data(), m.b.data(), m.y_rows.data());
                benchmark::ClobberMemory();
            }
            break;
        case matrix_op::gemv_t:
            for (auto _ : state) {
                k->gemv_t(m.rows, m.stride, m.W.data(), m.d.data(), m.y_cols.data());
                benchmark::ClobberMemory();
            }
            break;
        case matrix_op::ger:
            for (auto _ : state) {
                k->ger(m.rows, m.stride, alpha, m.d.data(), m.x.data(), m.W.data());
                alpha = -alpha;
                benchmark::ClobberMemory();
            }
            break;
        case matrix_op::gemv_t_ger:
            for (auto _ : state) {
                k->gemv_t_ger(m.rows, m.stride, alpha, m.d.data(), m.x.data(), m.W.data(),
                              m.y_cols.data());
                alpha = -alpha;
                benchmark::ClobberMemory();
            }
            break;
    }
    const bool writes = op == matrix_op::ger || op == matrix_op::gemv_t_ger;
    const double flops_per_weight = op == matrix_op::gemv_t_ger ? 4.0 : 2.0;
    const double bytes = m.weight_bytes() * (writes ? 2.0 : 1.0);
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes * static_cast<double>(state.iterations())));
    state.counters["GFLOP/s"] = microprop_bench::gflops(flops_per_weight * m.weights());
    state.counters["ns_per_weight"] = microprop_bench::ns_per(m.weights());
}

enum class unary_op { exp, sigmoid, tanh, softmax };

const char* op_name(unary_op op) {
    switch (op) {
        case unary_op::exp: return "exp";
        case unary_op::sigmoid: return "sigmoid";
        case unary_op::tanh: return "tanh";
        case unary_op::softmax: return "softmax";
    }
    return "?";
}

void run_unary(benchmark::State& state, const kernel_table* k, unary_op op, std::size_t n) {
    aligned_floats in(n), out(n);
    std::mt19937 rng(static_cast<std::uint32_t>(n));
    // Typical arguments: pre-activations for sigmoid, tanh and softmax; for exp, the
    // shifted logits z - max z <= 0 that softmax feeds it, plus a few positive values.
    switch (op) {
        case unary_op::exp: fill_uniform(in.data(), n, -10.0f, 2.0f, rng); break;
        case unary_op::sigmoid:
        case unary_op::tanh: fill_uniform(in.data(), n, -4.0f, 4.0f, rng); break;
        case unary_op::softmax: fill_uniform(in.data(), n, -5.0f, 5.0f, rng); break;
    }
    void (*fn)(std::size_t, const float*, float*) = nullptr;
    switch (op) {
        case unary_op::exp: fn = k->exp; break;
        case unary_op::sigmoid: fn = k->sigmoid; break;
        case unary_op::tanh: fn = k->tanh; break;
        case unary_op::softmax: fn = k->softmax; break;
    }
    for (auto _ : state) {
        fn(n, in.data(), out.data());
        benchmark::ClobberMemory();
    }
    const double elements = static_cast<double>(n);
    state.SetItemsProcessed(static_cast<std::int64_t>(n) * state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(2 * n * sizeof(float)) * state.iterations());
    state.counters["ns_per_element"] = microprop_bench::ns_per(elements);
}

void register_all() {
    const shape shapes[] = {{16, 16}, {64, 64}, {256, 256}, {1024, 1024}, {128, 784}, {10, 128}};
    const matrix_op matrix_ops[] = {matrix_op::gemv, matrix_op::gemv_t, matrix_op::ger,
                                    matrix_op::gemv_t_ger};
    const std::size_t tables = microprop::kernel_table_count();

    // Grouped by kernel and size, so the tables of one measurement sit next to each other.
    for (const matrix_op op : matrix_ops) {
        for (const shape s : shapes) {
            for (std::size_t t = 0; t < tables; ++t) {
                const kernel_table* k = &microprop::kernel_table_at(t);
                const std::string name = std::string(op_name(op)) + "/" + k->name + "/" +
                                         std::to_string(s.rows) + "x" + std::to_string(s.cols);
                benchmark::RegisterBenchmark(name.c_str(), [k, op, s](benchmark::State& st) {
                    run_matrix(st, k, op, s);
                });
            }
        }
    }

    struct unary_case {
        unary_op op;
        std::size_t n;
    };
    const unary_case unary_cases[] = {{unary_op::sigmoid, 1024}, {unary_op::exp, 1024},
                                      {unary_op::tanh, 1024},    {unary_op::softmax, 1024},
                                      {unary_op::softmax, 10}};
    for (const unary_case c : unary_cases) {
        for (std::size_t t = 0; t < tables; ++t) {
            const kernel_table* k = &microprop::kernel_table_at(t);
            const std::string name =
                std::string(op_name(c.op)) + "/" + k->name + "/" + std::to_string(c.n);
            benchmark::RegisterBenchmark(name.c_str(), [k, c](benchmark::State& st) {
                run_unary(st, k, c.op, c.n);
            });
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    std::string tables;
    for (std::size_t t = 0; t < microprop::kernel_table_count(); ++t)
        tables += std::string(t == 0 ? "" : ", ") + microprop::kernel_table_at(t).name;
    benchmark::AddCustomContext("microprop_kernel_tables", tables);
    benchmark::AddCustomContext("microprop_row_floats", std::to_string(microprop::row_floats));
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
