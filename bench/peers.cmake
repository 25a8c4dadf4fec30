# microprop against its peers (FANN, Eigen in two builds, the plain loop, optionally
# libtorch, a streaming ceiling): online step, prediction and mini-batch per shape, see
# bench_peers.cpp (and the file map at its top).
#
# Flags: only the plain-loop/ceiling source and the native Eigen copy get -march=native.
# Eigen is compiled twice from peer_eigen.cpp, and the two copies must not meet at link
# time: identical Eigen instantiations from two objects of one binary are merged by the
# linker (they are weak symbols of the same name), so one copy's code would run for both.
# Each copy is therefore a library of its own built with hidden visibility, inline
# functions included, exporting a single C entry point (peer_eigen.hpp); the native one is
# a shared library, so its instantiations are bound inside it when it is linked.
# The benchmark's own files (bench_peers.cpp, peers_*, adapter_*) do not include Eigen, and
# peer_plain_loop.cpp includes none of them: an inline function compiled with -march=native
# there could otherwise be the copy the linker keeps for all of them.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)

option(MICROPROP_BENCH_TORCH "Build the libtorch peer of microprop_bench_peers (needs libtorch-dev)" OFF)

function(microprop_peer_eigen target type entry)
  add_library(${target} ${type} peer_eigen.cpp)
  target_link_libraries(${target} PRIVATE Eigen3::Eigen)
  target_compile_definitions(${target} PRIVATE MICROPROP_PEER_EIGEN_ENTRY=${entry})
  target_compile_options(${target} PRIVATE ${microprop_warnings})
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
endfunction()
microprop_peer_eigen(microprop_peer_eigen_default STATIC microprop_peer_eigen_default)
microprop_peer_eigen(microprop_peer_eigen_native SHARED microprop_peer_eigen_native)
target_compile_options(microprop_peer_eigen_native PRIVATE -march=native)
# On a CPU with AVX-512, GCC 12 reports its own _mm512_undefined_* idiom (avx512fintrin.h)
# as "may be used uninitialized" once Eigen's packet code is inlined into this file. The
# warning comes from the middle end after inlining, where a SYSTEM include no longer
# silences it, so this copy of Eigen (third-party code only) turns those two off.
target_compile_options(microprop_peer_eigen_native PRIVATE -Wno-uninitialized -Wno-maybe-uninitialized)
# Only the entry point is exported (checked with nm -D); a stray undefined symbol fails
# the link instead of the run.
target_link_options(microprop_peer_eigen_native PRIVATE -Wl,--no-undefined)

add_executable(microprop_bench_peers bench_peers.cpp peers_report.cpp peers_context.cpp peer_plain_loop.cpp)
set_source_files_properties(peer_plain_loop.cpp PROPERTIES COMPILE_OPTIONS "-O3;-march=native")
target_link_libraries(microprop_bench_peers PRIVATE
  microprop::microprop benchmark::benchmark
  microprop_peer_eigen_default microprop_peer_eigen_native)
target_compile_options(microprop_bench_peers PRIVATE ${microprop_warnings})
microprop_bench_build_context(microprop_bench_peers)

find_path(FANN_INCLUDE floatfann.h)
find_library(FANN_LIBRARY floatfann)
if(FANN_INCLUDE AND FANN_LIBRARY)
  target_sources(microprop_bench_peers PRIVATE adapter_fann.cpp)
  target_include_directories(microprop_bench_peers SYSTEM PRIVATE ${FANN_INCLUDE})
  target_link_libraries(microprop_bench_peers PRIVATE ${FANN_LIBRARY})
  target_compile_definitions(microprop_bench_peers PRIVATE MICROPROP_BENCH_HAVE_FANN)
else()
  message(STATUS "microprop_bench_peers: FANN (libfann-dev) not found, building without the FANN peer")
endif()

if(MICROPROP_BENCH_TORCH)
  # Debian's libtorch-dev installs /usr/lib/<triplet>/cmake/Torch/TorchConfig.cmake, which
  # find_package searches by default; elsewhere point Torch_DIR at the folder holding it.
  find_package(Torch CONFIG QUIET)
  if(NOT Torch_FOUND)
    message(FATAL_ERROR
      "MICROPROP_BENCH_TORCH is ON but libtorch was not found (no TorchConfig.cmake). "
      "On Debian 12: apt-get install libtorch-dev (it provides "
      "/usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake); elsewhere set Torch_DIR to "
      "the folder holding TorchConfig.cmake, or configure with -DMICROPROP_BENCH_TORCH=OFF.")
  endif()
  add_library(microprop_peer_torch STATIC peer_torch.cpp)
  target_link_libraries(microprop_peer_torch PRIVATE ${TORCH_LIBRARIES} ${CMAKE_DL_LIBS})
  target_compile_options(microprop_peer_torch PRIVATE ${microprop_warnings})
  target_link_libraries(microprop_bench_peers PRIVATE microprop_peer_torch ${TORCH_LIBRARIES})
  target_compile_definitions(microprop_bench_peers PRIVATE MICROPROP_BENCH_HAVE_TORCH)
  message(STATUS "microprop_bench_peers: libtorch ${Torch_VERSION} peer enabled")
endif()

list(APPEND microprop_benchmarks bench_peers)
list(APPEND microprop_bench_commands
  COMMAND microprop_bench_peers --benchmark_min_time=${MICROPROP_BENCH_MIN_TIME})
