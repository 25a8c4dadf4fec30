// Eigen 3.4 as a good C++ engineer writes an MLP with it, for bench_peers.cpp.
//
// Built twice (bench/peers.cmake): MICROPROP_PEER_EIGEN_ENTRY names the one exported symbol
// of each copy (microprop_peer_eigen_default / microprop_peer_eigen_native); see
// peer_eigen.hpp for why everything else is hidden.
//
// Per layer: fixed-size matrices where Eigen keeps them on the stack (<=
// EIGEN_STACK_ALLOCATION_LIMIT bytes, so the 64-32-10 net), dynamic ones otherwise
// (784-128-10's W1 is 400 KB); all buffers are sized once, at construction, so a step never
// allocates. Online step: noalias() matrix-vector products and rank-1 updates, array-op
// sigmoid, stable softmax, BP2 from the weights before their update. Mini-batch: the batch
// as a matrix with one sample per column, so forward, BP2 and the weight gradients are
// GEMMs, and the update is W -= (eta / N) Delta A^T.
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

// GCC 12 reports a false "iteration ... invokes undefined behavior" inside Eigen's
// row-major matrix-vector product (a middle-end warning, so the system-header exemption
// does not cover it); silenced for Eigen's own code only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#include <Eigen/Core>
#pragma GCC diagnostic pop

#include "peer_eigen.hpp"

#ifndef MICROPROP_PEER_EIGEN_ENTRY
#error "MICROPROP_PEER_EIGEN_ENTRY must name the entry point of this copy"
#endif

namespace {

template <int Rows, int Cols>
using matrix = std::conditional_t<
    static_cast<long>(Rows) * Cols * static_cast<long>(sizeof(float)) <= EIGEN_STACK_ALLOCATION_LIMIT,
    Eigen::Matrix<float, Rows, Cols, Eigen::RowMajor>,
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <int N>
using vector = Eigen::Matrix<float, N, 1>;
// One sample per column.
using batch_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using batch_row = Eigen::Matrix<float, 1, Eigen::Dynamic>;

template <int In, int Out>
struct layer {
    static constexpr int in = In, out = Out;
    matrix<Out, In> W;
    vector<Out> b, a, d;
    batch_matrix A, D;

    layer(const float* W_data, const float* b_data, int batch)
        : W(Out, In), A(Out, batch), D(Out, batch) {
        W = Eigen::Map<const Eigen::Matrix<float, Out, In, Eigen::RowMajor>>(W_data);
        b = Eigen::Map<const vector<Out>>(b_data);
        a.setZero();
        d.setZero();
        A.setZero();
        D.setZero();
    }
};

struct any_net {
    virtual ~any_net() = default;
    virtual void train_step(const float* x, std::uint32_t label, float eta) = 0;
    virtual const float* predict(const float* x) = 0;
    virtual void minibatch(const float* x, const std::uint32_t* labels, float eta) = 0;
    virtual void read(float* const* W, float* const* b) const = 0;
};

template <int... N>
class net final : public any_net {
    static constexpr int dims[] = {N...};
    static constexpr std::size_t L = sizeof...(N) - 1;  // layers
    template <std::size_t... I>
    static std::tuple<layer<dims[I], dims[I + 1]>...> layers_of(std::index_sequence<I...>);
    using layers_type = decltype(layers_of(std::make_index_sequence<L>{}));
    using input_map = Eigen::Map<const vector<dims[0]>>;
    using batch_input_map = Eigen::Map<const Eigen::Matrix<float, dims[0], Eigen::Dynamic>>;

public:
    net(const float* const* W, const float* const* b, int batch)
        : layers_(make(W, b, batch, std::make_index_sequence<L>{})), batch_(batch), row_(batch) {
        row_.setZero();
    }

    static bool matches(std::size_t layer_count, const std::size_t* sizes) {
        if (layer_count != L) return false;
        for (std::size_t k = 0; k <= L; ++k)
            if (sizes[k] != static_cast<std::size_t>(dims[k])) return false;
        return true;
    }

    void train_step(const float* x_data, std::uint32_t label, float eta) override {
        const input_map x(x_data);
        forward<0>(x);
        auto& top = std::get<L - 1>(layers_);
        top.d = top.a;
        top.d(label) -= 1.0f;  // BP1: yhat - y
        backward<L - 1>(x, eta);
    }

    const float* predict(const float* x_data) override {
        forward<0>(input_map(x_data));
        return std::get<L - 1>(layers_).a.data();
    }

    void minibatch(const float* x_data, const std::uint32_t* labels, float eta) override {
        const batch_input_map X(x_data, dims[0], batch_);
        forward_batch<0>(X);
        auto& top = std::get<L - 1>(layers_);
        top.D = top.A;
        for (int s = 0; s < batch_; ++s) top.D(static_cast<Eigen::Index>(labels[s]), s) -= 1.0f;
        backward_batch<L - 1>(X, eta / static_cast<float>(batch_));
    }

