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
//                               has weights, what the memory hierarchy allows in this run.
//                               train_step: one read-only pass and one read-write pass (a forward
//                               pass plus a fused backward+update); predict: one read-only pass.
//                               None for minibatch32: 32 samples per pass over the weights make
//                               it compute-bound, so a bandwidth ceiling says nothing there.
// Every peer starts from the same weights (microprop's Xavier initialisation with seed 1,
// copied), and cycles through the same 64 pre-generated samples (inputs ~U(0, 1), random
// labels; mini-batches: samples 0-31 and 32-63 alternately). Single-threaded throughout.
// Counter ns_per_weight: time per weight (biases not counted), and for minibatch32 per
// weight and sample; the console appends "s" to it.
//
// FANN has no softmax output. The timed FANN networks are what a FANN user writes: for
// train_step and minibatch32 a sigmoid output with FANN's MSE error (a sigmoid/MSE step:
// same shapes and weight traffic, a different output delta), for predict a linear output
// followed by a softmax of its 10 values (exactly the softmax network). FANN's batch update
// is w += (learning_rate / num_data) * sum of the per-sample slopes (fann_update_weights_batch),
// i.e. already the mean gradient, so its learning rate is eta unchanged.
//
// Before anything is timed, main() checks per shape that the peers compute the same thing
// (tolerance 1e-5 relative + 1e-6 absolute, against microprop): the weights and biases after
// 10 online steps, the outputs of 4 predictions, the weights after 2 mini-batches. FANN takes
// part with a linear output layer and, per sample, the desired output z - softmax(z) + y
// (z: FANN's own output for that sample): its MSE delta desired - z is then y - softmax(z),
// exactly softmax/cross-entropy's, so FANN's own fann_train and fann_train_epoch (batch)
// code must reproduce the softmax network's updates. This also checks the eta matching of
// the batch update. (FANN clips a sigmoid's derivative to activations in [0.01, 0.99];
// with these weights and inputs that stays within the tolerance.) Abort if any peer differs:
// nobody wins by doing less. At the end it prints, per kind, the median CPU time of each peer
// per shape (the mean of the runs without repetitions) and its ratio to microprop. For
// JSON use --benchmark_out=<file> --benchmark_out_format=json, or --benchmark_format=json
// (then the checks go to stderr and there are no tables: stdout stays JSON).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <unistd.h>

#ifdef MICROPROP_BENCH_HAVE_FANN
#include <floatfann.h>
#endif

#include "bench_support.hpp"
#include "microprop/microprop.hpp"

#include "peer_eigen.hpp"
#include "peer_plain_loop.hpp"
#ifdef MICROPROP_BENCH_HAVE_TORCH
#include "peer_torch.hpp"
#endif

namespace {

using microprop::Dense;
using microprop::Sigmoid;
using microprop::Softmax;
using microprop_bench::aligned_floats;
namespace peers = microprop_bench_peers;

constexpr std::size_t sample_count = 64;  // a power of two: the cycle is a mask
constexpr std::size_t batch = 32;         // sample_count / batch mini-batches
constexpr std::size_t batches = sample_count / batch;
constexpr float eta = 0.01f;

// Where the equality checks and the tables go: stdout under the console format, stderr when
// --benchmark_format asks for JSON or CSV on stdout (which must stay parseable).
FILE* info = stdout;

// --- the common currency: samples and unpadded row-major parameters -----------------------

struct sample_set {
    std::size_t inputs, classes;
    aligned_floats x, targets;  // one-hot targets, for FANN
    std::uint32_t labels[sample_count];

    sample_set(std::size_t n_inputs, std::size_t n_classes)
        : inputs(n_inputs), classes(n_classes), x(sample_count * n_inputs),
          targets(sample_count * n_classes), labels{} {
        std::mt19937 rng(static_cast<std::uint32_t>(n_inputs));
        microprop_bench::fill_uniform(x.data(), sample_count * n_inputs, 0.0f, 1.0f, rng);
        std::uniform_int_distribution<std::uint32_t> label(0, static_cast<std::uint32_t>(n_classes) - 1);
        for (std::size_t s = 0; s < sample_count; ++s) {
            labels[s] = label(rng);
            targets[s * n_classes + labels[s]] = 1.0f;
        }
    }
    const float* input(std::size_t i) const { return x.data() + i * inputs; }
    float* target(std::size_t i) { return targets.data() + i * classes; }
};

struct params {
    std::vector<std::size_t> sizes;  // inputs, then the outputs of each layer
    std::vector<std::vector<float>> W, b;

