# Cortex-M4F (single-precision FPU) on QEMU's mps2-an386.
# cmake -S . -B build/cortex-m4 --toolchain ports/toolchains/cortex-m4.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard)
set(MICROPROP_QEMU_MACHINE mps2-an386)
# Under qemu -icount shift=0, instructions per SysTick tick (the board's SysTick clock).
set(MICROPROP_QEMU_INSTRUCTIONS_PER_TICK 40)
set(MICROPROP_MEMORY_MAP mps2.ld)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
