// The kernels of every kernel table this CPU can run, side by side.
//
//   cmake --preset host && cmake --build --preset host -j2 --target microprop_bench_kernels
//   build/host/bench/microprop_bench_kernels                                  # everything
//   build/host/bench/microprop_bench_kernels --benchmark_filter='^gemv_t_ger/.*/128x784$'
//   build/host/bench/microprop_bench_kernels --benchmark_filter='/avx2\+fma/' --benchmark_min_time=0.2
//   build/host/bench/microprop_bench_kernels --benchmark_filter='^sigmoid'   # ours vs xsimd exp
//   cmake --build --preset host --target bench_report   # all benchmarks, JSON, plots, docs/benchmarks.md
//
// Names are <kernel>/<table>/<size>. The table is part of the name and is called
// directly (kernel_table_at), so every runnable table is measured in one run and the
// environment variable MICROPROP_KERNELS, which only picks the table the networks use,
// changes nothing here. Sizes:
//   matrix kernels   <rows>x<cols>: square 16 to 1024, and the layers of the networks
//                    the peer benchmark trains: 128x784, 10x128, 32x64, 10x32. Rows are
//                    padded to stride = padded(cols) floats with zero padding, as the
//                    networks store them.
//   element-wise     n elements: 10, 32, 128, 1024, 4096 (softmax up to 1024).
// The whole binary takes about 30 s at --benchmark_min_time=0.05 on a 2-core Zen 3 (about
// 95 s with --benchmark_repetitions=3), scalar table included at every size.
// Kernels: gemv (forward W x + b), gemv_t (W^T d), ger (W += alpha d x^T), gemv_t_ger
// (fused backward + update), ger_gemv (update, then the next sample's forward product with
// the new weights, in one pass), sigmoid, tanh, softmax, and
//   sigmoid_xsimd_exp  the baseline 1 / (1 + xsimd::exp(-x)) written with xsimd 8.1 for the
//                      same instruction set as the table it is named after (one translation
//                      unit per set: bench_sigmoid_*.cpp), at the sizes of sigmoid.
// Counters:
//   GFLOP/s         2 flops per weight for gemv, gemv_t and ger, 4 for the fused gemv_t_ger
//                   and ger_gemv (matrix kernels only; element-wise kernels report
//                   items_per_second)
//   ns_per_weight   time per logical weight (rows x cols); ns_per_element for element-wise
//   bytes_per_second  weight bytes streamed: read for gemv and gemv_t, read + written for
//                   ger, gemv_t_ger and ger_gemv; element-wise: n floats read + n written
// The console appends "/s" to rates and "s" to inverted rates ("ns_per_weight=0.2s" means
// 0.2 ns per weight); the JSON output (--benchmark_format=json) has the plain values.
//
// Accuracy, before any timing: main() measures the largest error in ulps of every runnable
// sigmoid (ours and the xsimd-exp baseline) against a double-precision reference on every
// 257th finite float (about 16.7 million points, well under a second) and puts it in the
// context block of the output (keys max_ulp/...). The error measure is the test suite's
// (tests/test_math.cpp): |y - f(x)| over the float ulp of the correctly rounded result,
// 2^-149 for a subnormal result.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_sigmoid_xsimd.hpp"
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
    aligned_floats W, x, x_next, b, d, y_rows, y_cols;

    explicit matrix_case(shape s)
        : rows(s.rows), cols(s.cols), stride(padded(s.cols)), W(s.rows * padded(s.cols)),
          x(padded(s.cols)), x_next(padded(s.cols)), b(padded(s.rows)), d(padded(s.rows)),
          y_rows(padded(s.rows)), y_cols(padded(s.cols)) {
        std::mt19937 rng(static_cast<std::uint32_t>(rows * 7919 + cols));
        for (std::size_t r = 0; r < rows; ++r) fill_uniform(W.data() + r * stride, cols, -0.1f, 0.1f, rng);
        fill_uniform(x.data(), cols, 0.0f, 1.0f, rng);    // activations of the layer below
        fill_uniform(x_next.data(), cols, 0.0f, 1.0f, rng);  // ... for the next sample
        fill_uniform(b.data(), rows, -0.1f, 0.1f, rng);
        fill_uniform(d.data(), rows, -0.5f, 0.5f, rng);   // deltas
    }

    double weights() const { return static_cast<double>(rows) * static_cast<double>(cols); }
    double weight_bytes() const { return static_cast<double>(rows * stride * sizeof(float)); }
};