    std::size_t layers() const { return sizes.size() - 1; }
    std::size_t weights() const {
        std::size_t n = 0;
        for (std::size_t l = 0; l < layers(); ++l) n += sizes[l] * sizes[l + 1];
        return n;
    }
    // The same shape, zero-filled.
    params blank() const {
        params p{sizes, {}, {}};
        for (std::size_t l = 0; l < layers(); ++l) {
            p.W.emplace_back(sizes[l] * sizes[l + 1], 0.0f);
            p.b.emplace_back(sizes[l + 1], 0.0f);
        }
        return p;
    }
    std::vector<const float*> W_ptrs() const { return ptrs<const float>(W); }
    std::vector<const float*> b_ptrs() const { return ptrs<const float>(b); }
    std::vector<float*> W_ptrs() { return ptrs<float>(W); }
    std::vector<float*> b_ptrs() { return ptrs<float>(b); }
    std::string name() const {
        std::string s;
        for (std::size_t n : sizes) s += (s.empty() ? "" : "-") + std::to_string(n);
        return s;
    }

private:
    template <class T, class V>
    static std::vector<T*> ptrs(V& v) {
        std::vector<T*> p;
        for (auto& e : v) p.push_back(e.data());
        return p;
    }
};

template <class Net>
params params_of(Net& net) {
    params p;
    p.sizes.push_back(net.input_size());
    for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
        const microprop::layer_params lp = net.layer(l);
        p.sizes.push_back(lp.rows);
        p.W.emplace_back(lp.rows * lp.cols);
        p.b.emplace_back(lp.bias, lp.bias + lp.rows);
        for (std::size_t r = 0; r < lp.rows; ++r)
            for (std::size_t c = 0; c < lp.cols; ++c) p.W.back()[r * lp.cols + c] = lp.weights[r * lp.stride + c];
    }
    return p;
}

void softmax_into(const float* z, std::size_t n, float* y) {
    float m = z[0];
    for (std::size_t j = 1; j < n; ++j) m = z[j] > m ? z[j] : m;
    float sum = 0.0f;
    for (std::size_t j = 0; j < n; ++j) {
        y[j] = std::exp(z[j] - m);
        sum += y[j];
    }
    const float inv = 1.0f / sum;
    for (std::size_t j = 0; j < n; ++j) y[j] *= inv;
}

// --- microprop ------------------------------------------------------------------------------

// train_then_predict(label, eta, x_next) where the network API has it.
template <class Net, class = void>
struct has_pipelined : std::false_type {};
template <class Net>
struct has_pipelined<Net, std::void_t<decltype(std::declval<Net&>().train_then_predict(
                              std::uint32_t{}, float{}, static_cast<const float*>(nullptr)))>>
    : std::true_type {};

template <std::uint32_t Inputs, class... Layers>
struct shape {
    using online = microprop::Mlp<Inputs, Layers...>;
    using batched = microprop::MiniBatchMlp<Inputs, Layers...>;
    static constexpr bool pipelined = has_pipelined<online>::value;
};

// --- the plain loop: its storage here, its code in peer_plain_loop.cpp ----------------------

struct plain_owner {
    params p, gradients;
    std::vector<std::vector<float>> a, d;
    peers::plain_net net{};

    explicit plain_owner(const params& initial) : p(initial), gradients(initial.blank()) {
        net.layer_count = p.layers();
        for (std::size_t l = 0; l < p.layers(); ++l) {
            a.emplace_back(p.sizes[l + 1], 0.0f);
            d.emplace_back(p.sizes[l + 1], 0.0f);
        }
        for (std::size_t l = 0; l < p.layers(); ++l)
            net.layers[l] = {p.sizes[l],          p.sizes[l + 1],     p.W[l].data(),
                             p.b[l].data(),       a[l].data(),        d[l].data(),
                             gradients.W[l].data(), gradients.b[l].data()};
    }
    plain_owner(const plain_owner&) = delete;
    plain_owner& operator=(const plain_owner&) = delete;
    const float* output() const { return a.back().data(); }
};

// --- Eigen, through its C-style interface --------------------------------------------------

struct eigen_owner {
    const microprop_peer_eigen_api* api;
    void* net;

    eigen_owner(const microprop_peer_eigen_api* which, const params& p) : api(which) {
        net = api->create(p.layers(), p.sizes.data(), p.W_ptrs().data(), p.b_ptrs().data(), batch);
        if (net == nullptr) {
            std::fprintf(stderr, "bench_peers: the Eigen peer was not compiled for %s\n", p.name().c_str());
            std::abort();
        }
    }
    ~eigen_owner() { api->destroy(net); }
    eigen_owner(const eigen_owner&) = delete;
    eigen_owner& operator=(const eigen_owner&) = delete;
    params read(const params& shape_of) const {
        params p = shape_of.blank();
        api->read(net, p.W_ptrs().data(), p.b_ptrs().data());
        return p;
    }
};

// --- FANN -------------------------------------------------------------------------------------

#ifdef MICROPROP_BENCH_HAVE_FANN
enum class fann_output { sigmoid, linear };

struct fann_owner {
    struct fann* ann;
    std::vector<std::size_t> first;  // global number of each layer's first neuron
    struct fann_train_data* data[batches] = {};

