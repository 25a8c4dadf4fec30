// The JSON context of the peer benchmark (peers_context.hpp). A peer that was not built
// still has its key, saying so, so that reports of different builds line up.
#include "peers_context.hpp"

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "microprop/microprop.hpp"
#include "peer_eigen.hpp"
#ifdef MICROPROP_BENCH_HAVE_TORCH
#include "peer_torch.hpp"
#endif

namespace microprop_bench_peers {

void add_peers_context(bool pipelined) {
    microprop_bench::add_compiler_context();
    benchmark::AddCustomContext("microprop_kernels", microprop::active_kernels().name);
    benchmark::AddCustomContext("microprop_pipelined", pipelined ? "yes" : "not in this API");
#ifdef MICROPROP_BENCH_HAVE_FANN
    benchmark::AddCustomContext("fann", "2.2 (floatfann)");
#else
    benchmark::AddCustomContext("fann", "not built");
#endif
    benchmark::AddCustomContext("eigen", microprop_peer_eigen_default()->build());
    benchmark::AddCustomContext("eigen_native", microprop_peer_eigen_native()->build());
#ifdef MICROPROP_BENCH_HAVE_TORCH
    benchmark::AddCustomContext("torch", torch_peer::build());
#else
    benchmark::AddCustomContext("torch", "not built (-DMICROPROP_BENCH_TORCH=ON)");
#endif
}

}  // namespace microprop_bench_peers
