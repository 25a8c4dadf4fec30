// The one place that tests the compiler's Helium feature macro.
//
// __ARM_FEATURE_MVE (ACLE) is a bit set: bit 0 integer MVE, bit 1 floating-point MVE.
// Everything else in the port tests MICROPROP_HAS_MVE_FLOAT, always defined as 0 or 1 so
// that `#if` stays meaningful under -Wundef.
#pragma once

#if defined(__ARM_FEATURE_MVE)
#if (__ARM_FEATURE_MVE & 2) != 0
#define MICROPROP_HAS_MVE_FLOAT 1
#else
#define MICROPROP_HAS_MVE_FLOAT 0
#endif
#else
#define MICROPROP_HAS_MVE_FLOAT 0
#endif
