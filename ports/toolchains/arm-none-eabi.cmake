# The compiler every Cortex-M toolchain file shares, included by ports/toolchains/cortex-m*.cmake
# after they set MICROPROP_CPU_FLAGS (the flags naming the core, its FPU and float ABI).
#
# arm-none-eabi-g++ with newlib; images print and exit through semihosting (librdimon).
# The board they run on (startup, memory map, how ctest runs them under QEMU) is the
# target's entry in ports/targets.json and ports/boards/, not this file.
if(NOT MICROPROP_CPU_FLAGS)
  message(FATAL_ERROR "arm-none-eabi.cmake: include it from a toolchain file that sets MICROPROP_CPU_FLAGS")
endif()
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
