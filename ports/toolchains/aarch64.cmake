# AArch64 Linux with NEON: the compiler and the emulator for target aarch64 of ports/targets.json
# (QEMU's user mode runs the programs with the target's libraries).
# cmake -S . -B build/aarch64 --toolchain ports/toolchains/aarch64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# -Wno-psabi: GCC notes that C++17 changed how some pairs are passed (GCC 10.1); the whole
# program is built by one compiler, so the note never applies.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)

# Libraries from the target's root only. The header-only packages (xsimd, doctest) are
# installed for the build machine and serve every target; Debian puts xsimd's CMake
# package in the build machine's multiarch directory, hence the extra prefix.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
list(APPEND CMAKE_PREFIX_PATH /usr/lib/${CMAKE_HOST_SYSTEM_PROCESSOR}-linux-gnu/cmake)

