// A scalar-only build (Cortex-M without Helium, or MICROPROP_PORT=scalar on the host)
// offers no table besides the scalar reference, which the core always includes.
#include "microprop/kernels.hpp"

namespace microprop::detail {

std::size_t port_kernel_tables(const kernel_table**, std::size_t) { return 0; }

}  // namespace microprop::detail