    fann_owner(const params& p, fann_output out) {
        std::vector<unsigned> n(p.sizes.begin(), p.sizes.end());
        ann = fann_create_standard_array(static_cast<unsigned>(n.size()), n.data());
        if (ann == nullptr) {
            std::fprintf(stderr, "bench_peers: fann_create_standard failed\n");
            std::abort();
        }
        fann_set_activation_function_hidden(ann, FANN_SIGMOID);
        fann_set_activation_steepness_hidden(ann, 0.5f);  // 1 / (1 + exp(-2 * 0.5 * z))
        if (out == fann_output::sigmoid) {
            fann_set_activation_function_output(ann, FANN_SIGMOID);
            fann_set_activation_steepness_output(ann, 0.5f);
        } else {
            fann_set_activation_function_output(ann, FANN_LINEAR);  // z itself
            fann_set_activation_steepness_output(ann, 1.0f);
        }
        fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
        fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
        fann_set_learning_rate(ann, eta);
        fann_set_learning_momentum(ann, 0.0f);
        // FANN numbers the neurons globally, layer after layer, each layer ending with its
        // bias neuron.
        std::size_t k = 0;
        for (std::size_t s : p.sizes) {
            first.push_back(k);
            k += s + 1;
        }
        set_weights(p);
    }
    ~fann_owner() {
        for (auto* d : data)
            if (d != nullptr) fann_destroy_train(d);
        fann_destroy(ann);
    }
    fann_owner(const fann_owner&) = delete;
    fann_owner& operator=(const fann_owner&) = delete;

    // The parameter a connection stands for.
    float& param_for(params& p, unsigned from, unsigned to) const {
        std::size_t l = 1;
        while (l + 1 < first.size() && to >= first[l + 1]) ++l;
        const std::size_t j = to - first[l], i = from - first[l - 1];
        return i == p.sizes[l - 1] ? p.b[l - 1][j] : p.W[l - 1][j * p.sizes[l - 1] + i];
    }
    std::size_t expected_connections(const params& p) const {
        std::size_t n = 0;
        for (std::size_t l = 0; l < p.layers(); ++l) n += (p.sizes[l] + 1) * p.sizes[l + 1];
        return n;
    }
    // fann_get_connection_array lists the connections in the order of ann->weights, so the
    // weights are written there directly (fann_set_weight_array searches every connection
    // for each one it sets: quadratic, minutes for 784-128-10).
    void set_weights(const params& initial) {
        params p = initial;
        const unsigned count = fann_get_total_connections(ann);
        if (count != expected_connections(p)) {
            std::fprintf(stderr, "bench_peers: FANN has %u connections, expected %zu\n", count,
                         expected_connections(p));
            std::abort();
        }
        std::vector<struct fann_connection> c(count);
        fann_get_connection_array(ann, c.data());
        for (unsigned k = 0; k < count; ++k) ann->weights[k] = param_for(p, c[k].from_neuron, c[k].to_neuron);
        if (!(read(p) == std::make_pair(initial.W, initial.b))) {
            std::fprintf(stderr, "bench_peers: FANN's weights did not map\n");
            std::abort();
        }
    }
    // Read back through the API.
    std::pair<std::vector<std::vector<float>>, std::vector<std::vector<float>>> read(params p) const {
        const unsigned count = fann_get_total_connections(ann);
        std::vector<struct fann_connection> c(count);
        fann_get_connection_array(ann, c.data());
        for (unsigned k = 0; k < count; ++k) param_for(p, c[k].from_neuron, c[k].to_neuron) = c[k].weight;
        return {p.W, p.b};
    }
    params read_params(const params& shape_of) const {
        auto wb = read(shape_of.blank());
        return params{shape_of.sizes, wb.first, wb.second};
    }

    // The mini-batches as fann_train_data, desired outputs from `targets` (one-hot unless
    // set otherwise), for fann_train_epoch with FANN_TRAIN_BATCH.
    void make_batches(const sample_set& s, const float* targets) {
        for (std::size_t k = 0; k < batches; ++k) {
            data[k] = fann_create_train(static_cast<unsigned>(batch), static_cast<unsigned>(s.inputs),
                                        static_cast<unsigned>(s.classes));
            for (std::size_t i = 0; i < batch; ++i) {
                const std::size_t n = k * batch + i;
                for (std::size_t c = 0; c < s.inputs; ++c) data[k]->input[i][c] = s.input(n)[c];
                for (std::size_t c = 0; c < s.classes; ++c) data[k]->output[i][c] = targets[n * s.classes + c];
            }
        }
        fann_set_training_algorithm(ann, FANN_TRAIN_BATCH);
    }
};

// The desired output that makes FANN's linear-output MSE delta (desired - z) equal to
// softmax/cross-entropy's -(softmax(z) - y): desired = z - softmax(z) + y.
void softmax_desired(struct fann* ann, const float* x, std::uint32_t label, std::size_t classes,
                     float* desired) {
    const fann_type* z = fann_run(ann, const_cast<fann_type*>(x));
    std::vector<float> p(classes);
    softmax_into(z, classes, p.data());
    for (std::size_t j = 0; j < classes; ++j) desired[j] = z[j] - p[j] + (j == label ? 1.0f : 0.0f);
}
#endif

