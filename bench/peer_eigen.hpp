// The Eigen peer of bench_peers.cpp behind a small C-style interface.
//
// peer_eigen.cpp is compiled twice: into a static library with the project's default
// flags (what a portable build ships) and into a shared library with -march=native. Both
// copies instantiate the same Eigen templates; if they were linked into one binary as
// ordinary objects, the linker would keep one copy of each instantiation (they are
// inline/weak symbols of the same name) and one build's code would silently run for both.
// So each copy is built with hidden visibility (inline functions included) and exports only
// its entry point below, which returns a table of plain function pointers. Nothing Eigen
// crosses this interface; bench_peers.cpp does not include Eigen at all.
#pragma once

#include <cstddef>
#include <cstdint>

#define MICROPROP_PEER_EIGEN_EXPORT __attribute__((visibility("default")))

extern "C" {

struct microprop_peer_eigen_api {
    // Eigen's version and Eigen::SimdInstructionSetsInUse() as this copy was compiled.
    const char* (*build)();
    // A network of layer_count fully connected layers, sizes[0] inputs and sizes[l + 1]
    // outputs of layer l (sigmoid hidden layers, softmax + cross-entropy output). W[l] is
    // row-major sizes[l + 1] x sizes[l], b[l] has sizes[l + 1] floats; both are copied.
    // `batch` is the mini-batch size. Null if this shape was not compiled in.
    void* (*create)(std::size_t layer_count, const std::size_t* sizes, const float* const* W,
                    const float* const* b, std::size_t batch);
    void (*destroy)(void* net);
    // One online SGD step on one labelled sample.
    void (*train_step)(void* net, const float* x, std::uint32_t label, float eta);
    // Forward pass; returns the output probabilities (owned by the network).
    const float* (*predict)(void* net, const float* x);
    // One SGD step with the mean gradient of `batch` samples, x holding one sample after
    // the other.
    void (*minibatch)(void* net, const float* x, const std::uint32_t* labels, float eta);
    // Copies the parameters out, laid out as for create().
    void (*read)(void* net, float* const* W, float* const* b);
};

// The copy built with the default flags, and the one built with -march=native.
MICROPROP_PEER_EIGEN_EXPORT const microprop_peer_eigen_api* microprop_peer_eigen_default();
MICROPROP_PEER_EIGEN_EXPORT const microprop_peer_eigen_api* microprop_peer_eigen_native();
}
