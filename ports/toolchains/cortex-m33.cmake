# Cortex-M33 (single-precision FPU, secure state) on QEMU's mps2-an505.
# cmake -S . -B build/cortex-m33 --toolchain ports/toolchains/cortex-m33.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m33 -mfloat-abi=hard)
set(MICROPROP_QEMU_MACHINE mps2-an505)
# Under qemu -icount shift=0, instructions per SysTick tick (the board's SysTick clock).
set(MICROPROP_QEMU_INSTRUCTIONS_PER_TICK 50)
set(MICROPROP_MEMORY_MAP mps2-an505.ld)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