// A kernel and the first part of its benchmarks' names.
template <class Op>
struct named {
    Op op;
    const char* name;
};

enum class matrix_op { gemv, gemv_t, ger, gemv_t_ger, ger_gemv };

// The matrix kernels in the order they are registered.
constexpr named<matrix_op> matrix_ops[] = {
    {matrix_op::gemv, "gemv"},
    {matrix_op::gemv_t, "gemv_t"},
    {matrix_op::ger, "ger"},
    {matrix_op::gemv_t_ger, "gemv_t_ger"},
    {matrix_op::ger_gemv, "ger_gemv"},
};

// The timed loop of one kernel call; the call is inlined, so nothing but the kernel and
// the compiler barrier sits in the loop.
template <class Call>
void time_calls(benchmark::State& state, Call call) {
    for (auto _ : state) {
        call();
        benchmark::ClobberMemory();
    }
}

void run_matrix(benchmark::State& state, const kernel_table* k, matrix_op op, shape s) {
    matrix_case m(s);
    // The updates alternate in sign so that millions of iterations leave W near where it
    // started (|alpha d x| <= 5e-5 per call).
    float alpha = 1e-4f;
    switch (op) {
        case matrix_op::gemv:
            time_calls(state,
                       [&] { k->gemv(m.rows, m.stride, m.W.data(), m.x.data(), m.b.data(), m.y_rows.data()); });
            break;
        case matrix_op::gemv_t:
            time_calls(state, [&] { k->gemv_t(m.rows, m.stride, m.W.data(), m.d.data(), m.y_cols.data()); });
            break;
        case matrix_op::ger:
            time_calls(state, [&] {
                k->ger(m.rows, m.stride, alpha, m.d.data(), m.x.data(), m.W.data());
                alpha = -alpha;
            });
            break;
        case matrix_op::gemv_t_ger:
            time_calls(state, [&] {
                k->gemv_t_ger(m.rows, m.stride, alpha, m.d.data(), m.x.data(), m.W.data(), m.y_cols.data());
                alpha = -alpha;
            });
            break;
        case matrix_op::ger_gemv:
            time_calls(state, [&] {
                k->ger_gemv(m.rows, m.stride, alpha, m.d.data(), m.x.data(), m.W.data(), m.x_next.data(),
                            m.b.data(), m.y_rows.data());
                alpha = -alpha;
            });
            break;
    }
    const bool writes =
        op == matrix_op::ger || op == matrix_op::gemv_t_ger || op == matrix_op::ger_gemv;
    const bool fused = op == matrix_op::gemv_t_ger || op == matrix_op::ger_gemv;
    const double flops_per_weight = fused ? 4.0 : 2.0;
    const double bytes = m.weight_bytes() * (writes ? 2.0 : 1.0);
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes * static_cast<double>(state.iterations())));
    state.counters["GFLOP/s"] = microprop_bench::gflops(flops_per_weight * m.weights());
    state.counters["ns_per_weight"] = microprop_bench::ns_per(m.weights());
}

enum class unary_op { sigmoid, tanh, softmax, sigmoid_xsimd_exp };

// The element-wise kernels in the order they are registered (each sigmoid next to its
// baseline).
constexpr named<unary_op> unary_ops[] = {
    {unary_op::sigmoid, "sigmoid"},
    {unary_op::sigmoid_xsimd_exp, "sigmoid_xsimd_exp"},
    {unary_op::tanh, "tanh"},
    {unary_op::softmax, "softmax"},
};

