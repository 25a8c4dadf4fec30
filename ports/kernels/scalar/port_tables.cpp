// A scalar-only build (Cortex-M3, or MICROPROP_PORT=scalar anywhere): the reference
// kernels are the only table.
#include "microprop/kernels.hpp"

namespace microprop::detail {

std::size_t port_kernel_tables(const kernel_table** tables, std::size_t capacity) {
    if (capacity == 0) return 0;
    tables[0] = &scalar_kernels();
    return 1;
}

}  // namespace microprop::detail
