// The kernel tables of the Cortex-M port. Private to the port: the core reaches them only
// through detail::port_kernel_tables (port_tables.cpp).
#pragma once

#include "microprop/kernels.hpp"

namespace microprop::cortex_m {

// kernels_mve.cpp, "helium": Armv8.1-M with floating-point MVE (Cortex-M55, M85).
const kernel_table& helium_kernels();

// kernels_fpu.cpp, "fpu": a single-precision FPU without SIMD (Cortex-M4F, M7, M33).
const kernel_table& fpu_kernels();

}  // namespace microprop::cortex_m
