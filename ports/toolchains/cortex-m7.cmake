# Cortex-M7 (double-precision FPU) on QEMU's mps2-an500.
# cmake -S . -B build/cortex-m7 --toolchain ports/toolchains/cortex-m7.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard)
set(MICROPROP_QEMU_MACHINE mps2-an500)
# Under qemu -icount shift=0, instructions per SysTick tick (the board's SysTick clock).
set(MICROPROP_QEMU_INSTRUCTIONS_PER_TICK 40)
set(MICROPROP_MEMORY_MAP mps2.ld)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
