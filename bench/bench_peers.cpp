// microprop against its peers, side by side in one run: one online SGD step, one
// prediction, one mini-batch step.
//
//   cmake --preset host [-DMICROPROP_BENCH_TORCH=ON]
//   cmake --build --preset host -j2 --target microprop_bench_peers
//   build/host/bench/microprop_bench_peers --benchmark_min_time=0.05 --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true   (one command line)
//
// Names are <kind>/<peer>/<shape>, so that a script can compute ratios per (kind, shape):
//   kind   train_step   one online SGD step (forward, BP1-BP4, update) on one labelled
//                       sample, eta = 0.01
//          predict      one forward pass, output probabilities
//          minibatch32  one SGD step with the mean gradient of 32 samples
//   shape  64-32-10, 784-128-10, 256-256-256-10: inputs, sigmoid hidden layers, softmax
//          output with cross-entropy loss
//   peer   microprop            Mlp<...>::train_step / predict, MiniBatchMlp<...>::accumulate
//                               x32 + apply_batch; the active (best) kernel table
//          microprop_pipelined  train_step only: predict(x_0), then per sample
//                               train_then_predict(label_t, eta, x_{t+1}) (the update of W_1
//                               and the next forward pass share one pass over it); built when
//                               microprop's network API offers it
//          fann                 FANN 2.2 (floatfann): fann_train (FANN_TRAIN_INCREMENTAL,
//                               momentum 0), fann_run, fann_train_epoch with
//                               FANN_TRAIN_BATCH on a 32-sample fann_train_data (see below)
//          eigen                Eigen 3.4 (peer_eigen.cpp) built with the default flags, what a
//                               portable build ships (SSE2 on x86-64)
//          eigen_native         the same source built with -march=native, in its own shared
//                               library (peer_eigen.hpp explains why)
//          plain_loop           the textbook loops (peer_plain_loop.cpp) at -O3 -march=native
//          torch                libtorch 1.13 (peer_torch.cpp), torch::nn::Linear, cross_entropy,
//                               backward, torch::optim::SGD; one thread
//                               (torch::set_num_threads(1)); only with -DMICROPROP_BENCH_TORCH=ON.
//                               Its GEMMs go to the libblas.so.3 that Debian's alternatives
//                               select, the slow reference BLAS unless libopenblas0 (or BLIS)
//                               is installed; the "torch" context line names the file in use.
//                               For OpenBLAS without installing it system-wide, run with
//                               OPENBLAS_NUM_THREADS=1 and LD_LIBRARY_PATH=<its openblas-pthread
//                               folder>.
//          ceiling              not a peer: streaming passes over as many floats as the network
//                               has weights, what the memory hierarchy allows in this run
//                               (peers_timing.hpp); none for minibatch32, which is compute-bound.
// Every peer starts from the same weights (microprop's Xavier initialisation with seed 1,
// copied), and cycles through the same 64 pre-generated samples (inputs ~U(0, 1), random
// labels; mini-batches: samples 0-31 and 32-63 alternately). Single-threaded throughout.
// Counter ns_per_weight: time per weight (biases not counted), and for minibatch32 per
// weight and sample; the console appends "s" to it.
//
// FANN has no softmax output. The timed FANN networks are what a FANN user writes: for
// train_step and minibatch32 a sigmoid output with FANN's MSE error (a sigmoid/MSE step:
// same shapes and weight traffic, a different output delta), for predict a linear output
// followed by a softmax of its 10 values (exactly the softmax network); adapter_fann.hpp
// has the details.
//
// Before anything is timed, main() checks per shape that the peers compute the same thing
// (tolerance 1e-5 relative + 1e-6 absolute, against microprop): the weights and biases after
// 10 online steps, the outputs of 4 predictions, the weights after 2 mini-batches. FANN takes
// part with a linear output layer trained towards z - softmax(z) + y, whose MSE delta is
// exactly softmax/cross-entropy's, so FANN's own fann_train and fann_train_epoch code must
// reproduce the softmax network's updates (peers_check.hpp). Abort if any peer differs:
// nobody wins by doing less. At the end it prints, per kind, the median CPU time of each
// peer per shape (the mean of the runs without repetitions) and its ratio to microprop. For
// JSON use --benchmark_out=<file> --benchmark_out_format=json, or --benchmark_format=json
// (then the checks go to stderr and there are no tables: stdout stays JSON).
//
// The files, one responsibility each:
//   peers_workload.hpp, peers_params.hpp  the samples, the constants, the shared parameters
//   peers_shapes.hpp                      the measured shapes
//   peer_adapters.hpp, adapter_*.hpp      the interface every peer provides, one adapter each
//   peers_check.hpp                       the equality check before timing
//   peers_timing.hpp, peers_kinds.hpp     the timed loops and the kinds
//   peers_registry.hpp                    which peer is timed how; Google Benchmark names
//   peers_report.cpp, peers_context.cpp   the console tables, the JSON context
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "peers_check.hpp"
#include "peers_context.hpp"
#include "peers_registry.hpp"
#include "peers_report.hpp"
#include "peers_shapes.hpp"

namespace {

namespace peers = microprop_bench_peers;

// Where the equality checks and the tables go: stdout under the console format, stderr when
// --benchmark_format asks for JSON or CSV on stdout (which must stay parseable). Read
// before benchmark::Initialize, which consumes the flag.
bool console_format(int argc, char** argv) {
    bool console = true;
    const std::string flag = "--benchmark_format=";
    for (int a = 1; a < argc; ++a) {
        const std::string arg = argv[a];
        if (arg.compare(0, flag.size(), flag) == 0) console = arg.substr(flag.size()) == "console";
    }
    return console;
}

}  // namespace

int main(int argc, char** argv) {
    const bool console = console_format(argc, argv);
    std::FILE* const info = console ? stdout : stderr;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#ifdef MICROPROP_BENCH_HAVE_TORCH
    std::fprintf(info, "torch: %s\n", peers::torch_peer::build());  // sets one thread, before the checks
#endif
    peers::for_each_shape([info](auto shape) { peers::check_shape<typename decltype(shape)::type>(info); });
    peers::add_peers_context(peers::shape_small::pipelined);
    peers::registered_names names;
    peers::for_each_shape([&names](auto shape) { peers::register_shape<typename decltype(shape)::type>(names); });
    if (!console) {  // JSON or CSV on stdout: Google Benchmark's own reporter, no tables
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
        return 0;
    }
    peers::collecting_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    peers::print_tables(reporter, names.shapes, names.peers, info);
    return 0;
}
