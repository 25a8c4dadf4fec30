// Every kernel of every runnable kernel table against the double-precision reference of
// tests/reference_kernels.hpp, with the library's layout: rows of stride = padded(cols)
// floats on vector_alignment, zero padding columns, vectors of stride floats with zero
// padding.
//
// Matrix kernels: every rows x cols with rows, cols in 1..67 (every column tail of every
// vector width up to 64, and row counts around every unrolling factor), plus the layer
// shapes 128x784, 10x128, 256x256 and 1024x1024.
// Element-wise kernels: every n in 0..67 plus 128, 255, 256, 257, 1000, 4099.
//
// Tolerance of a computed sum: the classical a-priori bound
//     |fl(sum) - sum| <= gamma(k) * sum |terms|,   gamma(k) = k u / (1 - k u), u = 2^-24,
// with k the number of roundings on the longest path of one term: k = cols + 1 for gemv
// (cols products and additions, plus the bias), k = rows for gemv_t, k = 3 for ger and
// k = 2 for axpy. It holds for every summation order, blocked or pairwise, with or without
// FMA, so it applies to every port as is; a missing, duplicated or misplaced term is off by
// a whole term, far beyond it for every size tested (k^2 u << 1).
//
// Writes: a kernel writes exactly its outputs. Every output buffer is followed by guard
// floats (tests/support.hpp) that must be untouched: after y[rows - 1] for gemv, after
// y[stride - 1] for gemv_t, after the last row of W for ger, after n elements for the
// element-wise kernels. Outputs are pre-filled with NaN, so an element the kernel forgets
// to write shows up too.
#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "microprop/config.hpp"
#include "microprop/kernels.hpp"
#include "reference_kernels.hpp"
#include "support.hpp"

namespace {

using namespace microprop;
using test::aligned_buffer;
using test::bits_of;
using test::gamma_n;
using test::unit_roundoff;

const float nan_f = std::numeric_limits<float>::quiet_NaN();
const float inf_f = std::numeric_limits<float>::infinity();

std::string fmt(const char* format, double a, double b = 0.0, double c = 0.0, double d = 0.0,
                double e = 0.0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, format, a, b, c, d, e);
    return buf;
}

// "rows 3, cols 5, row 2: " and the like, for the failure messages.
std::string at(std::size_t rows, std::size_t cols, const char* what, std::size_t i) {
    return fmt("rows %g, cols %g, ", static_cast<double>(rows), static_cast<double>(cols)) +
           what + fmt(" %g: ", static_cast<double>(i));
}
std::string at(std::size_t rows, std::size_t cols, std::size_t r, std::size_t c) {
    return fmt("rows %g, cols %g, W[%g][%g]: ", static_cast<double>(rows),
               static_cast<double>(cols), static_cast<double>(r), static_cast<double>(c));
}

std::string at_n(std::size_t n, std::size_t i) {
    return fmt("n %g, index %g: ", static_cast<double>(n), static_cast<double>(i));
}

// Largest |got - want| / tol over many outputs, and where it happened. A NaN or infinite
// result counts as an infinite error.
struct error_tally {
    double worst = 0.0;
    std::string where = "no error";
    template <class Where>
    void add(float got, double want, double tol, Where&& where_fn) {
        const double err = std::fabs(static_cast<double>(got) - want);
        const double ratio = !std::isfinite(got) ? std::numeric_limits<double>::infinity()
                             : tol > 0.0          ? err / tol
                             : err == 0.0         ? 0.0
                                                  : std::numeric_limits<double>::infinity();
        if (ratio > worst) {
            worst = ratio;
            char buf[160];
            std::snprintf(buf, sizeof buf, "got %.9g, exact %.12g, |error| %.3g, tolerance %.3g",
                          static_cast<double>(got), want, err, tol);
            where = where_fn() + buf;
        }
    }
};

// Count of violated exact properties, and the first one.
struct fault_tally {
    std::size_t count = 0;
    std::string first = "none";
    template <class Where>
    void add(bool ok, Where&& where_fn) {
        if (!ok && count++ == 0) first = where_fn();
    }
};

std::vector<const kernel_table*> tables() {
    std::vector<const kernel_table*> list;
    for (std::size_t i = 0; i < kernel_table_count(); ++i) list.push_back(&kernel_table_at(i));
    return list;
}

// rows x cols matrix, stride = padded(cols), entries uniform in [-1, 1), padding zero.
aligned_buffer random_matrix(std::size_t rows, std::size_t cols, test::rng& g) {
    const std::size_t stride = padded(cols);
    aligned_buffer W(rows * stride);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) W[r * stride + c] = g.uniform(-1.0f, 1.0f);
    return W;
}

// `len` values uniform in [lo, hi) in a buffer of `capacity` floats, zero beyond len.
aligned_buffer random_vector(std::size_t len, std::size_t capacity, test::rng& g,
                             float lo = -1.0f, float hi = 1.0f) {
    aligned_buffer v(capacity);
    for (std::size_t i = 0; i < len; ++i) v[i] = g.uniform(lo, hi);
    return v;
}