// --- the benchmarks ---------------------------------------------------------------------------

const char* const kinds[] = {"train_step", "predict", "minibatch32"};
const char* const peer_names[] = {"microprop", "microprop_pipelined", "fann", "eigen",
                                  "eigen_native", "plain_loop", "torch", "ceiling"};
enum class kind { train_step, predict, minibatch };
enum class peer { microprop, microprop_pipelined, fann, eigen, eigen_native, plain_loop, torch, ceiling };

const microprop_peer_eigen_api* eigen_build(peer who) {
    return who == peer::eigen ? microprop_peer_eigen_default() : microprop_peer_eigen_native();
}

// What one shape's benchmarks share: the initial parameters and the samples.
struct shape_data {
    params initial;
    sample_set samples;
    explicit shape_data(params p) : initial(std::move(p)), samples(initial.sizes.front(), initial.sizes.back()) {}
};

template <class Shape>
void run_microprop(benchmark::State& state, kind what, bool pipelined, shape_data& sd) {
    const sample_set& data = sd.samples;
    std::size_t i = 0;
    microprop::status s = microprop::status::ok;
    if (what == kind::minibatch) {
        const auto net = std::make_unique<typename Shape::batched>(1);
        for (auto _ : state) {
            const std::size_t first = i * batch;
            for (std::size_t k = 0; k < batch && s == microprop::status::ok; ++k)
                s = net->accumulate(data.input(first + k), data.labels[first + k]);
            if (s == microprop::status::ok) s = net->apply_batch(eta);
            if (s != microprop::status::ok) break;
            i = (i + 1) % batches;
        }
    } else {
        const auto net = std::make_unique<typename Shape::online>(1);
        float y[16];
        if (what == kind::predict) {
            for (auto _ : state) {
                s = net->predict(data.input(i), y);
                benchmark::DoNotOptimize(y);
                if (s != microprop::status::ok) break;
                i = (i + 1) & (sample_count - 1);
            }
        } else if (!pipelined) {
            for (auto _ : state) {
                s = net->train_step(data.input(i), data.labels[i], eta);
                if (s != microprop::status::ok) break;
                i = (i + 1) & (sample_count - 1);
            }
        } else {
            if constexpr (Shape::pipelined) {
                s = net->predict(data.input(0));
                for (auto _ : state) {
                    const std::size_t next = (i + 1) & (sample_count - 1);
                    s = net->train_then_predict(data.labels[i], eta, data.input(next));
                    if (s != microprop::status::ok) break;
                    i = next;
                }
            }
        }
    }
    if (s != microprop::status::ok) state.SkipWithError(microprop::status_message(s));
}

