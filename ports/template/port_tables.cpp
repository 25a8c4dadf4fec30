// The tables this port compiled that this CPU can execute, best first: kernel_select.cpp
// uses the first unless MICROPROP_KERNELS names another. As copied from ports/template the
// port has one table, the scalar reference; list yours before it (behind a run-time check
// where a CPU of the family may lack the instruction set, as kernels/xsimd/port_tables.cpp
// does), and drop the reference where a firmware should not carry it (kernels/cortex-m).
#include "microprop/kernels.hpp"

namespace microprop::detail {

std::size_t port_kernel_tables(const kernel_table** tables, std::size_t capacity) {
    std::size_t count = 0;
    const auto add = [&](const kernel_table& t) {
        if (count < capacity) tables[count++] = &t;
    };
    add(scalar_kernels());
    return count;
}

}  // namespace microprop::detail
