// The one seam between the core and the hardware.
//
// The core (network.cpp) only ever calls the kernels through a `kernel_table`. A port is a
// folder under ports/kernels/ that fills one or more tables; ports/kernels/scalar is the portable
// reference and always present. Adding a target means adding a port, never editing the
// core.
//
// Shared preconditions of every kernel (the core guarantees them, the kernels rely on them):
// - Matrices are row-major with `stride` floats per row. `stride` is a multiple of
//   row_floats, rows start on vector_alignment, and the padding columns are zero.
// - Vectors passed as `x` of a matrix kernel have `stride` readable floats, aligned to
//   vector_alignment, with zeros beyond the logical length.
// - Vectors indexed by row (`b`, `d`, `y` of gemv) have `rows` meaningful floats, aligned.
// - Element-wise kernels read and write exactly `n` floats; buffers are aligned and may be
//   the same buffer (in place) unless stated otherwise.
// - No kernel allocates, throws, or keeps state between calls.
#pragma once

#include <cstddef>
#include <cstdint>

#include "microprop/config.hpp"

namespace microprop {

struct kernel_table {
    const char* name;  // "scalar", "sse2", "avx2+fma", "avx512", "neon64", ...

    // Forward product: y[r] = b[r] + sum_c W[r][c] x[c] for r < rows.
    // y must not alias x or b.
    void (*gemv)(std::size_t rows, std::size_t stride, const float* W, const float* x,
                 const float* b, float* y);

    // Transposed product: y[c] = sum_r W[r][c] d[r] for c < stride (the padding columns
    // come out zero). Used for BP2. y must not alias W or d.
    void (*gemv_t)(std::size_t rows, std::size_t stride, const float* W, const float* d,
                   float* y);

    // Rank-1 update: W[r][c] += alpha d[r] x[c]. With alpha = -eta it is the online SGD
    // step of BP3; with alpha = 1 it accumulates a mini-batch gradient.
    void (*ger)(std::size_t rows, std::size_t stride, float alpha, const float* d,
                const float* x, float* W);

    // Fused backward + update, reading each weight once: y = W^T d computed with the old
    // weights, and W += alpha d x^T written in the same pass. The result must equal gemv_t
    // followed by ger (bit-for-bit in the scalar port, within rounding elsewhere).
    void (*gemv_t_ger)(std::size_t rows, std::size_t stride, float alpha, const float* d,
                       const float* x, float* W, float* y);

    // Update + next forward product, reading and writing each weight once: W += alpha d
    // x^T, then y[r] = b[r] + sum_c W[r][c] x_next[c] with the updated weights. It is the
    // first layer of the pipelined online step (the current sample's update and the next
    // sample's forward pass share one pass over W). The result must equal the same
    // table's ger followed by its gemv bit for bit (same update expression, same
    // accumulation order), so the pipelined step is exactly the separate calls. x_next
    // follows the rules of x; y must not alias d, x, x_next, b or W.
    void (*ger_gemv)(std::size_t rows, std::size_t stride, float alpha, const float* d,
                     const float* x, float* W, const float* x_next, const float* b, float* y);

    // y[i] += alpha x[i] for i < n (bias updates, applying a mini-batch mean). n may have
    // any value; x and y are aligned.
    void (*axpy)(std::size_t n, float alpha, const float* x, float* y);

    // Largest |x[i]| for i < n, or NaN if any x[i] is NaN. Used to keep the bounds that
    // prove an update cannot overflow.
    float (*max_abs)(std::size_t n, const float* x);

    // Activations, a = f(z), exactly n elements, in place allowed. The polynomial exp
    // inside sigmoid, tanh and softmax and its coefficients are those of
    // microprop/math.hpp, so every port agrees within the error bounds stated there.
    // activations.hpp says which activation uses which kernel.
    void (*sigmoid)(std::size_t n, const float* z, float* a);
    void (*tanh)(std::size_t n, const float* z, float* a);
    void (*relu)(std::size_t n, const float* z, float* a);
    // a = exp(z - max z) / sum exp(z - max z); n >= 1; z and a must not alias.
    void (*softmax)(std::size_t n, const float* z, float* a);

    // BP2's element-wise factor from the stored activation: d[i] *= f'(z[i]) written as a
    // function of a[i]: sigmoid a(1-a), tanh 1-a^2, ReLU [a > 0].
    void (*sigmoid_backward)(std::size_t n, const float* a, float* d);
    void (*tanh_backward)(std::size_t n, const float* a, float* d);
    void (*relu_backward)(std::size_t n, const float* a, float* d);
};

// True when the table has a name and every kernel. Ports fill their tables field by field;
// the test suite checks this on every table of every target, so a kernel added to the
// contract and forgotten in a port fails a test instead of crashing at the first call.
// (Not a static_assert in the ports: under -fsanitize=undefined GCC does not treat the
// address of an inline function as a constant.)
constexpr bool is_complete(const kernel_table& t) {
    return t.name != nullptr && t.gemv != nullptr && t.gemv_t != nullptr && t.ger != nullptr &&
           t.gemv_t_ger != nullptr && t.ger_gemv != nullptr && t.axpy != nullptr && t.max_abs != nullptr &&
           t.sigmoid != nullptr && t.tanh != nullptr && t.relu != nullptr && t.softmax != nullptr &&
           t.sigmoid_backward != nullptr && t.tanh_backward != nullptr && t.relu_backward != nullptr;
}
// is_complete() names every field: a field added to kernel_table must be added there too.
static_assert(sizeof(kernel_table) == sizeof(const char*) + 14 * sizeof(void (*)()),
              "kernel_table changed: update is_complete()");

// The portable reference port (ports/kernels/scalar), compiled into every build; a port lists it
// among its tables where it wants it as a fallback (the Cortex-M ports do not, so a
// firmware that never selects it does not carry it).
const kernel_table& scalar_kernels();

// Every kernel table compiled into this build that this CPU can execute, best first
// (for tests and benchmarks that exercise each port).
std::size_t kernel_table_count();
const kernel_table& kernel_table_at(std::size_t index);

// The table the networks use. Chosen once, at first use: the best one this CPU runs,
// unless the environment variable MICROPROP_KERNELS names another (where the platform has
// an environment), for example MICROPROP_KERNELS=sse2.
const kernel_table& active_kernels();

// Switches every network to the named table ("scalar", "sse2", ...). Returns false, and
// changes nothing, when no runnable table has that name. Not thread-safe: call it before
// training starts.
bool select_kernels(const char* name);

namespace detail {
// What a port provides: the tables it compiled that this CPU can execute, best first,
// written to `tables` (at most `capacity`, at least one). Returns the count.
std::size_t port_kernel_tables(const kernel_table** tables, std::size_t capacity);
}  // namespace detail

}  // namespace microprop
