// libtorch (Debian's libtorch-dev, 1.13) as a user of its C++ frontend writes an MLP.
// See peer_torch.hpp.
#include "peer_torch.hpp"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <dlfcn.h>

#include <torch/torch.h>
#include <torch/version.h>

namespace microprop_bench_peers {

struct torch_peer::impl {
    std::vector<torch::nn::Linear> layers;
    std::vector<torch::Tensor> x1, y1;  // per sample: [1, n0] view of the input, [1] label
    std::vector<torch::Tensor> xb, yb;  // per batch: [batch, n0] view, [batch] labels
    std::unique_ptr<torch::optim::SGD> sgd;
    torch::Tensor probabilities;

    torch::Tensor logits(torch::Tensor a) {
        for (std::size_t l = 0; l + 1 < layers.size(); ++l) a = torch::sigmoid(layers[l]->forward(a));
        return layers.back()->forward(a);
    }
    void step(const torch::Tensor& x, const torch::Tensor& y) {
        sgd->zero_grad();
        torch::Tensor loss = torch::nn::functional::cross_entropy(logits(x), y);
        loss.backward();
        sgd->step();
    }
};

namespace {
torch::Tensor view(const float* p, std::int64_t rows, std::int64_t cols) {
    return torch::from_blob(const_cast<float*>(p), {rows, cols}, torch::kFloat32);
}
}  // namespace

torch_peer::torch_peer(std::size_t layer_count, const std::size_t* sizes, const float* const* W,
                       const float* const* b, float eta, const float* x,
                       const std::uint32_t* labels, std::size_t sample_count, std::size_t batch)
    : p_(std::make_unique<impl>()) {
    torch::set_num_threads(1);
    std::vector<torch::Tensor> parameters;
    for (std::size_t l = 0; l < layer_count; ++l) {
        const auto in = static_cast<std::int64_t>(sizes[l]), out = static_cast<std::int64_t>(sizes[l + 1]);
        torch::nn::Linear layer(torch::nn::LinearOptions(in, out));
        {
            torch::NoGradGuard no_grad;
            layer->weight.copy_(view(W[l], out, in));  // torch's layout is [out, in] too
            layer->bias.copy_(view(b[l], 1, out).reshape({out}));
        }
        parameters.push_back(layer->weight);
        parameters.push_back(layer->bias);
        p_->layers.push_back(layer);
    }
    p_->sgd = std::make_unique<torch::optim::SGD>(parameters, torch::optim::SGDOptions(eta));
    const auto n0 = static_cast<std::int64_t>(sizes[0]);
    std::vector<std::int64_t> all(labels, labels + sample_count);
    for (std::size_t s = 0; s < sample_count; ++s) {
        p_->x1.push_back(view(x + s * sizes[0], 1, n0));
        p_->y1.push_back(torch::tensor(std::vector<std::int64_t>{all[s]}, torch::kInt64));
    }
    for (std::size_t k = 0; (k + 1) * batch <= sample_count; ++k) {
        p_->xb.push_back(view(x + k * batch * sizes[0], static_cast<std::int64_t>(batch), n0));
        p_->yb.push_back(torch::tensor(
            std::vector<std::int64_t>(all.begin() + static_cast<std::ptrdiff_t>(k * batch),
                                      all.begin() + static_cast<std::ptrdiff_t>((k + 1) * batch)),
            torch::kInt64));
    }
}

torch_peer::~torch_peer() = default;

void torch_peer::train_step(std::size_t s) { p_->step(p_->x1[s], p_->y1[s]); }

const float* torch_peer::predict(std::size_t s) {
    torch::NoGradGuard no_grad;
    p_->probabilities = torch::softmax(p_->logits(p_->x1[s]), 1);
    return p_->probabilities.data_ptr<float>();
}

void torch_peer::minibatch(std::size_t k) { p_->step(p_->xb[k], p_->yb[k]); }

void torch_peer::read(float* const* W, float* const* b) const {
    for (std::size_t l = 0; l < p_->layers.size(); ++l) {
        const torch::Tensor w = p_->layers[l]->weight.detach().contiguous();
        const torch::Tensor c = p_->layers[l]->bias.detach().contiguous();
        std::memcpy(W[l], w.data_ptr<float>(), static_cast<std::size_t>(w.numel()) * sizeof(float));
        std::memcpy(b[l], c.data_ptr<float>(), static_cast<std::size_t>(c.numel()) * sizeof(float));
    }
}

namespace {
// The file that provides the BLAS sgemm_ libtorch calls. Debian's libtorch links the
// generic libblas.so.3, an alternative that is the slow reference BLAS unless an optimized
// one (libopenblas0, libblis) is installed; it matters for the mini-batch GEMMs.
std::string blas_in_use() {
    void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
    Dl_info info;
    if (sgemm == nullptr || dladdr(sgemm, &info) == 0 || info.dli_fname == nullptr) return "BLAS unknown";
    char resolved[PATH_MAX];
    const char* path = realpath(info.dli_fname, resolved) != nullptr ? resolved : info.dli_fname;
    return std::string("BLAS ") + path;
}
}  // namespace

const char* torch_peer::build() {
    torch::set_num_threads(1);
    static const std::string text = std::string("libtorch ") + TORCH_VERSION + ", " +
                                    std::to_string(torch::get_num_threads()) + " thread(s), " +
                                    blas_in_use();
    return text.c_str();
}

}  // namespace microprop_bench_peers