template <class Shape>
void run(benchmark::State& state, kind what, peer who, shape_data& sd) {
    const params& initial = sd.initial;
    sample_set& data = sd.samples;
    const std::size_t classes = initial.sizes.back();
    std::size_t i = 0;
    switch (who) {
        case peer::microprop:
        case peer::microprop_pipelined:
            run_microprop<Shape>(state, what, who == peer::microprop_pipelined, sd);
            break;
        case peer::fann: {
#ifdef MICROPROP_BENCH_HAVE_FANN
            fann_owner f(initial, what == kind::predict ? fann_output::linear : fann_output::sigmoid);
            if (what == kind::train_step) {
                for (auto _ : state) {
                    fann_train(f.ann, const_cast<float*>(data.input(i)), data.target(i));
                    i = (i + 1) & (sample_count - 1);
                }
            } else if (what == kind::predict) {
                float y[16];
                for (auto _ : state) {
                    softmax_into(fann_run(f.ann, const_cast<float*>(data.input(i))), classes, y);
                    benchmark::DoNotOptimize(y);
                    i = (i + 1) & (sample_count - 1);
                }
            } else {
                f.make_batches(data, data.targets.data());
                for (auto _ : state) {
                    benchmark::DoNotOptimize(fann_train_epoch(f.ann, f.data[i]));
                    i = (i + 1) % batches;
                }
            }
#else
            state.SkipWithError("built without FANN (libfann-dev not found)");
#endif
            break;
        }
        case peer::eigen:
        case peer::eigen_native: {
            eigen_owner e(eigen_build(who), initial);
            const microprop_peer_eigen_api& api = *e.api;
            if (what == kind::train_step) {
                for (auto _ : state) {
                    api.train_step(e.net, data.input(i), data.labels[i], eta);
                    benchmark::ClobberMemory();
                    i = (i + 1) & (sample_count - 1);
                }
            } else if (what == kind::predict) {
                for (auto _ : state) {
                    benchmark::DoNotOptimize(api.predict(e.net, data.input(i)));
                    benchmark::ClobberMemory();
                    i = (i + 1) & (sample_count - 1);
                }
            } else {
                for (auto _ : state) {
                    api.minibatch(e.net, data.input(i * batch), data.labels + i * batch, eta);
                    benchmark::ClobberMemory();
                    i = (i + 1) % batches;
                }
            }
            break;
        }
        case peer::plain_loop: {
            plain_owner p(initial);
            if (what == kind::train_step) {
                for (auto _ : state) {
                    peers::plain_train_step(p.net, data.input(i), data.labels[i], eta);
                    i = (i + 1) & (sample_count - 1);
                }
            } else if (what == kind::predict) {
                for (auto _ : state) {
                    peers::plain_predict(p.net, data.input(i));
                    benchmark::ClobberMemory();
                    i = (i + 1) & (sample_count - 1);
                }
            } else {
                for (auto _ : state) {
                    peers::plain_minibatch(p.net, data.input(i * batch), data.labels + i * batch, batch, eta);
                    i = (i + 1) % batches;
                }
            }
            break;
        }
        case peer::torch: {
#ifdef MICROPROP_BENCH_HAVE_TORCH
            peers::torch_peer t(initial.layers(), initial.sizes.data(), initial.W_ptrs().data(),
                                initial.b_ptrs().data(), eta, data.x.data(), data.labels, sample_count,
                                batch);
            if (what == kind::train_step) {
                for (auto _ : state) {
                    t.train_step(i);
                    i = (i + 1) & (sample_count - 1);
                }
            } else if (what == kind::predict) {
                for (auto _ : state) {
                    benchmark::DoNotOptimize(t.predict(i));
                    i = (i + 1) & (sample_count - 1);
                }
            } else {
                for (auto _ : state) {
                    t.minibatch(i);
                    i = (i + 1) % batches;
                }
            }
#else
            state.SkipWithError("built without libtorch (-DMICROPROP_BENCH_TORCH=ON)");
#endif
            break;
        }
        case peer::ceiling: {
            aligned_floats w(initial.weights());
            std::size_t k = 0;
            for (const auto& W : initial.W)
                for (float v : W) w[k++] = v;
            for (auto _ : state) {
                benchmark::DoNotOptimize(peers::stream_read(w.data(), initial.weights()));
                if (what == kind::train_step) peers::stream_read_write(w.data(), initial.weights());
                benchmark::ClobberMemory();
            }
            break;
        }
    }
    const double samples = what == kind::minibatch ? static_cast<double>(batch) : 1.0;
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(samples));
    state.counters["ns_per_weight"] =
        microprop_bench::ns_per(static_cast<double>(initial.weights()) * samples);
}

bool applies(kind what, peer who, bool pipelined) {
    if (who == peer::microprop_pipelined) return what == kind::train_step && pipelined;
    if (who == peer::ceiling) return what != kind::minibatch;
#ifndef MICROPROP_BENCH_HAVE_TORCH
    if (who == peer::torch) return false;
#endif
#ifndef MICROPROP_BENCH_HAVE_FANN
    if (who == peer::fann) return false;
#endif
    return true;
}

std::vector<std::string> shape_names;

template <class Shape>
void register_shape() {
    typename Shape::online net(1);
    const auto sd = std::make_shared<shape_data>(params_of(net));
    const std::string shape_name = sd->initial.name();
    shape_names.push_back(shape_name);
    for (int k = 0; k < 3; ++k) {
        for (int w = 0; w < 8; ++w) {
            const kind what = static_cast<kind>(k);
            const peer who = static_cast<peer>(w);
            if (!applies(what, who, Shape::pipelined)) continue;
            const std::string name = std::string(kinds[k]) + "/" + peer_names[w] + "/" + shape_name;
            benchmark::RegisterBenchmark(name.c_str(), [what, who, sd](benchmark::State& st) {
                run<Shape>(st, what, who, *sd);
            });
        }
    }
}

// --- the equality checks, before anything is timed -----------------------------------------

bool close(const float* a, const float* b, std::size_t n, const std::string& what, const char* who) {
    for (std::size_t k = 0; k < n; ++k) {
        if (!(std::fabs(a[k] - b[k]) <= 1e-5f * std::fabs(a[k]) + 1e-6f)) {
            std::fprintf(stderr, "bench_peers: %s[%zu]: microprop %.9g, %s %.9g\n", what.c_str(), k,
                         static_cast<double>(a[k]), who, static_cast<double>(b[k]));
            return false;
        }
    }
    return true;
}

bool same(const params& a, const params& b, const char* who, const std::string& context) {
    for (std::size_t l = 0; l < a.layers(); ++l) {
        const std::string L = std::to_string(l + 1);
        if (!close(a.W[l].data(), b.W[l].data(), a.W[l].size(), context + " W" + L, who) ||
            !close(a.b[l].data(), b.b[l].data(), a.b[l].size(), context + " b" + L, who))
            return false;
    }
    return true;
}

struct verdict {
    std::string agreed;
    bool ok = true;
    void add(const char* who, bool same_result) {
        if (same_result)
            agreed += std::string(agreed.empty() ? "" : ", ") + who;
        else
            ok = false;
    }
};

constexpr std::size_t check_steps = 10, check_predictions = 4;