void (*kernel_of(const kernel_table* k, unary_op op))(std::size_t, const float*, float*) {
    switch (op) {
        case unary_op::sigmoid: return k->sigmoid;
        case unary_op::tanh: return k->tanh;
        case unary_op::softmax: return k->softmax;
        case unary_op::sigmoid_xsimd_exp: break;
    }
    for (const microprop_bench::sigmoid_baseline& b : microprop_bench::sigmoid_baselines)
        if (b.fn != nullptr && std::strcmp(b.table, k->name) == 0) return b.fn;
    return nullptr;
}

void run_unary(benchmark::State& state, microprop_bench::unary_kernel fn, unary_op op,
               std::size_t n) {
    aligned_floats in(n), out(n);
    std::mt19937 rng(static_cast<std::uint32_t>(n));
    // Typical arguments: pre-activations for sigmoid, tanh and softmax. Ours and the
    // baseline sigmoid get the same inputs (same n, same seed).
    switch (op) {
        case unary_op::sigmoid:
        case unary_op::sigmoid_xsimd_exp:
        case unary_op::tanh: fill_uniform(in.data(), n, -4.0f, 4.0f, rng); break;
        case unary_op::softmax: fill_uniform(in.data(), n, -5.0f, 5.0f, rng); break;
    }
    time_calls(state, [&] { fn(n, in.data(), out.data()); });
    const double elements = static_cast<double>(n);
    state.SetItemsProcessed(static_cast<std::int64_t>(n) * state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(2 * n * sizeof(float)) * state.iterations());
    state.counters["ns_per_element"] = microprop_bench::ns_per(elements);
}

// --- accuracy of the sigmoids, once, before timing --------------------------------------

// The float ulp of the correctly rounded value of `ref` (2^-149 for subnormal results,
// the ulp of FLT_MAX beyond it), as in the test suite.
double float_ulp_at(double ref) {
    const double a = std::fabs(static_cast<double>(static_cast<float>(ref)));
    if (!(a >= static_cast<double>(FLT_MIN))) return std::ldexp(1.0, -149);
    if (std::isinf(a)) return std::ldexp(1.0, 104);
    return std::ldexp(1.0, std::ilogb(a) - 23);
}

double reference_sigmoid(double x) {
    if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
    const double e = std::exp(x);
    return e / (1.0 + e);
}

float float_at_ordinal(std::int64_t o) {
    // The ordered float line: ordinal 0 is +0, negative ordinals are the negative floats.
    const std::uint32_t bits = o >= 0 ? static_cast<std::uint32_t>(o)
                                      : (0x80000000u | static_cast<std::uint32_t>(-o));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

struct ulp_record {
    std::string label;  // "sigmoid/avx2+fma"
    microprop_bench::unary_kernel fn;
    double max_normal = 0.0, max_all = 0.0;  // results >= FLT_MIN / every finite input
    float at_normal = 0.0f, at_all = 0.0f;
    float zero_from = -FLT_MAX;  // largest sampled x whose result is exactly 0
    bool finite = true;          // never NaN or infinite
};

// Every `stride`-th finite float (odd stride: every pattern of the low mantissa bits is
// visited) in chunks; the double-precision reference is computed once per point.
std::size_t measure_sigmoid_ulp(std::vector<ulp_record>& recs, std::int64_t stride) {
    constexpr std::size_t chunk = 4096;
    aligned_floats x(chunk), y(chunk);
    std::vector<double> ref(chunk), ulp(chunk);
    const std::int64_t last = 0x7f7fffff;  // FLT_MAX
    std::size_t points = 0;
    for (std::int64_t o = -last; o <= last;) {
        std::size_t n = 0;
        for (; n < chunk && o <= last; ++n, o += stride) {
            x[n] = float_at_ordinal(o);
            ref[n] = reference_sigmoid(static_cast<double>(x[n]));
            ulp[n] = float_ulp_at(ref[n]);
        }
        points += n;
        for (ulp_record& r : recs) {
            r.fn(n, x.data(), y.data());
            for (std::size_t i = 0; i < n; ++i) {
                if (!std::isfinite(y[i])) {
                    r.finite = false;
                    continue;
                }
                const double err = std::fabs(static_cast<double>(y[i]) - ref[i]) / ulp[i];
                if (err > r.max_all) {
                    r.max_all = err;
                    r.at_all = x[i];
                }
                if (ref[i] >= static_cast<double>(FLT_MIN) && err > r.max_normal) {
                    r.max_normal = err;
                    r.at_normal = x[i];
                }
                if (y[i] == 0.0f && x[i] > r.zero_from) r.zero_from = x[i];
            }
        }
    }
    return points;
}

std::string format(const char* fmt, double a, double b = 0.0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, fmt, a, b);
    return buf;
}