aligned_buffer filled(std::size_t n, float value) {
    aligned_buffer v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = value;
    return v;
}

// Every rows x cols in 1..67 x 1..67, then the large layer shapes.
template <class F>
void for_each_shape(F&& f) {
    for (std::size_t rows = 1; rows <= 67; ++rows)
        for (std::size_t cols = 1; cols <= 67; ++cols) f(rows, cols);
    // 1024 x 1024 needs about 28 MB with its copies and references: more than the boards' RAM.
#if MICROPROP_TEST_ON_BOARD
    const std::pair<std::size_t, std::size_t> large[] = {{128, 784}, {10, 128}, {256, 256}};
#else
    const std::pair<std::size_t, std::size_t> large[] = {
        {128, 784}, {10, 128}, {256, 256}, {1024, 1024}};
#endif
    for (const auto& [rows, cols] : large) f(rows, cols);
}

const std::size_t element_lengths[] = {128, 255, 256, 257, 1000, 4099};

// Every n in 0..67, then the large lengths.
template <class F>
void for_each_length(std::size_t first, F&& f) {
    for (std::size_t n = first; n <= 67; ++n) f(n);
    for (std::size_t n : element_lengths) f(n);
}

// alpha for the updates: a learning-rate step, plain accumulation, an inexact value.
float alpha_for(std::size_t cols) {
    const float alphas[] = {-0.01f, 1.0f, -0.3f};
    return alphas[cols % 3];
}

// The three products checked against the reference, each with its bound, over many
// shapes (worst error and where), shared by the tests of the kernels and of their fused
// pairs. report() states the findings as doctest checks.

// y = W x + b: |y[r] - exact| <= gamma(cols + 1) (|b[r]| + sum_c |W[r][c] x[c]|).
struct product_check {
    error_tally err;
    void add(std::size_t rows, std::size_t cols, const aligned_buffer& W, const aligned_buffer& x,
             const aligned_buffer& b, const aligned_buffer& y, const char* what = "y") {
        const auto want = reference::gemv(rows, cols, padded(cols), W.data(), x.data(), b.data());
        for (std::size_t r = 0; r < rows; ++r)
            err.add(y[r], want[r].value, gamma_n(cols + 1) * want[r].magnitude,
                    [&] { return at(rows, cols, "row", r) + what + ": "; });
    }
    void report() const { CHECK_MESSAGE(err.worst <= 1.0, err.where); }
};

// y = W^T d over the whole stride: |y[c] - exact| <= gamma(rows) sum_r |W[r][c] d[r]|,
// and y[c] == 0 exactly for the padding columns cols <= c < stride.
struct transposed_check {
    error_tally err;
    fault_tally padding;
    void add(std::size_t rows, std::size_t cols, const aligned_buffer& W, const aligned_buffer& d,
             const aligned_buffer& y, const char* what = "y") {
        const std::size_t stride = padded(cols);
        const auto want = reference::gemv_t(rows, cols, stride, W.data(), d.data());
        for (std::size_t c = 0; c < cols; ++c)
            err.add(y[c], want[c].value, gamma_n(rows) * want[c].magnitude,
                    [&] { return at(rows, cols, "column", c) + what + ": "; });
        for (std::size_t c = cols; c < stride; ++c)
            padding.add(y[c] == 0.0f, [&] { return at(rows, cols, "column", c) + what + " padding not zero"; });
    }
    void report() const {
        CHECK_MESSAGE(err.worst <= 1.0, err.where);
        CHECK_MESSAGE(padding.count == 0, padding.first);
    }
};

// W' = W0 + alpha d x^T: |W'[r][c] - exact| <= gamma(3) (|W0[r][c]| + |alpha d[r] x[c]|),
// and the padding columns stay exactly zero.
struct update_check {
    error_tally err;
    fault_tally padding;
    void add(std::size_t rows, std::size_t cols, float alpha, const aligned_buffer& d,
             const aligned_buffer& x, const aligned_buffer& W0, const aligned_buffer& W,
             const char* what = "W") {
        const std::size_t stride = padded(cols);
        const auto want = reference::ger(rows, cols, stride, alpha, d.data(), x.data(), W0.data());
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t c = 0; c < cols; ++c) {
                const std::size_t i = r * stride + c;
                err.add(W[i], want[i].value, gamma_n(3) * want[i].magnitude,
                        [&] { return at(rows, cols, r, c) + what + ": "; });
            }
            for (std::size_t c = cols; c < stride; ++c)
                padding.add(W[r * stride + c] == 0.0f,
                            [&] { return at(rows, cols, r, c) + what + " padding not zero"; });
        }
    }
    void report() const {
        CHECK_MESSAGE(err.worst <= 1.0, err.where);
        CHECK_MESSAGE(padding.count == 0, padding.first);
    }
};

}  // namespace

// ============================================================================== tables

