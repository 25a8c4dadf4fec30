// microprop's three ways of learning behind the peer interface (peer_adapters.hpp): the
// online network (train_step, predict), the same with the pipelined step, and the
// mini-batch network. The active (best) kernel table runs.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "microprop/microprop.hpp"
#include "peers_params.hpp"
#include "peers_workload.hpp"

namespace microprop_bench_peers {

// Mlp<...>::train_step and predict.
template <class Shape>
class microprop_adapter {
public:
    explicit microprop_adapter(const shape_data& data)
        : samples_(data.samples), net_(std::make_unique<typename Shape::online>(1)) {}

    microprop::status train_step(std::size_t s) {
        return net_->train_step(samples_.input(s), samples_.labels[s], eta);
    }
    microprop::status predict(std::size_t s) { return net_->predict(samples_.input(s), y_); }
    const float* output() const { return y_; }
    params parameters() const { return params_of(*net_); }

private:
    const sample_set& samples_;
    std::unique_ptr<typename Shape::online> net_;  // seed 1: the peers' initial parameters
    float y_[max_classes] = {};
};

// train_step as a stream runs it: predict(x_0) once, then per sample
// train_then_predict(label_s, eta, x_{s+1}), where the update of W_1 and the next forward
// pass share one pass over W_1. Only for shapes whose microprop has it (Shape::pipelined).
template <class Shape>
class microprop_pipelined_adapter {
public:
    explicit microprop_pipelined_adapter(const shape_data& data)
        : samples_(data.samples), net_(std::make_unique<typename Shape::online>(1)) {
        if (net_->predict(samples_.input(0)) != microprop::status::ok) {
            std::fprintf(stderr, "bench_peers: microprop refused to prime the pipelined step\n");
            std::abort();
        }
    }

    // Learns sample s, whose forward pass the previous call (or the constructor) ran.
    microprop::status train_step(std::size_t s) {
        return net_->train_then_predict(samples_.labels[s], eta, samples_.input(next_sample(s)));
    }
    params parameters() const { return params_of(*net_); }

private:
    const sample_set& samples_;
    std::unique_ptr<typename Shape::online> net_;
};

// MiniBatchMlp<...>: accumulate x32, then apply_batch (the mean gradient).
template <class Shape>
class microprop_batch_adapter {
public:
    explicit microprop_batch_adapter(const shape_data& data)
        : samples_(data.samples), net_(std::make_unique<typename Shape::batched>(1)) {}

    microprop::status minibatch(std::size_t k) {
        microprop::status s = microprop::status::ok;
        for (std::size_t i = k * batch; i < (k + 1) * batch && s == microprop::status::ok; ++i)
            s = net_->accumulate(samples_.input(i), samples_.labels[i]);
        return s == microprop::status::ok ? net_->apply_batch(eta) : s;
    }
    params parameters() const { return params_of(*net_); }

private:
    const sample_set& samples_;
    std::unique_ptr<typename Shape::batched> net_;
};

}  // namespace microprop_bench_peers
