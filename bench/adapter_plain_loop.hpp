// The plain loop behind the peer interface (peer_adapters.hpp): its storage here, its
// code in peer_plain_loop.cpp (the one file built with -march=native, which is why this
// header, compiled with the default flags, is not included there).
#pragma once

#include <cstddef>
#include <vector>

#include "microprop/microprop.hpp"
#include "peer_plain_loop.hpp"
#include "peers_params.hpp"
#include "peers_workload.hpp"

namespace microprop_bench_peers {

class plain_loop_adapter {
public:
    explicit plain_loop_adapter(const shape_data& data)
        : samples_(data.samples), p_(data.initial), gradients_(data.initial.blank()) {
        net_.layer_count = p_.layers();
        for (std::size_t l = 0; l < p_.layers(); ++l) {
            a_.emplace_back(p_.sizes[l + 1], 0.0f);
            d_.emplace_back(p_.sizes[l + 1], 0.0f);
        }
        for (std::size_t l = 0; l < p_.layers(); ++l)
            net_.layers[l] = {p_.sizes[l],        p_.sizes[l + 1],        p_.W[l].data(),
                              p_.b[l].data(),     a_[l].data(),           d_[l].data(),
                              gradients_.W[l].data(), gradients_.b[l].data()};
    }
    // net_ points into the vectors above.
    plain_loop_adapter(const plain_loop_adapter&) = delete;
    plain_loop_adapter& operator=(const plain_loop_adapter&) = delete;

    microprop::status train_step(std::size_t s) {
        plain_train_step(net_, samples_.input(s), samples_.labels[s], eta);
        return microprop::status::ok;
    }
    microprop::status predict(std::size_t s) {
        plain_predict(net_, samples_.input(s));
        return microprop::status::ok;
    }
    const float* output() const { return a_.back().data(); }
    microprop::status minibatch(std::size_t k) {
        plain_minibatch(net_, samples_.batch_inputs(k), samples_.batch_labels(k), batch, eta);
        return microprop::status::ok;
    }
    params parameters() const { return p_; }

private:
    const sample_set& samples_;
    params p_, gradients_;
    std::vector<std::vector<float>> a_, d_;  // activations and deltas per layer
    plain_net net_{};
};

}  // namespace microprop_bench_peers