// Puts the accuracy of every runnable sigmoid into the benchmark context.
void add_sigmoid_accuracy_context() {
    std::vector<ulp_record> recs;
    for (std::size_t t = 0; t < microprop::kernel_table_count(); ++t) {
        const kernel_table* k = &microprop::kernel_table_at(t);
        recs.push_back({std::string("sigmoid/") + k->name, k->sigmoid});
        if (const auto fn = kernel_of(k, unary_op::sigmoid_xsimd_exp))
            recs.push_back({std::string("sigmoid_xsimd_exp/") + k->name, fn});
    }
    const std::int64_t stride = 257;
    const std::size_t points = measure_sigmoid_ulp(recs, stride);
    benchmark::AddCustomContext(
        "max_ulp_sample",
        "every " + std::to_string(stride) + "th finite float, " + std::to_string(points) +
            " points; max_ulp/<f>/<table> = max over results >= FLT_MIN (at x) | max over "
            "all (at x) | largest x giving exactly 0 | never NaN or inf");
    for (const ulp_record& r : recs) {
        std::string v = format("%.3f (x = %.9g)", r.max_normal, static_cast<double>(r.at_normal)) +
                        format(" | %.4g (x = %.9g)", r.max_all, static_cast<double>(r.at_all)) +
                        format(" | %.9g", static_cast<double>(r.zero_from)) +
                        (r.finite ? " | yes" : " | NO");
        benchmark::AddCustomContext("max_ulp/" + r.label, v);
    }
}

void register_all() {
    const shape shapes[] = {{16, 16},   {32, 32},   {64, 64},  {128, 128}, {256, 256}, {512, 512},
                            {1024, 1024}, {128, 784}, {10, 128}, {32, 64},   {10, 32}};
    const std::size_t tables = microprop::kernel_table_count();

    // Grouped by kernel and size, so the tables of one measurement sit next to each other.
    for (const named<matrix_op>& m : matrix_ops) {
        const matrix_op op = m.op;
        for (const shape s : shapes) {
            for (std::size_t t = 0; t < tables; ++t) {
                const kernel_table* k = &microprop::kernel_table_at(t);
                const std::string name = std::string(m.name) + "/" + k->name + "/" +
                                         std::to_string(s.rows) + "x" + std::to_string(s.cols);
                benchmark::RegisterBenchmark(name.c_str(), [k, op, s](benchmark::State& st) {
                    run_matrix(st, k, op, s);
                });
            }
        }
    }

    const std::size_t sizes[] = {10, 32, 128, 1024, 4096};
    for (const named<unary_op>& u : unary_ops) {
        const unary_op op = u.op;
        for (const std::size_t n : sizes) {
            if (op == unary_op::softmax && n > 1024) continue;  // wider than any layer
            for (std::size_t t = 0; t < tables; ++t) {
                const kernel_table* k = &microprop::kernel_table_at(t);
                const microprop_bench::unary_kernel fn = kernel_of(k, op);
                if (fn == nullptr) continue;  // no baseline for this table (scalar)
                const std::string name =
                    std::string(u.name) + "/" + k->name + "/" + std::to_string(n);
                benchmark::RegisterBenchmark(name.c_str(), [fn, op, n](benchmark::State& st) {
                    run_unary(st, fn, op, n);
                });
            }
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
    microprop_bench::add_compiler_context();
    add_sigmoid_accuracy_context();
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
