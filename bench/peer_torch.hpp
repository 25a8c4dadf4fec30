// The libtorch peer of bench_peers.cpp (built only with -DMICROPROP_BENCH_TORCH=ON). The
// header includes nothing of torch, so the benchmark's own file compiles without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace microprop_bench_peers {

// torch::nn::Linear layers, sigmoid between them, logits out of the last one; training with
// torch::nn::functional::cross_entropy (mean over the batch), backward() and
// torch::optim::SGD (lr eta, no momentum). Runs on one thread (torch::set_num_threads(1)),
// like every other peer.
class torch_peer {
public:
    // sizes[0] inputs, sizes[l + 1] outputs of layer l; W[l] row-major sizes[l + 1] x
    // sizes[l] (torch's own [out, in] layout), b[l] sizes[l + 1] floats: copied in.
    // x: sample_count samples of sizes[0] floats, one after the other, and their labels;
    // they must outlive the peer (the input tensors are views of x). Batches are
    // `batch` consecutive samples.
    torch_peer(std::size_t layer_count, const std::size_t* sizes, const float* const* W,
               const float* const* b, float eta, const float* x, const std::uint32_t* labels,
               std::size_t sample_count, std::size_t batch);
    ~torch_peer();
    torch_peer(const torch_peer&) = delete;
    torch_peer& operator=(const torch_peer&) = delete;

    // Forward, cross-entropy, backward, SGD step on sample `s`.
    void train_step(std::size_t s);
    // Probabilities for sample `s` (under NoGradGuard); valid until the next call.
    const float* predict(std::size_t s);
    // One SGD step on the mean loss of batch `k` (samples k * batch ...).
    void minibatch(std::size_t k);
    // The parameters, laid out as for the constructor.
    void read(float* const* W, float* const* b) const;

    // "libtorch 1.13.0, 1 thread".
    static const char* build();

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

}  // namespace microprop_bench_peers