template <class Shape>
void check_shape() {
    typename Shape::online reference_net(1);
    const params initial = params_of(reference_net);
    const std::string name = initial.name();
    sample_set data(initial.sizes.front(), initial.sizes.back());
    const std::size_t classes = initial.sizes.back();
    bool all_ok = true;

    // 1. train_step: 10 online steps.
    {
        const auto net = std::make_unique<typename Shape::online>(1);
        for (std::size_t s = 0; s < check_steps; ++s) {
            if (net->train_step(data.input(s), data.labels[s], eta) != microprop::status::ok) {
                std::fprintf(stderr, "bench_peers: microprop refused step %zu on %s\n", s, name.c_str());
                std::abort();
            }
        }
        const params ref = params_of(*net);
        const std::string ctx = "train_step/" + name + ": after 10 steps,";
        verdict v;
        if constexpr (Shape::pipelined) {
            const auto pipe = std::make_unique<typename Shape::online>(1);
            bool ok = pipe->predict(data.input(0)) == microprop::status::ok;
            for (std::size_t s = 0; s < check_steps && ok; ++s)
                ok = pipe->train_then_predict(data.labels[s], eta, data.input(s + 1)) == microprop::status::ok;
            v.add("microprop_pipelined", ok && same(ref, params_of(*pipe), "microprop_pipelined", ctx));
        }
        for (peer who : {peer::eigen, peer::eigen_native}) {
            eigen_owner e(eigen_build(who), initial);
            for (std::size_t s = 0; s < check_steps; ++s) e.api->train_step(e.net, data.input(s), data.labels[s], eta);
            v.add(peer_names[static_cast<int>(who)], same(ref, e.read(initial), peer_names[static_cast<int>(who)], ctx));
        }
        {
            plain_owner p(initial);
            for (std::size_t s = 0; s < check_steps; ++s) peers::plain_train_step(p.net, data.input(s), data.labels[s], eta);
            v.add("plain_loop", same(ref, p.p, "plain_loop", ctx));
        }
#ifdef MICROPROP_BENCH_HAVE_FANN
        {
            fann_owner f(initial, fann_output::linear);
            std::vector<float> desired(classes);
            for (std::size_t s = 0; s < check_steps; ++s) {
                softmax_desired(f.ann, data.input(s), data.labels[s], classes, desired.data());
                fann_train(f.ann, const_cast<float*>(data.input(s)), desired.data());
            }
            v.add("fann", same(ref, f.read_params(initial), "fann", ctx));
        }
#endif
#ifdef MICROPROP_BENCH_HAVE_TORCH
        {
            peers::torch_peer t(initial.layers(), initial.sizes.data(), initial.W_ptrs().data(),
                                initial.b_ptrs().data(), eta, data.x.data(), data.labels, sample_count, batch);
            for (std::size_t s = 0; s < check_steps; ++s) t.train_step(s);
            params got = initial.blank();
            t.read(got.W_ptrs().data(), got.b_ptrs().data());
            v.add("torch", same(ref, got, "torch", ctx));
        }
#endif
        std::fprintf(info, "equality check train_step/%s: after %zu steps, %s agree with microprop%s\n", name.c_str(),
                    check_steps, v.agreed.c_str(),
                    Shape::pipelined ? "" : " (microprop_pipelined: not in this microprop's API)");
        all_ok = all_ok && v.ok;
    }

    // 2. predict: the outputs for 4 samples.
    {
        verdict v;
        eigen_owner e0(microprop_peer_eigen_default(), initial), e1(microprop_peer_eigen_native(), initial);
        plain_owner p(initial);
#ifdef MICROPROP_BENCH_HAVE_FANN
        fann_owner f(initial, fann_output::linear);
#endif
#ifdef MICROPROP_BENCH_HAVE_TORCH
        peers::torch_peer t(initial.layers(), initial.sizes.data(), initial.W_ptrs().data(),
                            initial.b_ptrs().data(), eta, data.x.data(), data.labels, sample_count, batch);
#endif
        bool ok[5] = {true, true, true, true, true};
        for (std::size_t s = 0; s < check_predictions; ++s) {
            float y[16], other[16];
            reference_net.predict(data.input(s), y);
            const std::string ctx = "predict/" + name + ": sample " + std::to_string(s) + " output";
            ok[0] = ok[0] && close(y, e0.api->predict(e0.net, data.input(s)), classes, ctx, "eigen");
            ok[1] = ok[1] && close(y, e1.api->predict(e1.net, data.input(s)), classes, ctx, "eigen_native");
            peers::plain_predict(p.net, data.input(s));
            ok[2] = ok[2] && close(y, p.output(), classes, ctx, "plain_loop");
#ifdef MICROPROP_BENCH_HAVE_FANN
            softmax_into(fann_run(f.ann, const_cast<float*>(data.input(s))), classes, other);
            ok[3] = ok[3] && close(y, other, classes, ctx, "fann");
#endif
#ifdef MICROPROP_BENCH_HAVE_TORCH
            ok[4] = ok[4] && close(y, t.predict(s), classes, ctx, "torch");
#endif
            (void)other;
        }
        v.add("eigen", ok[0]);
        v.add("eigen_native", ok[1]);
        v.add("plain_loop", ok[2]);
#ifdef MICROPROP_BENCH_HAVE_FANN
        v.add("fann", ok[3]);
#endif
#ifdef MICROPROP_BENCH_HAVE_TORCH
        v.add("torch", ok[4]);
#endif
        std::fprintf(info, "equality check predict/%s: the outputs of %zu samples from %s agree with microprop\n",
                    name.c_str(), check_predictions, v.agreed.c_str());
        all_ok = all_ok && v.ok;
    }

    // 3. minibatch32: two mini-batches (samples 0-31, then 32-63).
    {
        const auto net = std::make_unique<typename Shape::batched>(1);
        if (!same(initial, params_of(*net), "MiniBatchMlp", "minibatch32/" + name + ": initial weights,")) {
            std::fprintf(stderr, "bench_peers: MiniBatchMlp(1) and Mlp(1) start from different weights\n");
            std::abort();
        }
        for (std::size_t k = 0; k < batches; ++k) {
            microprop::status s = microprop::status::ok;
            for (std::size_t n = k * batch; n < (k + 1) * batch && s == microprop::status::ok; ++n)
                s = net->accumulate(data.input(n), data.labels[n]);
            if (s == microprop::status::ok) s = net->apply_batch(eta);
            if (s != microprop::status::ok) {
                std::fprintf(stderr, "bench_peers: microprop refused mini-batch %zu on %s\n", k, name.c_str());
                std::abort();
            }
        }
        const params ref = params_of(*net);
        const std::string ctx = "minibatch32/" + name + ": after 2 batches,";
        verdict v;
        for (peer who : {peer::eigen, peer::eigen_native}) {
            eigen_owner e(eigen_build(who), initial);
            for (std::size_t k = 0; k < batches; ++k)
                e.api->minibatch(e.net, data.input(k * batch), data.labels + k * batch, eta);
            v.add(peer_names[static_cast<int>(who)], same(ref, e.read(initial), peer_names[static_cast<int>(who)], ctx));
        }
        {
            plain_owner p(initial);
            for (std::size_t k = 0; k < batches; ++k)
                peers::plain_minibatch(p.net, data.input(k * batch), data.labels + k * batch, batch, eta);
            v.add("plain_loop", same(ref, p.p, "plain_loop", ctx));
        }
#ifdef MICROPROP_BENCH_HAVE_FANN
        {
            fann_owner f(initial, fann_output::linear);
            std::vector<float> desired(sample_count * classes);
            f.make_batches(data, desired.data());
            for (std::size_t k = 0; k < batches; ++k) {
                // The weights stay put during a batch epoch: every desired output can be
                // computed up front from the weights the epoch starts with.
                for (std::size_t i = 0; i < batch; ++i)
                    softmax_desired(f.ann, data.input(k * batch + i), data.labels[k * batch + i], classes,
                                    f.data[k]->output[i]);
                fann_train_epoch(f.ann, f.data[k]);
            }
            v.add("fann", same(ref, f.read_params(initial), "fann", ctx));
        }
#endif
#ifdef MICROPROP_BENCH_HAVE_TORCH
        {
            peers::torch_peer t(initial.layers(), initial.sizes.data(), initial.W_ptrs().data(),
                                initial.b_ptrs().data(), eta, data.x.data(), data.labels, sample_count, batch);
            for (std::size_t k = 0; k < batches; ++k) t.minibatch(k);
            params got = initial.blank();
            t.read(got.W_ptrs().data(), got.b_ptrs().data());
            v.add("torch", same(ref, got, "torch", ctx));
        }
#endif
        std::fprintf(info, "equality check minibatch32/%s: after %zu batches, %s agree with microprop\n", name.c_str(),
                    batches, v.agreed.c_str());
        all_ok = all_ok && v.ok;
    }

    if (!all_ok) {
        std::fflush(stdout);
        std::fprintf(stderr,
                     "bench_peers: the implementations disagree on %s (tolerance 1e-5 relative + "
                     "1e-6 absolute); refusing to benchmark\n",
                     name.c_str());
        std::abort();
    }
}

