// What every peer provides to the timed loops (peers_timing.hpp) and to the equality
// check (peers_check.hpp), and the adapters that provide it, one file per peer.
//
// The interface is a compile-time one: the loops are templates on the adapter type, so no
// virtual call sits inside what is measured and each peer's loop is what it was when the
// peer was written out by hand. An adapter has the members of the benchmarks it takes
// part in (microprop_pipelined only train_step, the mini-batch adapters only minibatch):
//
//   explicit A(const shape_data& data)     set up from data.initial; `data` outlives it
//   microprop::status train_step(size_t s)  one online SGD step on sample s
//   microprop::status predict(size_t s)     the forward pass of sample s ...
//   const float* output() const             ... whose output probabilities are here
//   microprop::status minibatch(size_t k)   one SGD step with the mean gradient of batch k
//   params parameters() const               the weights and biases now
//
// Only microprop can refuse a step; its status then ends the benchmark with microprop's
// message, and the other peers always return status::ok. Steps come in the order of the
// cycle (next_sample; batch 0, 1, 0, ...): the pipelined peer has already run the forward
// pass of the sample it learns next.
#pragma once

#include "adapter_eigen.hpp"
#include "adapter_microprop.hpp"
#include "adapter_plain_loop.hpp"
#ifdef MICROPROP_BENCH_HAVE_FANN
#include "adapter_fann.hpp"
#endif
#ifdef MICROPROP_BENCH_HAVE_TORCH
#include "adapter_torch.hpp"
#endif