TEST_CASE("kernel tables: at least one, names are unique, all set") {
    const std::size_t count = kernel_table_count();
    REQUIRE(count >= 1);
    // The reference is always compiled; ports list it where they want it (the host ports
    // last, the Cortex-M ports not at all, so firmware does not carry it).
    CHECK(std::string(scalar_kernels().name) == "scalar");
    CHECK(is_complete(scalar_kernels()));
    std::string names;
    for (std::size_t i = 0; i < count; ++i) {
        const kernel_table& t = kernel_table_at(i);
        names += std::string(" ") + t.name;
        INFO("table " << std::string(t.name));
        for (std::size_t j = 0; j < i; ++j)
            CHECK(std::string(kernel_table_at(j).name) != std::string(t.name));
        CHECK(is_complete(t));  // a name and every kernel of the contract
    }
    MESSAGE("runnable kernel tables, best first:" << names << " (row_floats = " << row_floats
                                                    << ", vector_alignment = "
                                                    << vector_alignment << ")");
}

TEST_CASE("kernel tables: select_kernels switches by name and refuses unknown names") {
    const kernel_table& before = active_kernels();
    for (std::size_t i = 0; i < kernel_table_count(); ++i) {
        const kernel_table& t = kernel_table_at(i);
        INFO("table " << std::string(t.name));
        CHECK(select_kernels(t.name));
        CHECK(&active_kernels() == &t);
    }
    const kernel_table& last = active_kernels();
    CHECK_FALSE(select_kernels("no-such-table"));
    CHECK_FALSE(select_kernels(nullptr));
    CHECK(&active_kernels() == &last);
    CHECK(select_kernels(before.name));
    CHECK(&active_kernels() == &before);
}

// The random operands of a rank-1 update W0 + alpha d x^T of a rows x cols layer, drawn
// in this order (W0, d, x) from g.
struct update_operands {
    std::size_t stride;
    float alpha;
    aligned_buffer W0, d, x;
    update_operands(std::size_t rows, std::size_t cols, test::rng& g)
        : stride(padded(cols)), alpha(alpha_for(cols)), W0(random_matrix(rows, cols, g)),
          d(random_vector(rows, rows, g)), x(random_vector(cols, stride, g)) {}
};

// A fused kernel's results against those of the separate calls it replaces: every bit of
// y and W, and the guards after both.
struct fused_check {
    fault_tally bitwise, guards;
    void add(std::size_t rows, std::size_t cols, const aligned_buffer& y, const aligned_buffer& y_sep,
             const aligned_buffer& W, const aligned_buffer& W_sep, bool exact) {
        if (exact) {
            bitwise.add(y.bitwise_equal(y_sep), [&] { return at(rows, cols, "row", 0) + "y differs in bits"; });
            bitwise.add(W.bitwise_equal(W_sep), [&] { return at(rows, cols, "row", 0) + "W differs in bits"; });
        }
        guards.add(y.guards_intact() && W.guards_intact(),
                   [&] { return at(rows, cols, "row", 0) + "wrote past y or past W"; });
    }
    void report() const {
        CHECK_MESSAGE(bitwise.count == 0, bitwise.first);
        CHECK_MESSAGE(guards.count == 0, guards.first);
    }
};

// ============================================================================== gemv

TEST_CASE("gemv: y = W x + b for every rows, cols in 1..67 and large layers") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        product_check product;
        fault_tally guards;
        test::rng g(101);
        for_each_shape([&](std::size_t rows, std::size_t cols) {
            const std::size_t stride = padded(cols);
            const aligned_buffer W = random_matrix(rows, cols, g);
            const aligned_buffer x = random_vector(cols, stride, g);
            const aligned_buffer b = random_vector(rows, rows, g);
            aligned_buffer y = filled(rows, nan_f);
            t->gemv(rows, stride, W.data(), x.data(), b.data(), y.data());
            product.add(rows, cols, W, x, b, y);
            guards.add(y.guards_intact(), [&] { return at(rows, cols, "row", rows) + "wrote past y[rows-1]"; });
        });
        product.report();
        CHECK_MESSAGE(guards.count == 0, guards.first);
    }
}

TEST_CASE("gemv: known values (identity, bias only, one column)") {
    // 3 x 3 identity: y = x + b exactly; zero x: y = b exactly.
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        const std::size_t stride = padded(3);
        aligned_buffer W(3 * stride), x(stride), b(3), y(3);
        for (std::size_t i = 0; i < 3; ++i) W[i * stride + i] = 1.0f;
        x[0] = 1.5f, x[1] = -2.0f, x[2] = 0.25f;
        b[0] = 0.5f, b[1] = 0.5f, b[2] = -1.0f;
        t->gemv(3, stride, W.data(), x.data(), b.data(), y.data());
        CHECK(y[0] == 2.0f);
        CHECK(y[1] == -1.5f);
        CHECK(y[2] == -0.75f);
        x[0] = x[1] = x[2] = 0.0f;
        t->gemv(3, stride, W.data(), x.data(), b.data(), y.data());
        CHECK(y[0] == 0.5f);
        CHECK(y[1] == 0.5f);
        CHECK(y[2] == -1.0f);
    }
}

