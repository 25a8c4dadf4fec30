// The equality check, run per shape before anything is timed: every peer must compute
// what microprop computes (tolerance 1e-5 relative + 1e-6 absolute, against microprop):
// the weights and biases after 10 online steps, the outputs of 4 predictions, the weights
// after 2 mini-batches. FANN takes part through its softmax-equivalent network
// (adapter_fann.hpp), so its own fann_train and fann_train_epoch code must reproduce the
// softmax network's updates. (FANN clips a sigmoid's derivative to activations in
// [0.01, 0.99]; with these weights and inputs that stays within the tolerance.) If any
// peer differs, the run aborts: nobody wins by doing less.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "microprop/microprop.hpp"
#include "peer_adapters.hpp"
#include "peers_params.hpp"
#include "peers_shapes.hpp"
#include "peers_workload.hpp"

namespace microprop_bench_peers {

inline constexpr std::size_t steps_checked = 10, predictions_checked = 4;
inline constexpr float relative_tolerance = 1e-5f, absolute_tolerance = 1e-6f;

// --- what is compared -------------------------------------------------------------------

// The peers compared with microprop, in the order the check's lines name them; each with
// its online adapter (train_step, predict) and its mini-batch adapter.
template <class Online, class Batch = Online>
struct compared_peer {
    using online = Online;
    using batched = Batch;
    const char* name;
};

template <class Visit>
void for_each_compared_peer(Visit&& visit) {
    visit(compared_peer<eigen_adapter<microprop_peer_eigen_default>>{"eigen"});
    visit(compared_peer<eigen_adapter<microprop_peer_eigen_native>>{"eigen_native"});
    visit(compared_peer<plain_loop_adapter>{"plain_loop"});
#ifdef MICROPROP_BENCH_HAVE_FANN
    visit(compared_peer<fann_adapter<fann_loss::softmax_cross_entropy>,
                        fann_batch_adapter<fann_loss::softmax_cross_entropy>>{"fann"});
#endif
#ifdef MICROPROP_BENCH_HAVE_TORCH
    visit(compared_peer<torch_adapter>{"torch"});
#endif
}

// A peer's parameters after `count` steps from the shared start (`step` is
// &Adapter::train_step or &Adapter::minibatch); nothing when it refused one.
template <class Peer>
std::optional<params> parameters_after(const shape_data& data, microprop::status (Peer::*step)(std::size_t),
                                       std::size_t count) {
    Peer peer(data);
    for (std::size_t i = 0; i < count; ++i)
        if ((peer.*step)(i) != microprop::status::ok) return std::nullopt;
    return peer.parameters();
}

template <class Peer>
std::optional<params> after_train_steps(const shape_data& data) {
    return parameters_after<Peer>(data, &Peer::train_step, steps_checked);
}

template <class Peer>
std::optional<params> after_minibatches(const shape_data& data) {
    return parameters_after<Peer>(data, &Peer::minibatch, batches);
}

// The outputs of the first predictions_checked samples, one after the other.
template <class Peer>
std::optional<std::vector<float>> first_predictions(const shape_data& data) {
    Peer peer(data);
    const std::size_t classes = data.samples.classes;
    std::vector<float> y;
    for (std::size_t s = 0; s < predictions_checked; ++s) {
        if (peer.predict(s) != microprop::status::ok) return std::nullopt;
        y.insert(y.end(), peer.output(), peer.output() + classes);
    }
    return y;
}

// --- how it is compared -----------------------------------------------------------------

// Within the tolerance everywhere; the first difference is reported.
inline bool close(const float* ref, const float* got, std::size_t n, const std::string& what, const char* who) {
    for (std::size_t k = 0; k < n; ++k) {
        if (!(std::fabs(ref[k] - got[k]) <= relative_tolerance * std::fabs(ref[k]) + absolute_tolerance)) {
            std::fprintf(stderr, "bench_peers: %s[%zu]: microprop %.9g, %s %.9g\n", what.c_str(), k,
                         static_cast<double>(ref[k]), who, static_cast<double>(got[k]));
            return false;
        }
    }
    return true;
}

inline bool same_params(const params& ref, const params& got, const char* who, const std::string& context) {
    if (got.sizes != ref.sizes) {
        std::fprintf(stderr, "bench_peers: %s %s has another shape\n", context.c_str(), who);
        return false;
    }
    for (std::size_t l = 0; l < ref.layers(); ++l) {
        const std::string L = std::to_string(l + 1);
        if (!close(ref.W[l].data(), got.W[l].data(), ref.W[l].size(), context + " W" + L, who) ||
            !close(ref.b[l].data(), got.b[l].data(), ref.b[l].size(), context + " b" + L, who))
            return false;
    }
    return true;
}

inline bool same_outputs(const std::vector<float>& ref, const std::vector<float>& got, std::size_t classes,
                         const char* who, const std::string& context) {
    for (std::size_t s = 0; s < predictions_checked; ++s) {
        const std::string what = context + " sample " + std::to_string(s) + " output";
        if (!close(ref.data() + s * classes, got.data() + s * classes, classes, what, who)) return false;
    }
    return true;
}

// A refusal is a disagreement too.
template <class T, class Same>
bool agrees(const T& ref, const std::optional<T>& got, const char* who, const std::string& context, Same same) {
    if (!got) {
        std::fprintf(stderr, "bench_peers: %s %s refused a step\n", context.c_str(), who);
        return false;
    }
    return same(ref, *got, who, context);
}

// The peers that agreed, for the check's line, and whether all did.
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

// microprop's own result, without which nothing can be compared.
template <class T>
T reference_or_abort(std::optional<T> ref, const char* what, const std::string& shape_name) {
    if (!ref) {
        std::fprintf(stderr, "bench_peers: microprop refused %s on %s\n", what, shape_name.c_str());
        std::abort();
    }
    return std::move(*ref);
}

// --- the three checks ---------------------------------------------------------------------

template <class Shape>
bool check_train_steps(const shape_data& data, std::FILE* out) {
    const std::string name = data.initial.name();
    const params ref =
        reference_or_abort(after_train_steps<microprop_adapter<Shape>>(data), "a train_step", name);
    const std::string context = "train_step/" + name + ": after " + std::to_string(steps_checked) + " steps,";
    verdict v;
    if constexpr (Shape::pipelined)
        v.add("microprop_pipelined", agrees(ref, after_train_steps<microprop_pipelined_adapter<Shape>>(data),
                                            "microprop_pipelined", context, same_params));
    for_each_compared_peer([&](auto peer) {
        using adapter = typename decltype(peer)::online;
        v.add(peer.name, agrees(ref, after_train_steps<adapter>(data), peer.name, context, same_params));
    });
    std::fprintf(out, "equality check train_step/%s: after %zu steps, %s agree with microprop%s\n", name.c_str(),
                 steps_checked, v.agreed.c_str(),
                 Shape::pipelined ? "" : " (microprop_pipelined: not in this microprop's API)");
    return v.ok;
}

template <class Shape>
bool check_predictions(const shape_data& data, std::FILE* out) {
    const std::string name = data.initial.name();
    const std::vector<float> ref =
        reference_or_abort(first_predictions<microprop_adapter<Shape>>(data), "a prediction", name);
    const std::string context = "predict/" + name + ":";
    const auto same = [&data](const std::vector<float>& r, const std::vector<float>& got, const char* who,
                              const std::string& where) {
        return same_outputs(r, got, data.samples.classes, who, where);
    };
    verdict v;
    for_each_compared_peer([&](auto peer) {
        using adapter = typename decltype(peer)::online;
        v.add(peer.name, agrees(ref, first_predictions<adapter>(data), peer.name, context, same));
    });
    std::fprintf(out, "equality check predict/%s: the outputs of %zu samples from %s agree with microprop\n",
                 name.c_str(), predictions_checked, v.agreed.c_str());
    return v.ok;
}

template <class Shape>
bool check_minibatches(const shape_data& data, std::FILE* out) {
    const std::string name = data.initial.name();
    // The mini-batch network must start where the online one (the peers' start) does.
    if (!same_params(data.initial, microprop_batch_adapter<Shape>(data).parameters(), "MiniBatchMlp",
                     "minibatch32/" + name + ": initial weights,")) {
        std::fprintf(stderr, "bench_peers: MiniBatchMlp(1) and Mlp(1) start from different weights\n");
        std::abort();
    }
    const params ref =
        reference_or_abort(after_minibatches<microprop_batch_adapter<Shape>>(data), "a mini-batch", name);
    const std::string context = "minibatch32/" + name + ": after " + std::to_string(batches) + " batches,";
    verdict v;
    for_each_compared_peer([&](auto peer) {
        using adapter = typename decltype(peer)::batched;
        v.add(peer.name, agrees(ref, after_minibatches<adapter>(data), peer.name, context, same_params));
    });
    std::fprintf(out, "equality check minibatch32/%s: after %zu batches, %s agree with microprop\n", name.c_str(),
                 batches, v.agreed.c_str());
    return v.ok;
}

// All three for one shape, each line printed to `out`; aborts if any peer disagrees.
template <class Shape>
void check_shape(std::FILE* out) {
    const shape_data data(initial_params<Shape>());
    // Every check runs (and prints) even after a failure: the lines say who else disagrees.
    const bool train_ok = check_train_steps<Shape>(data, out);
    const bool predict_ok = check_predictions<Shape>(data, out);
    const bool minibatch_ok = check_minibatches<Shape>(data, out);
    if (train_ok && predict_ok && minibatch_ok) return;
    std::fflush(stdout);
    std::fprintf(stderr,
                 "bench_peers: the implementations disagree on %s (tolerance %g relative + %g absolute); "
                 "refusing to benchmark\n",
                 data.initial.name().c_str(), static_cast<double>(relative_tolerance),
                 static_cast<double>(absolute_tolerance));
    std::abort();
}

}  // namespace microprop_bench_peers
