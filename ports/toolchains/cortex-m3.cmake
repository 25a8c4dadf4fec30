# Cortex-M3, no FPU (soft float), on QEMU's mps2-an385.
# cmake -S . -B build/cortex-m3 --toolchain ports/toolchains/cortex-m3.cmake
set(MICROPROP_CPU_FLAGS -mcpu=cortex-m3 -mfloat-abi=soft)
set(MICROPROP_QEMU_MACHINE mps2-an385)
# Under qemu -icount shift=0, instructions per SysTick tick (the board's SysTick clock).
set(MICROPROP_QEMU_INSTRUCTIONS_PER_TICK 40)
set(MICROPROP_MEMORY_MAP mps2.ld)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