// --- the summary tables ---------------------------------------------------------------------

// Console output as usual, and the CPU time of each benchmark kept for the tables (the
// machines are shared: wall time also counts other processes' turns): the median
// aggregate when there are repetitions, otherwise the mean of the runs. Colour only on a
// terminal (a display reporter passed to RunSpecifiedBenchmarks does not see
// --benchmark_color).
class collecting_reporter : public benchmark::ConsoleReporter {
public:
    collecting_reporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
    void ReportRuns(const std::vector<Run>& reports) override {
        benchmark::ConsoleReporter::ReportRuns(reports);
        for (const Run& r : reports) {
            if (r.error_occurred) continue;
            const double ns = r.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(r.time_unit) * 1e9;
            const std::string name = r.run_name.function_name;
            if (r.run_type == Run::RT_Aggregate) {
                if (r.aggregate_name == "median") median_[name] = ns;
            } else {
                sum_[name] += ns;
                count_[name] += 1;
            }
        }
    }
    // Nanoseconds per iteration, or a negative value when the benchmark did not run.
    double time_of(const std::string& name) const {
        const auto m = median_.find(name);
        if (m != median_.end()) return m->second;
        const auto s = sum_.find(name);
        return s == sum_.end() ? -1.0 : s->second / count_.at(name);
    }
    bool any_median() const { return !median_.empty(); }

private:
    std::map<std::string, double> median_, sum_;
    std::map<std::string, int> count_;
};

