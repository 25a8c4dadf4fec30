# Cortex-M55 (FPU and Helium MVE) on QEMU's mps3-an547.
# cmake -S . -B build/cortex-m55 --toolchain ports/toolchains/cortex-m55.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m55 -mfloat-abi=hard)
set(MICROPROP_QEMU_MACHINE mps3-an547)
# Under qemu -icount shift=0, instructions per SysTick tick (the board's SysTick clock).
set(MICROPROP_QEMU_INSTRUCTIONS_PER_TICK 31.25)
set(MICROPROP_MEMORY_MAP mps3-an547.ld)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
