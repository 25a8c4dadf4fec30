// FANN 2.2 (floatfann) behind the peer interface (peer_adapters.hpp). Built only where
// libfann-dev was found (MICROPROP_BENCH_HAVE_FANN).
//
// FANN has no softmax output, so there are two FANN networks. The timed ones are what a
// FANN user writes: for train_step and minibatch32 a sigmoid output with FANN's MSE error
// (a sigmoid/MSE step: same shapes and weight traffic, a different output delta), for
// predict a linear output followed by a softmax of its 10 values (exactly the softmax
// network). The equality check trains the linear-output network towards, per sample, the
// desired output z - softmax(z) + y (z: FANN's own output for that sample): its MSE delta
// desired - z is then y - softmax(z), exactly softmax/cross-entropy's, so FANN's own
// fann_train and fann_train_epoch (batch) code must reproduce the softmax network's
// updates. FANN's batch update is w += (learning_rate / num_data) * sum of the per-sample
// slopes (fann_update_weights_batch), i.e. already the mean gradient, so its learning rate
// is eta unchanged; the check also verifies that.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <floatfann.h>

#include "microprop/microprop.hpp"
#include "peers_params.hpp"
#include "peers_workload.hpp"

namespace microprop_bench_peers {

enum class fann_loss {
    sigmoid_mse,            // sigmoid output, MSE against the one-hot target: the timed steps
    softmax_cross_entropy,  // linear output, desired z - softmax(z) + y: the softmax network
};

// A FANN network with the peers' parameters copied in: sigmoid hidden layers with
// steepness 0.5 (FANN's sigmoid is 1 / (1 + exp(-2 * steepness * z))), the output that
// `loss` needs, incremental training with learning rate eta and no momentum.
class fann_network {
public:
    fann_network(const params& initial, fann_loss loss);
    ~fann_network();
    fann_network(const fann_network&) = delete;
    fann_network& operator=(const fann_network&) = delete;

    struct fann* ann() const { return ann_; }
    params parameters() const;

private:
    float& param_for(params& p, unsigned from, unsigned to) const;
    std::size_t expected_connections() const;
    void set_weights(const params& initial);

    struct fann* ann_;
    params shape_;                   // zero-filled: the shape parameters() fills
    std::vector<std::size_t> first_;  // global number of each layer's first neuron
};

// The mini-batches as fann_train_data with one-hot desired outputs, for fann_train_epoch.
class fann_batches {
public:
    explicit fann_batches(const sample_set& samples);
    ~fann_batches();
    fann_batches(const fann_batches&) = delete;
    fann_batches& operator=(const fann_batches&) = delete;
    struct fann_train_data* operator[](std::size_t k) const { return data_[k]; }

private:
    struct fann_train_data* data_[batches] = {};
};

// A FANN user's softmax of the linear outputs z (std::exp, the maximum subtracted first).
inline void softmax_into(const float* z, std::size_t n, float* y) {
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

// The desired output that makes FANN's linear-output MSE delta (desired - z) equal to
// softmax/cross-entropy's -(softmax(z) - y): desired = z - softmax(z) + y, with z the
// network's output for x now.
void softmax_desired(struct fann* ann, const float* x, std::uint32_t label, std::size_t classes,
                     float* desired);

// fann_train (FANN_TRAIN_INCREMENTAL) and fann_run. FANN's API takes non-const inputs but
// does not write them.
template <fann_loss Loss>
class fann_adapter {
public:
    explicit fann_adapter(const shape_data& data) : samples_(data.samples), net_(data.initial, Loss) {}

    microprop::status train_step(std::size_t s) {
        float* const x = const_cast<float*>(samples_.input(s));
        if constexpr (Loss == fann_loss::sigmoid_mse) {
            fann_train(net_.ann(), x, const_cast<float*>(samples_.target(s)));
        } else {
            softmax_desired(net_.ann(), x, samples_.labels[s], samples_.classes, desired_);
            fann_train(net_.ann(), x, desired_);
        }
        return microprop::status::ok;
    }
    microprop::status predict(std::size_t s) {
        static_assert(Loss == fann_loss::softmax_cross_entropy, "predictions need the linear output");
        softmax_into(fann_run(net_.ann(), const_cast<float*>(samples_.input(s))), samples_.classes, y_);
        return microprop::status::ok;
    }
    const float* output() const { return y_; }
    params parameters() const { return net_.parameters(); }

private:
    const sample_set& samples_;
    fann_network net_;
    float y_[max_classes] = {}, desired_[max_classes] = {};
};

// fann_train_epoch with FANN_TRAIN_BATCH on one 32-sample fann_train_data.
template <fann_loss Loss>
class fann_batch_adapter {
public:
    explicit fann_batch_adapter(const shape_data& data)
        : samples_(data.samples), net_(data.initial, Loss), batches_(data.samples) {
        fann_set_training_algorithm(net_.ann(), FANN_TRAIN_BATCH);
    }

    microprop::status minibatch(std::size_t k) {
        if constexpr (Loss == fann_loss::softmax_cross_entropy) {
            // The weights stay put during a batch epoch: every desired output can be
            // computed up front from the weights the epoch starts with.
            for (std::size_t i = 0; i < batch; ++i)
                softmax_desired(net_.ann(), samples_.input(k * batch + i), samples_.labels[k * batch + i],
                                samples_.classes, batches_[k]->output[i]);
        }
        fann_train_epoch(net_.ann(), batches_[k]);
        return microprop::status::ok;
    }
    params parameters() const { return net_.parameters(); }

private:
    const sample_set& samples_;
    fann_network net_;
    fann_batches batches_;
};

}  // namespace microprop_bench_peers
