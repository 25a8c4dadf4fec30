// Build-wide constants shared by the core and every port.
//
// MICROPROP_ROW_FLOATS is the vector width the weight rows are padded to, in floats.
// The build sets it (CMake option MICROPROP_ROW_FLOATS, exported with the target) so the
// library and its users always agree: 16 (64 bytes, one cache line, an AVX-512 register)
// for the xsimd port, smaller for microcontrollers where padding costs RAM.
#pragma once

#ifndef MICROPROP_ROW_FLOATS
#define MICROPROP_ROW_FLOATS 16
#endif

#if MICROPROP_ROW_FLOATS < 1 || (MICROPROP_ROW_FLOATS & (MICROPROP_ROW_FLOATS - 1)) != 0
#error "MICROPROP_ROW_FLOATS must be a power of two (1, 2, 4, 8 or 16)"
#endif

#include <cstddef>

namespace microprop {

// Every weight row, activation and delta vector starts on this boundary and is padded
// with zeros to a multiple of row_floats, so vector kernels never need a column tail.
inline constexpr std::size_t row_floats = MICROPROP_ROW_FLOATS;
inline constexpr std::size_t vector_alignment =
    row_floats * sizeof(float) < alignof(double) ? alignof(double) : row_floats * sizeof(float);

constexpr std::size_t padded(std::size_t n) { return (n + row_floats - 1) / row_floats * row_floats; }

}  // namespace microprop