void print_tables(const collecting_reporter& rep) {
    const char* const units[] = {"ns per step", "ns per prediction", "ns per 32-sample batch"};
    for (int k = 0; k < 3; ++k) {
        std::vector<int> columns;
        for (int w = 0; w < 8; ++w)
            for (const std::string& s : shape_names)
                if (rep.time_of(std::string(kinds[k]) + "/" + peer_names[w] + "/" + s) > 0.0) {
                    columns.push_back(w);
                    break;
                }
        if (columns.empty()) continue;
        std::fprintf(info, "\n%s, %s CPU time in %s (in brackets: peer time / microprop time)\n", kinds[k],
                    rep.any_median() ? "median" : "mean", units[k]);
        std::fprintf(info, "%-16s", "shape");
        for (int w : columns) std::fprintf(info, " %22s", peer_names[w]);
        std::fprintf(info, "\n");
        for (const std::string& s : shape_names) {
            const double base = rep.time_of(std::string(kinds[k]) + "/microprop/" + s);
            std::fprintf(info, "%-16s", s.c_str());
            for (int w : columns) {
                const double t = rep.time_of(std::string(kinds[k]) + "/" + peer_names[w] + "/" + s);
                char cell[64];
                if (t <= 0.0)
                    std::snprintf(cell, sizeof cell, "-");
                else if (base > 0.0)
                    std::snprintf(cell, sizeof cell, "%.1f (%.2fx)", t, t / base);
                else
                    std::snprintf(cell, sizeof cell, "%.1f", t);
                std::fprintf(info, " %22s", cell);
            }
            std::fprintf(info, "\n");
        }
    }
    std::fprintf(info, "\n(FANN's train_step and minibatch32 are sigmoid/MSE steps, the others softmax/"
                "cross-entropy; ceiling: streaming passes over the weights, not a peer.)\n");
}

using shape_small = shape<64, Dense<32, Sigmoid>, Dense<10, Softmax>>;
using shape_mnist = shape<784, Dense<128, Sigmoid>, Dense<10, Softmax>>;
using shape_deep = shape<256, Dense<256, Sigmoid>, Dense<256, Sigmoid>, Dense<10, Softmax>>;

}  // namespace

int main(int argc, char** argv) {
    bool console = true;
    for (int a = 1; a < argc; ++a) {
        const std::string arg = argv[a];
        const std::string flag = "--benchmark_format=";
        if (arg.compare(0, flag.size(), flag) == 0) console = arg.substr(flag.size()) == "console";
    }
    info = console ? stdout : stderr;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#ifdef MICROPROP_BENCH_HAVE_TORCH
    std::fprintf(info, "torch: %s\n", peers::torch_peer::build());  // sets one thread
#endif
    check_shape<shape_small>();
    check_shape<shape_mnist>();
    check_shape<shape_deep>();
#ifdef MICROPROP_BENCH_COMPILER
    benchmark::AddCustomContext("compiler", MICROPROP_BENCH_COMPILER);
    benchmark::AddCustomContext("compiler_flags", MICROPROP_BENCH_FLAGS);
#endif
    benchmark::AddCustomContext("microprop_kernels", microprop::active_kernels().name);
    benchmark::AddCustomContext("microprop_pipelined", shape_small::pipelined ? "yes" : "not in this API");
#ifdef MICROPROP_BENCH_HAVE_FANN
    benchmark::AddCustomContext("fann", "2.2 (floatfann)");
#else
    benchmark::AddCustomContext("fann", "not built");
#endif
    benchmark::AddCustomContext("eigen", microprop_peer_eigen_default()->build());
    benchmark::AddCustomContext("eigen_native", microprop_peer_eigen_native()->build());
#ifdef MICROPROP_BENCH_HAVE_TORCH
    benchmark::AddCustomContext("torch", peers::torch_peer::build());
#else
    benchmark::AddCustomContext("torch", "not built (-DMICROPROP_BENCH_TORCH=ON)");
#endif
    register_shape<shape_small>();
    register_shape<shape_mnist>();
    register_shape<shape_deep>();
    if (!console) {  // JSON or CSV on stdout: Google Benchmark's own reporter, no tables
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
        return 0;
    }
    collecting_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    print_tables(reporter);
    return 0;
}
