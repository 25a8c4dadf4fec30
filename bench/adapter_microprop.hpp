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

// What the three adapters share: the samples, and a network of type Net initialised with
// seed 1, the peers' initial parameters.
template <class Net>
class microprop_network {
public:
    params parameters() const { return params_of(*net_); }

protected:
    explicit microprop_network(const shape_data& data) : samples_(data.samples), net_(std::make_unique<Net>(1)) {}
    const sample_set& samples_;
    std::unique_ptr<Net> net_;  // on the heap: 784-128-10's network is half a megabyte
};

// Mlp<...>::train_step and predict.
template <class Shape>
class microprop_adapter : public microprop_network<typename Shape::online> {
public:
    explicit microprop_adapter(const shape_data& data) : microprop_network<typename Shape::online>(data) {}

    microprop::status train_step(std::size_t s) {
        return this->net_->train_step(this->samples_.input(s), this->samples_.labels[s], eta);
    }
    microprop::status predict(std::size_t s) { return this->net_->predict(this->samples_.input(s), y_); }
    const float* output() const { return y_; }

private:
    float y_[max_classes] = {};
};

// train_step as a stream runs it: predict(x_0) once, then per sample
// train_then_predict(label_s, eta, x_{s+1}), where the update of W_1 and the next forward
// pass share one pass over W_1. Only for shapes whose microprop has it (Shape::pipelined).
template <class Shape>
class microprop_pipelined_adapter : public microprop_network<typename Shape::online> {
public:
    explicit microprop_pipelined_adapter(const shape_data& data)
        : microprop_network<typename Shape::online>(data) {
        if (this->net_->predict(this->samples_.input(0)) != microprop::status::ok) {
            std::fprintf(stderr, "bench_peers: microprop refused to prime the pipelined step\n");
            std::abort();
        }
    }

    // Learns sample s, whose forward pass the previous call (or the constructor) ran.
    microprop::status train_step(std::size_t s) {
        return this->net_->train_then_predict(this->samples_.labels[s], eta, this->samples_.input(next_sample(s)));
    }
};

// MiniBatchMlp<...>: accumulate x32, then apply_batch (the mean gradient).
template <class Shape>
class microprop_batch_adapter : public microprop_network<typename Shape::batched> {
public:
    explicit microprop_batch_adapter(const shape_data& data) : microprop_network<typename Shape::batched>(data) {}

    microprop::status minibatch(std::size_t k) {
        microprop::status s = microprop::status::ok;
        for (std::size_t i = k * batch; i < (k + 1) * batch && s == microprop::status::ok; ++i)
            s = this->net_->accumulate(this->samples_.input(i), this->samples_.labels[i]);
        return s == microprop::status::ok ? this->net_->apply_batch(eta) : s;
    }
};

}  // namespace microprop_bench_peers
