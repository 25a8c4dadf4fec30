# Cortex-M4F (single-precision FPU): the compiler for target cortex-m4 of ports/targets.json.
# cmake -S . -B build/cortex-m4 --toolchain ports/toolchains/cortex-m4.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