// ============================================================================== gemv_t

TEST_CASE("gemv_t: y = W^T d over the whole stride, padding columns exactly zero") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        transposed_check transposed;
        fault_tally guards;
        test::rng g(202);
        for_each_shape([&](std::size_t rows, std::size_t cols) {
            const std::size_t stride = padded(cols);
            const aligned_buffer W = random_matrix(rows, cols, g);
            const aligned_buffer d = random_vector(rows, rows, g);
            aligned_buffer y = filled(stride, nan_f);
            t->gemv_t(rows, stride, W.data(), d.data(), y.data());
            transposed.add(rows, cols, W, d, y);
            guards.add(y.guards_intact(), [&] { return at(rows, cols, "column", stride) + "wrote past y[stride-1]"; });
        });
        transposed.report();
        CHECK_MESSAGE(guards.count == 0, guards.first);
    }
}

// ============================================================================== ger

TEST_CASE("ger: W += alpha d x^T, padding columns stay zero, nothing written past W") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        update_check update;
        fault_tally guards;
        test::rng g(303);
        for_each_shape([&](std::size_t rows, std::size_t cols) {
            const update_operands u(rows, cols, g);
            aligned_buffer W = u.W0;
            t->ger(rows, u.stride, u.alpha, u.d.data(), u.x.data(), W.data());
            update.add(rows, cols, u.alpha, u.d, u.x, u.W0, W);
            guards.add(W.guards_intact(), [&] { return at(rows, cols, "element", rows * u.stride) + "wrote past W"; });
        });
        update.report();
        CHECK_MESSAGE(guards.count == 0, guards.first);
    }
}

TEST_CASE("ger: alpha = 0 leaves W bit-for-bit unchanged") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        test::rng g(304);
        const update_operands u(33, 45, g);
        aligned_buffer W = u.W0;
        t->ger(33, u.stride, 0.0f, u.d.data(), u.x.data(), W.data());
        CHECK(W.bitwise_equal(u.W0));
    }
}

// ============================================================================== fused

TEST_CASE("gemv_t_ger: equals gemv_t then ger (bit-for-bit in the scalar table)") {
    // The fused kernel reads the old weights for y = W^T d and writes W + alpha d x^T.
    // Scalar table: y and W identical in every bit to gemv_t followed by ger.
    // Other tables: the fused and the separate results are each within the bounds of
    // gemv_t and ger of the exact result, so they differ by at most twice those bounds.
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        const bool exact = std::string(t->name) == "scalar";
        transposed_check transposed;
        update_check update;
        fused_check fused;
        test::rng g(404);
        for_each_shape([&](std::size_t rows, std::size_t cols) {
            const update_operands u(rows, cols, g);
            aligned_buffer W_sep = u.W0, y_sep = filled(u.stride, nan_f);
            t->gemv_t(rows, u.stride, W_sep.data(), u.d.data(), y_sep.data());
            t->ger(rows, u.stride, u.alpha, u.d.data(), u.x.data(), W_sep.data());

            aligned_buffer W = u.W0, y = filled(u.stride, nan_f);
            t->gemv_t_ger(rows, u.stride, u.alpha, u.d.data(), u.x.data(), W.data(), y.data());

            transposed.add(rows, cols, u.W0, u.d, y);
            transposed.add(rows, cols, u.W0, u.d, y_sep, "y of gemv_t");
            update.add(rows, cols, u.alpha, u.d, u.x, u.W0, W);
            update.add(rows, cols, u.alpha, u.d, u.x, u.W0, W_sep, "W of ger");
            fused.add(rows, cols, y, y_sep, W, W_sep, exact);
        });
        transposed.report();
        update.report();
        fused.report();
    }
}

TEST_CASE("ger_gemv: equals ger then gemv, bit for bit, in every table") {
    // The pipelined kernel updates W += alpha d x^T and computes y = W' x_next + b from
    // the updated weights in the same pass. Every port follows its own ger's expression
    // and its own gemv's accumulation order, so the results are bit-identical to the two
    // separate calls; against the exact result W' is within ger's bound and y within
    // gemv's (computed from the stored W').
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        product_check product;
        update_check update;
        fused_check fused;
        test::rng g(454);
        for_each_shape([&](std::size_t rows, std::size_t cols) {
            const update_operands u(rows, cols, g);
            const aligned_buffer x_next = random_vector(cols, u.stride, g);
            const aligned_buffer b = random_vector(rows, rows, g);

            aligned_buffer W_sep = u.W0, y_sep = filled(rows, nan_f);
            t->ger(rows, u.stride, u.alpha, u.d.data(), u.x.data(), W_sep.data());
            t->gemv(rows, u.stride, W_sep.data(), x_next.data(), b.data(), y_sep.data());

            aligned_buffer W = u.W0, y = filled(rows, nan_f);
            t->ger_gemv(rows, u.stride, u.alpha, u.d.data(), u.x.data(), W.data(), x_next.data(), b.data(),
                        y.data());

            update.add(rows, cols, u.alpha, u.d, u.x, u.W0, W);
            product.add(rows, cols, W, x_next, b, y);
            fused.add(rows, cols, y, y_sep, W, W_sep, true);
        });
        product.report();
        update.report();
        fused.report();
    }
}

