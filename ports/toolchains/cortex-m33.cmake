# Cortex-M33 (single-precision FPU): the compiler for target cortex-m33 of ports/targets.json.
# cmake -S . -B build/cortex-m33 --toolchain ports/toolchains/cortex-m33.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m33 -mfloat-abi=hard)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
