# What every Cortex-M target shares, included by ports/cortex-m*/toolchain-*.cmake after
# they set:
#   MICROPROP_CPU_FLAGS      compiler flags naming the core, its FPU and float ABI
#   MICROPROP_QEMU_MACHINE   the qemu-system-arm machine that runs the images
#   MICROPROP_MEMORY_MAP     the board's memory file, one of ports/cortex-m/*.ld
#
# Toolchain: arm-none-eabi-g++ with newlib. Images start in startup.cpp, print and exit
# through semihosting (librdimon), and ctest runs them under QEMU through qemu-run.sh;
# QEMU's exit status is the program's.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
# The compiler checks build a static library: a bare-metal executable needs board support.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# -Wno-psabi: GCC notes ABI changes of parameter passing between GCC versions; the whole
# image is built by one compiler, so they never apply.
string(JOIN " " microprop_cpu_flags ${MICROPROP_CPU_FLAGS})
# One section per function and per object, so --gc-sections keeps only what an image
# calls: a firmware that never trains in mini-batches carries no mini-batch code.
string(APPEND microprop_cpu_flags " -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${microprop_cpu_flags}")
set(CMAKE_CXX_FLAGS_INIT "${microprop_cpu_flags} -Wno-psabi")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=rdimon.specs -Wl,--gc-sections")

set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../boards/cortex-m/qemu-run.sh ${MICROPROP_QEMU_MACHINE})

# The board support the project builds into every image (ports/cortex-m/CMakeLists.txt).
set(MICROPROP_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR}/../boards/cortex-m)

# Project defaults on a board (a -D on the command line still wins): no Google Benchmark,
# no host examples, no nested host builds.
set(MICROPROP_BUILD_BENCHMARKS OFF CACHE BOOL "Build the Google Benchmark binaries")
set(MICROPROP_BUILD_EXAMPLES OFF CACHE BOOL "Build the examples")
set(MICROPROP_NESTED_SUITES OFF CACHE BOOL
    "Add tests that build and run the suite in other configurations")
# Under QEMU the float sweeps of tests/test_math.cpp take every 31st point (tests/CMakeLists.txt).
set(MICROPROP_TEST_SWEEP_STRIDE 31 CACHE STRING
    "test_math.cpp evaluates every Nth point of each float sweep (odd; 1 = all)")
