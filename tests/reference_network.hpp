// A double-precision MLP written straight from docs/backprop.md, kept in tests/ as the
// yardstick for the library: forward pass, loss, BP1-BP4, and finite differences.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "microprop/network.hpp"

namespace reference {

using vec = std::vector<double>;

struct layer {
    std::size_t rows, cols;
    microprop::activation act;
    vec W;  // rows x cols, row-major, unpadded
    vec b;
};

struct gradients {
    std::vector<vec> dW, db;
};

inline double activate(microprop::activation act, double z) {
    switch (act) {
        case microprop::activation::sigmoid: return 1.0 / (1.0 + std::exp(-z));
        case microprop::activation::tanh: return std::tanh(z);
        case microprop::activation::relu: return z > 0 ? z : 0.0;
        default: return z;
    }
}

// f'(z) from a = f(z), as the derivation writes it.
inline double derivative(microprop::activation act, double a) {
    switch (act) {
        case microprop::activation::sigmoid: return a * (1.0 - a);
        case microprop::activation::tanh: return 1.0 - a * a;
        case microprop::activation::relu: return a > 0 ? 1.0 : 0.0;
        default: return 1.0;
    }
}

struct network {
    std::size_t inputs = 0;
    std::vector<layer> layers;

    // A copy of a microprop network's parameters.
    template <class Net>
    static network of(Net& net) {
        network r;
        r.inputs = net.input_size();
        for (std::uint32_t l = 0; l < net.layer_count(); ++l) {
            const microprop::layer_params p = net.layer(l);
            layer L{p.rows, p.cols, p.act, vec(p.rows * p.cols), vec(p.rows)};
            for (std::size_t i = 0; i < p.rows; ++i) {
                for (std::size_t j = 0; j < p.cols; ++j) L.W[i * p.cols + j] = p.weights[i * p.stride + j];
                L.b[i] = p.bias[i];
            }
            r.layers.push_back(L);
        }
        return r;
    }

    // a_0 .. a_L, and z_L (for the loss).
    std::vector<vec> forward(const vec& x, vec* z_out = nullptr) const {
        std::vector<vec> a{x};
        for (const layer& L : layers) {
            vec z(L.rows);
            for (std::size_t i = 0; i < L.rows; ++i) {
                double s = L.b[i];
                for (std::size_t j = 0; j < L.cols; ++j) s += L.W[i * L.cols + j] * a.back()[j];
                z[i] = s;
            }
            vec out(L.rows);
            if (L.act == microprop::activation::softmax) {
                double m = z[0];
                for (double v : z) m = v > m ? v : m;
                double sum = 0;
                for (std::size_t i = 0; i < L.rows; ++i) sum += out[i] = std::exp(z[i] - m);
                for (double& v : out) v /= sum;
            } else {
                for (std::size_t i = 0; i < L.rows; ++i) out[i] = activate(L.act, z[i]);
            }
            if (z_out != nullptr) *z_out = z;
            a.push_back(out);
        }
        return a;
    }

    // The smallest |z| of a ReLU unit for input x (infinity without ReLU layers). Central
    // differences are exact for ReLU only when no step of a parameter moves a z across
    // the kink at 0; a dead layer with zero biases puts the next layer's z exactly on it.
    double relu_margin(const vec& x) const {
        const std::vector<vec> a = forward(x);
        double margin = std::numeric_limits<double>::infinity();
        for (std::size_t l = 0; l < layers.size(); ++l) {
            const layer& L = layers[l];
            if (L.act != microprop::activation::relu) continue;
            for (std::size_t i = 0; i < L.rows; ++i) {
                double z = L.b[i];
                for (std::size_t j = 0; j < L.cols; ++j) z += L.W[i * L.cols + j] * a[l][j];
                margin = std::fmin(margin, std::fabs(z));
            }
        }
        return margin;
    }

    double loss(const vec& x, const vec& y) const {
        vec z;
        const std::vector<vec> a = forward(x, &z);
        const vec& yhat = a.back();
        double loss = 0;
        switch (microprop::loss_for(layers.back().act)) {
            case microprop::loss_kind::cross_entropy:
                for (std::size_t i = 0; i < y.size(); ++i) loss -= y[i] * std::log(yhat[i]);
                break;
            case microprop::loss_kind::binary_cross_entropy:
                for (std::size_t i = 0; i < y.size(); ++i)
                    loss -= y[i] * std::log(yhat[i]) + (1 - y[i]) * std::log(1 - yhat[i]);
                break;
            case microprop::loss_kind::squared_error:
                for (std::size_t i = 0; i < y.size(); ++i) loss += 0.5 * (yhat[i] - y[i]) * (yhat[i] - y[i]);
                break;
        }
        return loss;
    }

    // BP1-BP4 for one sample.
    gradients backprop(const vec& x, const vec& y) const {
        const std::vector<vec> a = forward(x);
        const std::size_t L = layers.size();
        gradients g{std::vector<vec>(L), std::vector<vec>(L)};
        vec delta(layers.back().rows);
        for (std::size_t i = 0; i < delta.size(); ++i) {  // BP1
            delta[i] = a[L][i] - y[i];
            const microprop::activation act = layers.back().act;
            if (act == microprop::activation::tanh || act == microprop::activation::relu)
                delta[i] *= derivative(act, a[L][i]);
        }
        for (std::size_t l = L; l-- > 0;) {
            const layer& Ly = layers[l];
            g.dW[l].assign(Ly.rows * Ly.cols, 0.0);
            for (std::size_t i = 0; i < Ly.rows; ++i)
                for (std::size_t j = 0; j < Ly.cols; ++j) g.dW[l][i * Ly.cols + j] = delta[i] * a[l][j];  // BP3
            g.db[l] = delta;  // BP4
            if (l == 0) break;
            vec next(Ly.cols, 0.0);
            for (std::size_t j = 0; j < Ly.cols; ++j) {
                for (std::size_t i = 0; i < Ly.rows; ++i) next[j] += Ly.W[i * Ly.cols + j] * delta[i];
                next[j] *= derivative(layers[l - 1].act, a[l][j]);  // BP2
            }
            delta = next;
        }
        return g;
    }

    // Central finite difference of the loss with respect to one parameter.
    double numeric_gradient(const vec& x, const vec& y, std::size_t l, bool bias, std::size_t index,
                            double h = 1e-6) const {
        network p = *this, m = *this;
        (bias ? p.layers[l].b : p.layers[l].W)[index] += h;
        (bias ? m.layers[l].b : m.layers[l].W)[index] -= h;
        return (p.loss(x, y) - m.loss(x, y)) / (2 * h);
    }
};

inline vec one_hot(std::size_t n, std::size_t label) {
    vec y(n, 0.0);
    y[label] = 1.0;
    return y;
}

}  // namespace reference
