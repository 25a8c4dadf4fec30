# microprop against its peers (FANN, Eigen, the plain loop, a streaming ceiling): one online
# training step per shape, see bench_peers.cpp. Only the plain-loop/ceiling source is built
# with -O3 -march=native (the "compiler" peer); nothing else gets these flags.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
add_executable(microprop_bench_peers bench_peers.cpp peer_plain_loop.cpp)
set_source_files_properties(peer_plain_loop.cpp PROPERTIES COMPILE_OPTIONS "-O3;-march=native")
target_link_libraries(microprop_bench_peers PRIVATE
  microprop::microprop benchmark::benchmark Eigen3::Eigen)
target_compile_options(microprop_bench_peers PRIVATE ${microprop_warnings})
find_path(FANN_INCLUDE floatfann.h)
find_library(FANN_LIBRARY floatfann)
if(FANN_INCLUDE AND FANN_LIBRARY)
  target_include_directories(microprop_bench_peers SYSTEM PRIVATE ${FANN_INCLUDE})
  target_link_libraries(microprop_bench_peers PRIVATE ${FANN_LIBRARY})
  target_compile_definitions(microprop_bench_peers PRIVATE MICROPROP_BENCH_HAVE_FANN)
else()
  message(STATUS "microprop_bench_peers: FANN (libfann-dev) not found, building without the FANN peer")
endif()
list(APPEND microprop_benchmarks bench_peers)
list(APPEND microprop_bench_commands
  COMMAND microprop_bench_peers --benchmark_min_time=${MICROPROP_BENCH_MIN_TIME})
