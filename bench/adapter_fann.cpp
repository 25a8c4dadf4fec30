// FANN's set-up and its mapping to the peers' parameters (adapter_fann.hpp).
#include "adapter_fann.hpp"

#include <cstdio>
#include <cstdlib>

namespace microprop_bench_peers {

namespace {

[[noreturn]] void fail(const char* why) {
    std::fprintf(stderr, "bench_peers: %s\n", why);
    std::abort();
}

void set_output(struct fann* ann, fann_loss loss) {
    if (loss == fann_loss::sigmoid_mse) {
        fann_set_activation_function_output(ann, FANN_SIGMOID);
        fann_set_activation_steepness_output(ann, 0.5f);
    } else {
        fann_set_activation_function_output(ann, FANN_LINEAR);  // z itself
        fann_set_activation_steepness_output(ann, 1.0f);
    }
}

}  // namespace

fann_network::fann_network(const params& initial, fann_loss loss) : shape_(initial.blank()) {
    std::vector<unsigned> n(initial.sizes.begin(), initial.sizes.end());
    ann_ = fann_create_standard_array(static_cast<unsigned>(n.size()), n.data());
    if (ann_ == nullptr) fail("fann_create_standard failed");
    fann_set_activation_function_hidden(ann_, FANN_SIGMOID);
    fann_set_activation_steepness_hidden(ann_, 0.5f);  // 1 / (1 + exp(-2 * 0.5 * z))
    set_output(ann_, loss);
    fann_set_train_error_function(ann_, FANN_ERRORFUNC_LINEAR);
    fann_set_training_algorithm(ann_, FANN_TRAIN_INCREMENTAL);
    fann_set_learning_rate(ann_, eta);
    fann_set_learning_momentum(ann_, 0.0f);
    // FANN numbers the neurons globally, layer after layer, each layer ending with its
    // bias neuron.
    std::size_t k = 0;
    for (std::size_t s : initial.sizes) {
        first_.push_back(k);
        k += s + 1;
    }
    set_weights(initial);
}

fann_network::~fann_network() { fann_destroy(ann_); }

// The parameter a connection stands for: a connection from a layer's bias neuron is the
// bias of the neuron it leads to.
float& fann_network::param_for(params& p, unsigned from, unsigned to) const {
    std::size_t l = 1;
    while (l + 1 < first_.size() && to >= first_[l + 1]) ++l;
    const std::size_t j = to - first_[l], i = from - first_[l - 1];
    return i == p.sizes[l - 1] ? p.b[l - 1][j] : p.W[l - 1][j * p.sizes[l - 1] + i];
}

std::size_t fann_network::expected_connections() const {
    std::size_t n = 0;
    for (std::size_t l = 0; l < shape_.layers(); ++l) n += (shape_.sizes[l] + 1) * shape_.sizes[l + 1];
    return n;
}

// fann_get_connection_array lists the connections in the order of ann->weights, so the
// weights are written there directly (fann_set_weight_array searches every connection for
// each one it sets: quadratic, minutes for 784-128-10). Read back through the API to prove
// the mapping.
void fann_network::set_weights(const params& initial) {
    const unsigned count = fann_get_total_connections(ann_);
    if (count != expected_connections()) {
        std::fprintf(stderr, "bench_peers: FANN has %u connections, expected %zu\n", count,
                     expected_connections());
        std::abort();
    }
    std::vector<struct fann_connection> c(count);
    fann_get_connection_array(ann_, c.data());
    params p = initial;
    for (unsigned k = 0; k < count; ++k) ann_->weights[k] = param_for(p, c[k].from_neuron, c[k].to_neuron);
    const params back = parameters();
    if (!(back.W == initial.W && back.b == initial.b)) fail("FANN's weights did not map");
}

params fann_network::parameters() const {
    params p = shape_;
    const unsigned count = fann_get_total_connections(ann_);
    std::vector<struct fann_connection> c(count);
    fann_get_connection_array(ann_, c.data());
    for (unsigned k = 0; k < count; ++k) param_for(p, c[k].from_neuron, c[k].to_neuron) = c[k].weight;
    return p;
}

fann_batches::fann_batches(const sample_set& s) {
    for (std::size_t k = 0; k < batches; ++k) {
        data_[k] = fann_create_train(static_cast<unsigned>(batch), static_cast<unsigned>(s.inputs),
                                     static_cast<unsigned>(s.classes));
        if (data_[k] == nullptr) fail("fann_create_train failed");
        for (std::size_t i = 0; i < batch; ++i) {
            const std::size_t n = k * batch + i;
            for (std::size_t c = 0; c < s.inputs; ++c) data_[k]->input[i][c] = s.input(n)[c];
            for (std::size_t c = 0; c < s.classes; ++c) data_[k]->output[i][c] = s.target(n)[c];
        }
    }
}

fann_batches::~fann_batches() {
    for (auto* d : data_)
        if (d != nullptr) fann_destroy_train(d);
}

void softmax_desired(struct fann* ann, const float* x, std::uint32_t label, std::size_t classes,
                     float* desired) {
    const fann_type* z = fann_run(ann, const_cast<fann_type*>(x));
    float p[max_classes];
    softmax_into(z, classes, p);
    for (std::size_t j = 0; j < classes; ++j) desired[j] = z[j] - p[j] + (j == label ? 1.0f : 0.0f);
}

}  // namespace microprop_bench_peers
