// The JSON context of the peer benchmark: what was built, so that a report names the
// versions and instruction sets it measured.
#pragma once

namespace microprop_bench_peers {

// Keys: compiler, compiler_flags, microprop_kernels, microprop_pipelined, fann, eigen,
// eigen_native, torch. `pipelined`: whether this microprop has train_then_predict.
void add_peers_context(bool pipelined);

}  // namespace microprop_bench_peers
