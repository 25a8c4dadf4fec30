// The portable reference port: plain C++ loops, one accumulation order everywhere, so
// its results are the yardstick for the vector ports and the starting point for
// microcontrollers. Loops run over the padded stride: padding columns are zero, which
// keeps the padding of every output zero as well.
#include <cstddef>

#include "microprop/kernels.hpp"
#include "elementwise.hpp"

namespace microprop {
namespace {

// Two row drivers: gemv and ger_gemv run product_rows(), gemv_t and gemv_t_ger run
// transposed_rows(), so each fused kernel has the loop and accumulation order of the plain
// kernel it must equal bit for bit. `row_at(r)` gives, for row r, a function of the column
// returning W[r][c] as the product uses it: loaded, or (fused kernels) updated and stored,
// returning the updated or the old value. Per-row values (alpha d[r]) live in that function,
// computed once per row: reloaded after each store into W, they would cost a multiply per
// weight (in software, on a core without FPU).

// y[r] = b[r] + sum_c W'[r][c] x[c], one row at a time, columns in order.
template <class RowAt>
inline void product_rows(std::size_t rows, std::size_t stride, const float* x, const float* b, float* y,
                         RowAt row_at) {
    for (std::size_t r = 0; r < rows; ++r) {
        const auto weight = row_at(r);
        float acc = 0.0f;
        for (std::size_t c = 0; c < stride; ++c) acc += weight(c) * x[c];
        y[r] = acc + b[r];
    }
}

// y[c] = sum_r W[r][c] d[r], rows in order, with the weights before any change.
template <class RowAt>
inline void transposed_rows(std::size_t rows, std::size_t stride, const float* d, float* y, RowAt row_at) {
    for (std::size_t c = 0; c < stride; ++c) y[c] = 0.0f;
    for (std::size_t r = 0; r < rows; ++r) {
        const auto weight = row_at(r);
        const float dr = d[r];
        for (std::size_t c = 0; c < stride; ++c) y[c] += weight(c) * dr;
    }
}

// Row r of W as it is.
auto stored_row(const float* W, std::size_t stride) {
    return [=](std::size_t r) {
        const float* w = W + r * stride;
        return [=](std::size_t c) { return w[c]; };
    };
}

// Row r of W under ger's update w + (alpha d[r]) x[c], stored as the loop reaches it;
// the loop gets the updated value (ger_gemv) or the old one (gemv_t_ger).
template <bool new_values>
auto updated_row(float* W, std::size_t stride, float alpha, const float* d, const float* x) {
    return [=](std::size_t r) {
        float* w = W + r * stride;
        const float s = alpha * d[r];
        return [=](std::size_t c) {
            const float old = w[c];
            const float updated = old + s * x[c];
            w[c] = updated;
            return new_values ? updated : old;
        };
    };
}

void gemv(std::size_t rows, std::size_t stride, const float* W, const float* x, const float* b,
          float* y) {
    product_rows(rows, stride, x, b, y, stored_row(W, stride));
}

void gemv_t(std::size_t rows, std::size_t stride, const float* W, const float* d, float* y) {
    transposed_rows(rows, stride, d, y, stored_row(W, stride));
}

void ger(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
         float* W) {
    for (std::size_t r = 0; r < rows; ++r) {
        float* w = W + r * stride;
        const float s = alpha * d[r];
        for (std::size_t c = 0; c < stride; ++c) w[c] += s * x[c];
    }
}

// gemv_t's loop over the old weights, each updated as ger does once it has been read.
void gemv_t_ger(std::size_t rows, std::size_t stride, float alpha, const float* d,
                const float* x, float* W, float* y) {
    transposed_rows(rows, stride, d, y, updated_row<false>(W, stride, alpha, d, x));
}

// gemv's loop over the weights as ger updates them.
void ger_gemv(std::size_t rows, std::size_t stride, float alpha, const float* d, const float* x,
              float* W, const float* x_next, const float* b, float* y) {
    product_rows(rows, stride, x_next, b, y, updated_row<true>(W, stride, alpha, d, x));
}

void axpy(std::size_t n, float alpha, const float* x, float* y) {
    for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

float max_abs(std::size_t n, const float* x) {
    float m = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        const float a = x[i] < 0.0f ? -x[i] : x[i];
        if (a != a) return a;  // NaN
        if (a > m) m = a;
    }
    return m;
}

using namespace scalar_elementwise;

// The table, field by field (tests/test_kernels.cpp checks with is_complete() that none
// is missing, on every target).
constexpr kernel_table make_table() {
    kernel_table t{};
    t.name = "scalar";
    t.gemv = gemv;
    t.gemv_t = gemv_t;
    t.ger = ger;
    t.gemv_t_ger = gemv_t_ger;
    t.ger_gemv = ger_gemv;
    t.axpy = axpy;
    t.max_abs = max_abs;
    t.sigmoid = sigmoid;
    t.tanh = tanh_kernel;
    t.relu = relu;
    t.softmax = softmax;
    t.sigmoid_backward = sigmoid_backward;
    t.tanh_backward = tanh_backward;
    t.relu_backward = relu_backward;
    return t;
}
constexpr kernel_table table = make_table();

}  // namespace

const kernel_table& scalar_kernels() { return table; }

}  // namespace microprop
