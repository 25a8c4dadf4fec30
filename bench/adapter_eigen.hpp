// Eigen behind the peer interface (peer_adapters.hpp), through the C-style table of
// peer_eigen.hpp: Eigen itself is never included here (peer_eigen.hpp says why).
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include "microprop/microprop.hpp"
#include "peer_eigen.hpp"
#include "peers_params.hpp"
#include "peers_workload.hpp"

namespace microprop_bench_peers {

// Which copy of peer_eigen.cpp: microprop_peer_eigen_default (the portable flags) or
// microprop_peer_eigen_native (-march=native).
using eigen_build = const microprop_peer_eigen_api* (*)();

template <eigen_build Build>
class eigen_adapter {
public:
    explicit eigen_adapter(const shape_data& data) : data_(data), api_(Build()) {
        const params& p = data.initial;
        net_ = api_->create(p.layers(), p.sizes.data(), p.W_ptrs().data(), p.b_ptrs().data(), batch);
        if (net_ == nullptr) {
            std::fprintf(stderr, "bench_peers: the Eigen peer was not compiled for %s\n", p.name().c_str());
            std::abort();
        }
    }
    ~eigen_adapter() { api_->destroy(net_); }
    eigen_adapter(const eigen_adapter&) = delete;
    eigen_adapter& operator=(const eigen_adapter&) = delete;

    microprop::status train_step(std::size_t s) {
        api_->train_step(net_, data_.samples.input(s), data_.samples.labels[s], eta);
        return microprop::status::ok;
    }
    microprop::status predict(std::size_t s) {
        output_ = api_->predict(net_, data_.samples.input(s));
        return microprop::status::ok;
    }
    const float* output() const { return output_; }
    microprop::status minibatch(std::size_t k) {
        api_->minibatch(net_, data_.samples.batch_inputs(k), data_.samples.batch_labels(k), eta);
        return microprop::status::ok;
    }
    params parameters() const {
        params p = data_.initial.blank();
        api_->read(net_, p.W_ptrs().data(), p.b_ptrs().data());
        return p;
    }

private:
    const shape_data& data_;
    const microprop_peer_eigen_api* api_;
    void* net_ = nullptr;
    const float* output_ = nullptr;
};

}  // namespace microprop_bench_peers
