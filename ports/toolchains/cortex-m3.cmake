# Cortex-M3, no FPU (soft float): the compiler for target cortex-m3 of ports/targets.json.
# cmake -S . -B build/cortex-m3 --toolchain ports/toolchains/cortex-m3.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m3 -mfloat-abi=soft)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
