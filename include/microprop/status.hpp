// Every fallible call returns a status; a call that returns anything but status::ok has
// changed nothing in the model (weights, biases, gradient buffers, counters), with one
// documented exception: next_prediction_diverged, where the sample was learned.
#pragma once

#include <cstdint>

namespace microprop {

enum class status : std::uint8_t {
    ok = 0,
    buffer_too_small,       // the caller's buffer is smaller than the network needs
    misaligned_buffer,      // the caller's buffer is not aligned to vector_alignment
    invalid_shape,          // no layers, too many, a zero size, softmax not last, ...
    not_a_network,          // attach(): the buffer holds no network created by microprop
    invalid_learning_rate,  // not finite, or not > 0
    non_finite_input,       // an input value is NaN or infinite
    non_finite_target,      // a target value is NaN or infinite
    invalid_target,         // outside [0, 1] for sigmoid/softmax outputs, or softmax not summing to 1
    label_out_of_range,     // label >= number of outputs
    label_needs_classifier, // a class label given to a network whose output is not softmax/sigmoid
    no_gradients,           // mini-batch call on a network declared for online training only
    empty_batch,            // apply_batch() with nothing accumulated
    diverged,               // the step would make a weight or an activation non-finite: not applied
    no_forward_pass,        // train_then_predict() without a forward pass of the current weights
    next_prediction_diverged, // train_then_predict(): the sample was learned, x_next's forward pass overflowed
    // Model files (model_file.hpp), in the order load() checks them:
    model_truncated,        // fewer bytes than a model file's header, or than the size it declares
    model_bad_magic,        // the bytes are not a microprop model file
    model_unsupported_version, // a format version this build cannot read
    model_corrupt,          // the CRC-32 does not match: damaged in storage or transfer
    model_invalid,          // CRC intact but a field is impossible (shape, activation, loss, NaN weight, ...)
    model_shape_mismatch,   // a valid file of another shape than the network loading it
    padding_mismatch,       // flash_network arrays exported with another row padding than this build's
    // Checkpoints (checkpoint.hpp):
    storage_failed,         // a read, write or erase callback of the checkpoint storage reported failure
    no_checkpoint,          // no slot holds a complete checkpoint
    input_out_of_range,     // an input value beyond the limit set with set_input_limit()
    invalid_input_limit,    // set_input_limit() with NaN or a negative limit
};

// A one-line English description, for logs and command-line tools.
const char* status_message(status s);

}  // namespace microprop