// ============================================================================== axpy

TEST_CASE("axpy: y += alpha x for every n, nothing written past n") {
    // |y'[i] - exact| <= gamma(2) (|y[i]| + |alpha x[i]|).
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        error_tally err;
        fault_tally guards, unchanged;
        test::rng g(505);
        for_each_length(0, [&](std::size_t n) {
            const float alpha = alpha_for(n);
            const aligned_buffer x = random_vector(n, n, g);
            const aligned_buffer y0 = random_vector(n, n, g);
            aligned_buffer y = y0;
            t->axpy(n, alpha, x.data(), y.data());
            const auto want = reference::axpy(n, alpha, x.data(), y0.data());
            for (std::size_t i = 0; i < n; ++i)
                err.add(y[i], want[i].value, gamma_n(2) * want[i].magnitude,
                        [&] { return at_n(n, i); });
            guards.add(y.guards_intact(), [&] { return at_n(n, n) + "wrote past n"; });
            aligned_buffer y1 = y0;
            t->axpy(n, 0.0f, x.data(), y1.data());
            unchanged.add(y1.bitwise_equal(y0), [&] { return at_n(n, 0) + "alpha = 0 changed y"; });
        });
        CHECK_MESSAGE(err.worst <= 1.0, err.where);
        CHECK_MESSAGE(guards.count == 0, guards.first);
        CHECK_MESSAGE(unchanged.count == 0, unchanged.first);
    }
}

// ============================================================================== max_abs

TEST_CASE("max_abs: largest |x[i]| exactly, NaN if any element is NaN, reads only n floats") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        fault_tally wrong, nan_missed, read_past;
        test::rng g(606);
        for_each_length(1, [&](std::size_t n) {
            // The input guards hold NaN: a kernel reading past n would return NaN.
            aligned_buffer x = random_vector(n, n, g, -100.0f, 100.0f);
            const double want = reference::max_abs(n, x.data());
            const float got = t->max_abs(n, x.data());
            wrong.add(static_cast<double>(got) == want,
                      [&] { return at_n(n, 0) + fmt("got %.9g, want %.9g", got, want); });
            // The maximum at each end and in the middle, with both signs.
            for (std::size_t p : {std::size_t{0}, n / 2, n - 1}) {
                aligned_buffer y = x;
                y[p] = (p % 2 == 0 ? -1.0f : 1.0f) * 1000.0f;
                const float m = t->max_abs(n, y.data());
                wrong.add(m == 1000.0f, [&] { return at_n(n, p) + fmt("got %.9g, want 1000", m); });
            }
            // Guards of +-1e30 instead of NaN: still the maximum of the first n only.
            x.fill_guards(-1e30f);
            const float m = t->max_abs(n, x.data());
            read_past.add(static_cast<double>(m) == want,
                          [&] { return at_n(n, n) + fmt("got %.9g, want %.9g", m, want); });
            // A NaN at every position (all positions for n <= 67, a few beyond).
            for (std::size_t p = 0; p < n; p += n <= 67 ? 1 : 97) {
                aligned_buffer y = x;
                y[p] = (p % 2 == 0) ? nan_f : -nan_f;
                const float r = t->max_abs(n, y.data());
                nan_missed.add(std::isnan(r), [&] { return at_n(n, p) + fmt("got %.9g for a NaN", r); });
            }
        });
        CHECK_MESSAGE(wrong.count == 0, wrong.first);
        CHECK_MESSAGE(read_past.count == 0, read_past.first);
        CHECK_MESSAGE(nan_missed.count == 0, nan_missed.first);

        // Infinities and zeros.
        aligned_buffer v(5);
        v[0] = 1.0f, v[1] = -inf_f, v[2] = 3.0f, v[3] = -0.0f, v[4] = 2.0f;
        CHECK(t->max_abs(5, v.data()) == inf_f);
        aligned_buffer z(7);
        z[3] = -0.0f;
        CHECK(t->max_abs(7, z.data()) == 0.0f);
        aligned_buffer s(3);
        s[0] = -FLT_MAX, s[1] = 1.0f, s[2] = FLT_TRUE_MIN;
        CHECK(t->max_abs(3, s.data()) == FLT_MAX);
        CHECK(t->max_abs(1, s.data() + 2) == FLT_TRUE_MIN);
    }
}

// ============================================================================== activations

