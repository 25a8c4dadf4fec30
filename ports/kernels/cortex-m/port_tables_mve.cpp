// Cortex-M55 (Helium): the helium table only (the scalar reference is not carried).
// The build adds this file only for cores with floating-point MVE; kernels_mve.cpp refuses
// to compile anywhere else, so a table that cannot run is never listed.
#include "cortex_m_tables.hpp"

namespace microprop::detail {

std::size_t port_kernel_tables(const kernel_table** tables, std::size_t capacity) {
    if (capacity == 0) return 0;
    tables[0] = &cortex_m::helium_kernels();
    return 1;
}

}  // namespace microprop::detail
