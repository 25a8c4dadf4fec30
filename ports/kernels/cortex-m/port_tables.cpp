// The Cortex-M port lists one table: "helium" on cores with floating-point MVE (M55),
// "fpu" on cores with a single-precision FPU (M4F, M7, M33). The scalar reference is not
// listed, so a firmware does not carry it (about 1.3 KB of flash at -Os). CMakeLists.txt
// compiles kernels_mve.cpp or kernels_fpu.cpp by the same test of mve_config.hpp, so the
// table listed is always the one compiled, and one that cannot run is never listed.
#include "cortex_m_tables.hpp"
#include "mve_config.hpp"

namespace microprop::detail {

std::size_t port_kernel_tables(const kernel_table** tables, std::size_t capacity) {
    if (capacity == 0) return 0;
#if MICROPROP_HAS_MVE_FLOAT
    tables[0] = &cortex_m::helium_kernels();
#else
    tables[0] = &cortex_m::fpu_kernels();
#endif
    return 1;
}

}  // namespace microprop::detail