namespace {

using unary_kernel = void (*)(std::size_t, const float*, float*);

// One activation kernel checked against its double reference within `max_ulp` (an ulp
// bound of test_math.cpp), for every length, out of place and in place (identical bits),
// with the input drawn from the ranges where the function varies.
void check_activation(unary_kernel kernel, double (*ref)(double),
                      double max_ulp, float wide, float narrow, std::uint64_t seed) {
    fault_tally in_place, guards, ulp;
    double worst = 0.0;
    std::string worst_where = "no error";
    test::rng g(seed);
    for_each_length(0, [&](std::size_t n) {
        aligned_buffer x(n);
        for (std::size_t i = 0; i < n; ++i)
            x[i] = i % 2 == 0 ? g.uniform(-wide, wide) : g.uniform(-narrow, narrow);
        aligned_buffer y = filled(n, nan_f);
        kernel(n, x.data(), y.data());
        for (std::size_t i = 0; i < n; ++i) {
            const double e = test::ulp_error(y[i], ref(x[i]));
            if (e > worst) {
                worst = e;
                worst_where = at_n(n, i) + fmt("x = %.9g, got %.9g, exact %.12g", x[i], y[i], ref(x[i]));
            }
        }
        guards.add(y.guards_intact(), [&] { return at_n(n, n) + "wrote past n"; });
        aligned_buffer z = x;
        kernel(n, z.data(), z.data());
        in_place.add(z.bitwise_equal(y), [&] { return at_n(n, 0) + "in place differs"; });
        guards.add(z.guards_intact(), [&] { return at_n(n, n) + "in place: wrote past n"; });
    });
    INFO(worst_where);
    CHECK(worst <= max_ulp);
    CHECK_MESSAGE(guards.count == 0, guards.first);
    CHECK_MESSAGE(in_place.count == 0, in_place.first);
}

// NaN at each position of every n in 1..67: NaN comes out there, the other elements get
// exactly the results they get without it.
void check_nan_each_position(unary_kernel kernel, float range, std::uint64_t seed) {
    fault_tally missed, disturbed;
    test::rng g(seed);
    for (std::size_t n = 1; n <= 67; ++n) {
        const aligned_buffer x = random_vector(n, n, g, -range, range);
        aligned_buffer clean(n);
        kernel(n, x.data(), clean.data());
        for (std::size_t p = 0; p < n; ++p) {
            aligned_buffer xn = x, y(n);
            xn[p] = p % 2 == 0 ? nan_f : -nan_f;
            kernel(n, xn.data(), y.data());
            missed.add(std::isnan(y[p]), [&] { return at_n(n, p) + fmt("NaN gave %.9g", y[p]); });
            for (std::size_t i = 0; i < n; ++i)
                if (i != p)
                    disturbed.add(bits_of(y[i]) == bits_of(clean[i]),
                                  [&] { return at_n(n, i) + fmt("NaN at %g changed this", static_cast<double>(p)); });
        }
    }
    CHECK_MESSAGE(missed.count == 0, missed.first);
    CHECK_MESSAGE(disturbed.count == 0, disturbed.first);
}

double ref_sigmoid(double x) { return reference::sigmoid(x); }
double ref_tanh(double x) { return reference::tanh(x); }

}  // namespace

// The SUBCASEs hold the loops over the tables (a SUBCASE inside a loop is entered once).
TEST_CASE("sigmoid, tanh kernels: every length and tail, in place, within the ulp bounds") {
    // Bounds of test_math.cpp: sigmoid 3 ulp, tanh 2 ulp.
    SUBCASE("sigmoid") {
        for (const kernel_table* t : tables()) {
            INFO("table " << std::string(t->name));
            check_activation(t->sigmoid, ref_sigmoid, test::sigmoid_max_ulp, 40.0f, 2.0f, 12);
        }
    }
    SUBCASE("tanh") {
        for (const kernel_table* t : tables()) {
            INFO("table " << std::string(t->name));
            check_activation(t->tanh, ref_tanh, test::tanh_max_ulp, 12.0f, 0.7f, 13);
        }
    }
}

TEST_CASE("sigmoid, tanh, relu kernels: a NaN at any position propagates, alone") {
    const std::pair<const char*, unary_kernel kernel_table::*> kernels[] = {
        {"sigmoid", &kernel_table::sigmoid},
        {"tanh", &kernel_table::tanh},
        {"relu", &kernel_table::relu}};
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        std::uint64_t seed = 21;
        for (const auto& [name, kernel] : kernels) {
            INFO("kernel " << std::string(name));
            check_nan_each_position(t->*kernel, 10.0f, seed++);
        }
    }
}