    void read(float* const* W, float* const* b) const override {
        read_layers(W, b, std::make_index_sequence<L>{});
    }

private:
    template <std::size_t... I>
    static layers_type make(const float* const* W, const float* const* b, int batch,
                            std::index_sequence<I...>) {
        return layers_type(std::tuple_element_t<I, layers_type>(W[I], b[I], batch)...);
    }
    template <std::size_t... I>
    void read_layers(float* const* W, float* const* b, std::index_sequence<I...>) const {
        ((Eigen::Map<Eigen::Matrix<float, dims[I + 1], dims[I], Eigen::RowMajor>>(W[I]) =
              std::get<I>(layers_).W,
          Eigen::Map<vector<dims[I + 1]>>(b[I]) = std::get<I>(layers_).b),
         ...);
    }

    // --- one sample ---
    template <std::size_t I, class In>
    void forward(const In& in) {
        auto& l = std::get<I>(layers_);
        l.a.noalias() = l.W * in;
        l.a += l.b;
        if constexpr (I + 1 < L) {
            l.a = (1.0f / (1.0f + (-l.a.array()).exp())).matrix();  // sigmoid
            forward<I + 1>(l.a);
        } else {
            l.a = (l.a.array() - l.a.maxCoeff()).exp().matrix();  // stable softmax
            l.a /= l.a.sum();
        }
    }

    // layers_[I].d holds delta_I; BP2 for the layer below uses W_I before its update.
    template <std::size_t I>
    void backward(const input_map& x, float eta) {
        auto& l = std::get<I>(layers_);
        if constexpr (I > 0) {
            auto& p = std::get<I - 1>(layers_);
            p.d.noalias() = l.W.transpose() * l.d;  // BP2
            p.d.array() *= p.a.array() * (1.0f - p.a.array());
            l.W.noalias() -= (eta * l.d) * p.a.transpose();  // BP3 + update
            l.b -= eta * l.d;
            backward<I - 1>(x, eta);
        } else {
            l.W.noalias() -= (eta * l.d) * x.transpose();
            l.b -= eta * l.d;
        }
    }

    // --- the mini-batch, one sample per column ---
    template <std::size_t I, class In>
    void forward_batch(const In& in) {
        auto& l = std::get<I>(layers_);
        l.A.noalias() = l.W * in;
        l.A.colwise() += l.b;
        if constexpr (I + 1 < L) {
            l.A = (1.0f / (1.0f + (-l.A.array()).exp())).matrix();
            forward_batch<I + 1>(l.A);
        } else {
            row_.noalias() = l.A.colwise().maxCoeff();
            l.A.rowwise() -= row_;
            l.A = l.A.array().exp().matrix();
            row_.noalias() = l.A.colwise().sum();
            l.A.array().rowwise() /= row_.array();
        }
    }

    template <std::size_t I>
    void backward_batch(const batch_input_map& X, float rate) {
        auto& l = std::get<I>(layers_);
        if constexpr (I > 0) {
            auto& p = std::get<I - 1>(layers_);
            p.D.noalias() = l.W.transpose() * l.D;  // BP2, all samples at once
            p.D.array() *= p.A.array() * (1.0f - p.A.array());
            l.W.noalias() -= rate * l.D * p.A.transpose();  // (eta / N) Delta A^T
            l.b.noalias() -= rate * l.D.rowwise().sum();
            backward_batch<I - 1>(X, rate);
        } else {
            l.W.noalias() -= rate * l.D * X.transpose();
            l.b.noalias() -= rate * l.D.rowwise().sum();
        }
    }

    layers_type layers_;
    int batch_;
    batch_row row_;
};

template <class Net>
any_net* try_create(std::size_t layer_count, const std::size_t* sizes, const float* const* W,
                    const float* const* b, std::size_t batch) {
    return Net::matches(layer_count, sizes) ? new Net(W, b, static_cast<int>(batch)) : nullptr;
}

void* create(std::size_t layer_count, const std::size_t* sizes, const float* const* W,
             const float* const* b, std::size_t batch) {
    any_net* n = try_create<net<64, 32, 10>>(layer_count, sizes, W, b, batch);
    if (n == nullptr) n = try_create<net<784, 128, 10>>(layer_count, sizes, W, b, batch);
    if (n == nullptr) n = try_create<net<256, 256, 256, 10>>(layer_count, sizes, W, b, batch);
    return n;
}

const char* build() {
    static const std::string text = std::to_string(EIGEN_WORLD_VERSION) + "." +
                                    std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                    std::to_string(EIGEN_MINOR_VERSION) + " " +
                                    Eigen::SimdInstructionSetsInUse();
    return text.c_str();
}

const microprop_peer_eigen_api api = {
    build,
    create,
    [](void* n) { delete static_cast<any_net*>(n); },
    [](void* n, const float* x, std::uint32_t label, float eta) {
        static_cast<any_net*>(n)->train_step(x, label, eta);
    },
    [](void* n, const float* x) { return static_cast<any_net*>(n)->predict(x); },
    [](void* n, const float* x, const std::uint32_t* labels, float eta) {
        static_cast<any_net*>(n)->minibatch(x, labels, eta);
    },
    [](void* n, float* const* W, float* const* b) { static_cast<const any_net*>(n)->read(W, b); },
};

}  // namespace

extern "C" MICROPROP_PEER_EIGEN_EXPORT const microprop_peer_eigen_api* MICROPROP_PEER_EIGEN_ENTRY() {
    return &api;
}
