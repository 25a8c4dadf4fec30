// Cortex-M4F, M7, M33 (single-precision FPU): the fpu table only. The scalar reference is
// not listed, so a firmware does not carry it (about 1.3 KB of flash at -Os).
#include "cortex_m_tables.hpp"

namespace microprop::detail {

std::size_t port_kernel_tables(const kernel_table** tables, std::size_t capacity) {
    if (capacity == 0) return 0;
    tables[0] = &cortex_m::fpu_kernels();
    return 1;
}

}  // namespace microprop::detail