TEST_CASE("relu: max(z, 0) exactly, every length, in place") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        fault_tally wrong, guards, in_place;
        test::rng g(707);
        for_each_length(0, [&](std::size_t n) {
            aligned_buffer z = random_vector(n, n, g, -3.0f, 3.0f);
            if (n > 2) z[1] = 0.0f, z[2] = -0.0f;
            if (n > 4) z[3] = FLT_TRUE_MIN, z[4] = -FLT_MAX;
            aligned_buffer a = filled(n, nan_f);
            t->relu(n, z.data(), a.data());
            for (std::size_t i = 0; i < n; ++i) {
                const float want = z[i] > 0.0f ? z[i] : 0.0f;
                wrong.add(a[i] == want, [&] { return at_n(n, i) + fmt("relu(%.9g) = %.9g", z[i], a[i]); });
            }
            guards.add(a.guards_intact(), [&] { return at_n(n, n) + "wrote past n"; });
            aligned_buffer b = z;
            t->relu(n, b.data(), b.data());
            in_place.add(b.bitwise_equal(a), [&] { return at_n(n, 0) + "in place differs"; });
        });
        CHECK_MESSAGE(wrong.count == 0, wrong.first);
        CHECK_MESSAGE(guards.count == 0, guards.first);
        CHECK_MESSAGE(in_place.count == 0, in_place.first);
        aligned_buffer s(2), r(2);
        s[0] = inf_f, s[1] = -inf_f;
        t->relu(2, s.data(), r.data());
        CHECK(r[0] == inf_f);
        CHECK(r[1] == 0.0f);
    }
}

// ============================================================================== softmax

namespace {

// Tolerance of softmax element i, relative to the exact value. With D = max_j |z_j - max z|:
// z_i - max z is rounded (relative u, so the exponent is off by at most D u), exp adds
// 2 ulp (4 u relative), the float sum of n terms gamma(n - 1), the division u; the sum
// carries the largest term error once more. Together: (2 D + n + 10) u. An absolute 2^-140
// covers results that are subnormal or flushed to 0.
struct softmax_check {
    error_tally err;
    fault_tally sum, finite, guards;
    void run(const kernel_table& t, const aligned_buffer& z, std::size_t n, const char* what) {
        aligned_buffer a = filled(n, nan_f);
        t.softmax(n, z.data(), a.data());
        const auto want = reference::softmax(n, z.data());
        double zmax = -std::numeric_limits<double>::infinity(), spread = 0.0;
        for (std::size_t i = 0; i < n; ++i) zmax = std::fmax(zmax, z[i]);
        for (std::size_t i = 0; i < n; ++i)
            if (std::isfinite(z[i])) spread = std::fmax(spread, zmax - z[i]);
        const double rel = (2.0 * spread + static_cast<double>(n) + 10.0) * unit_roundoff;
        double total = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            err.add(a[i], want[i], rel * want[i] + std::ldexp(1.0, -140),
                    [&] { return std::string(what) + ", " + at_n(n, i); });
            finite.add(std::isfinite(a[i]), [&] { return std::string(what) + ", " + at_n(n, i) + "not finite"; });
            total += a[i];
        }
        // The outputs sum to 1 within 1e-6, or within the a-priori (n + 1) u of the float
        // sum when that is larger (n > 15).
        const double sum_tol = std::fmax(1e-6, static_cast<double>(n + 1) * unit_roundoff);
        sum.add(std::fabs(total - 1.0) <= sum_tol,
                [&] { return std::string(what) + ", " + at_n(n, 0) + fmt("sum %.12g", total); });
        guards.add(a.guards_intact(), [&] { return std::string(what) + ", " + at_n(n, n) + "wrote past n"; });
    }
    void report() const {
        CHECK_MESSAGE(err.worst <= 1.0, err.where);
        CHECK_MESSAGE(sum.count == 0, sum.first);
        CHECK_MESSAGE(finite.count == 0, finite.first);
        CHECK_MESSAGE(guards.count == 0, guards.first);
    }
};

}  // namespace

TEST_CASE("softmax: matches the reference and sums to 1 for every n >= 1") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        softmax_check check;
        test::rng g(808);
        for_each_length(1, [&](std::size_t n) {
            // The input guards hold NaN (default) or 1e30: reading past n would show.
            aligned_buffer z = random_vector(n, n, g, -10.0f, 10.0f);
            check.run(*t, z, n, "z in [-10, 10), NaN guards");
            z.fill_guards(1e30f);
            check.run(*t, z, n, "z in [-10, 10), guards 1e30");
        });
        check.report();
    }
}

