# Cortex-M7 (double-precision FPU): the compiler for target cortex-m7 of ports/targets.json.
# cmake -S . -B build/cortex-m7 --toolchain ports/toolchains/cortex-m7.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
