// libtorch behind the peer interface (peer_adapters.hpp). Built only with
// -DMICROPROP_BENCH_TORCH=ON; peer_torch.hpp includes nothing of torch, so neither does
// this header.
#pragma once

#include <cstddef>

#include "microprop/microprop.hpp"
#include "peer_torch.hpp"
#include "peers_params.hpp"
#include "peers_workload.hpp"

namespace microprop_bench_peers {

class torch_adapter {
public:
    explicit torch_adapter(const shape_data& data)
        : initial_(data.initial),
          torch_(data.initial.layers(), data.initial.sizes.data(), data.initial.W_ptrs().data(),
                 data.initial.b_ptrs().data(), eta, data.samples.x.data(), data.samples.labels,
                 sample_count, batch) {}

    microprop::status train_step(std::size_t s) {
        torch_.train_step(s);
        return microprop::status::ok;
    }
    microprop::status predict(std::size_t s) {
        output_ = torch_.predict(s);
        return microprop::status::ok;
    }
    const float* output() const { return output_; }
    microprop::status minibatch(std::size_t k) {
        torch_.minibatch(k);
        return microprop::status::ok;
    }
    params parameters() const {
        params p = initial_.blank();
        torch_.read(p.W_ptrs().data(), p.b_ptrs().data());
        return p;
    }

private:
    const params& initial_;
    torch_peer torch_;
    const float* output_ = nullptr;
};

}  // namespace microprop_bench_peers