TEST_CASE("softmax: large, tiny and extreme inputs: the maximum is subtracted, nothing overflows") {
    for (const kernel_table* t : tables()) {
        INFO("table " << std::string(t->name));
        softmax_check check;
        for_each_length(1, [&](std::size_t n) {
            aligned_buffer z(n);
            for (std::size_t i = 0; i < n; ++i) z[i] = 1000.0f + static_cast<float>(i % 20);
            check.run(*t, z, n, "z = 1000 + (i mod 20)");
            for (std::size_t i = 0; i < n; ++i) z[i] = 88.0f + static_cast<float>(i % 7);
            check.run(*t, z, n, "z = 88 + (i mod 7), beyond exp's range");
            for (std::size_t i = 0; i < n; ++i) z[i] = -1e30f;
            check.run(*t, z, n, "z = -1e30 everywhere");
            for (std::size_t i = 0; i < n; ++i) z[i] = -1000.0f - static_cast<float>(i % 5);
            check.run(*t, z, n, "z = -1000 - (i mod 5)");
        });
        check.report();

        aligned_buffer z(3), a(3);
        z[0] = 42.0f;
        t->softmax(1, z.data(), a.data());
        CHECK(a[0] == 1.0f);  // one class: probability 1 whatever z

        z[0] = 1e30f, z[1] = -1e30f;
        t->softmax(2, z.data(), a.data());
        CHECK(a[0] == 1.0f);
        CHECK(a[1] == 0.0f);

        z[0] = 1.0f, z[1] = -inf_f, z[2] = 1.0f;
        t->softmax(3, z.data(), a.data());
        CHECK(a[0] == doctest::Approx(0.5).epsilon(1e-6));
        CHECK(a[1] == 0.0f);
        CHECK(a[2] == doctest::Approx(0.5).epsilon(1e-6));

        z[0] = FLT_MAX, z[1] = FLT_MAX, z[2] = -FLT_MAX;
        t->softmax(3, z.data(), a.data());
        CHECK(a[0] == doctest::Approx(0.5).epsilon(1e-6));
        CHECK(a[1] == doctest::Approx(0.5).epsilon(1e-6));
        CHECK(a[2] == 0.0f);
    }
}

// ============================================================================== backward

namespace {

using backward_kernel = void (*)(std::size_t, const float*, float*);

// d *= f'(a) for every length; the expected value and its tolerance come from `want`.
template <class Want>
void check_backward(backward_kernel kernel, float a_lo, float a_hi,
                    bool relu_like, std::uint64_t seed, Want&& want) {
    error_tally err;
    fault_tally guards;
    test::rng g(seed);
    for_each_length(0, [&](std::size_t n) {
        aligned_buffer a = random_vector(n, n, g, a_lo, a_hi);
        if (relu_like)
            for (std::size_t i = 0; i < n; ++i) a[i] = a[i] > 0.0f ? a[i] : 0.0f;
        const aligned_buffer d0 = random_vector(n, n, g);
        aligned_buffer d = d0;
        kernel(n, a.data(), d.data());
        for (std::size_t i = 0; i < n; ++i) {
            const auto [value, tol] = want(a[i], d0[i]);
            err.add(d[i], value, tol, [&] { return at_n(n, i) + fmt("a = %.9g, d = %.9g: ", a[i], d0[i]); });
        }
        guards.add(d.guards_intact(), [&] { return at_n(n, n) + "wrote past n"; });
    });
    CHECK_MESSAGE(err.worst <= 1.0, err.where);
    CHECK_MESSAGE(guards.count == 0, guards.first);
}

}  // namespace

TEST_CASE("backward factors: d *= a(1-a), 1-a^2, [a > 0] for every length") {
    SUBCASE("sigmoid: d a (1 - a), relative error <= gamma(3)") {
        for (const kernel_table* t : tables()) {
            INFO("table " << std::string(t->name));
            check_backward(t->sigmoid_backward, 0.0f, 1.0f, false, 31, [](float a, float d) {
                const double v = reference::sigmoid_backward(a, d);
                return std::pair<double, double>{v, gamma_n(3) * std::fabs(v)};
            });
        }
    }
    SUBCASE("tanh: d (1 - a^2), error <= gamma(3) |d| (a^2 + |1 - a^2|)") {
        for (const kernel_table* t : tables()) {
            INFO("table " << std::string(t->name));
            check_backward(t->tanh_backward, -1.0f, 1.0f, false, 32, [](float a, float d) {
                const double a2 = static_cast<double>(a) * a;
                return std::pair<double, double>{reference::tanh_backward(a, d),
                                                 gamma_n(3) * std::fabs(static_cast<double>(d)) *
                                                     (a2 + std::fabs(1.0 - a2))};
            });
        }
    }
    SUBCASE("relu: d [a > 0], exactly") {
        for (const kernel_table* t : tables()) {
            INFO("table " << std::string(t->name));
            check_backward(t->relu_backward, -1.0f, 1.0f, true, 33, [](float a, float d) {
                return std::pair<double, double>{reference::relu_backward(a, d), 0.0};
            });
        }
    }
    SUBCASE("saturated activations stop the gradient exactly") {
        for (const kernel_table* t : tables()) {
            INFO("table " << std::string(t->name));
            aligned_buffer a(4), d(4);
            a[0] = 0.0f, a[1] = 1.0f, a[2] = -1.0f, a[3] = 0.5f;
            for (std::size_t i = 0; i < 4; ++i) d[i] = 3.0f;
            t->sigmoid_backward(2, a.data(), d.data());
            CHECK(d[0] == 0.0f);
            CHECK(d[1] == 0.0f);
            CHECK(d[2] == 3.0f);  // n = 2: untouched
            d[0] = d[1] = d[2] = d[3] = 3.0f;
            t->tanh_backward(4, a.data(), d.data());
            CHECK(d[0] == 3.0f);
            CHECK(d[1] == 0.0f);
            CHECK(d[2] == 0.0f);
            CHECK(d[3] == 2.25f);
        }
    }
}
