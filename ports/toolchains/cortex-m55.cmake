# Cortex-M55 (FPU and Helium MVE): the compiler for target cortex-m55 of ports/targets.json.
# cmake -S . -B build/cortex-m55 --toolchain ports/toolchains/cortex-m55.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m55 -mfloat-abi=hard)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
