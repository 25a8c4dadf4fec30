// Every fallible call returns a status; a call that returns anything but status::ok has
// changed nothing a caller can observe: parameters, gradient sums, overflow bounds,
// counters, the pending forward pass of train_then_predict() and output(). The only
// partial effects, each documented where the call is declared:
//   - next_prediction_diverged (train_then_predict): the sample was learned; x_next's
//     forward pass overflowed, so no forward pass is pending and output() is unchanged.
//   - storage_failed from restore_checkpoint(): a read failed while the parameters were
//     being copied, after every check had passed; the network is half-loaded (restore
//     again, or load a model).
//   - storage_failed from save_checkpoint(): the network is unchanged, but the slot being
//     written holds an incomplete checkpoint, which restore_checkpoint() skips.
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
    null_argument,          // a pointer the call needs (input, target, output buffer) is null
    layer_out_of_range,     // set_layer()/get_layer() with a layer index >= layer_count()
    non_finite_parameter,   // set_layer() with a NaN or infinite weight or bias
    model_too_large,        // the model file of this shape would exceed the format's 4 GiB size field
    batch_in_progress,      // set_trainable() while a mini-batch is accumulated: apply it first
};

// A one-line English description, for logs and command-line tools.
const char* status_message(status s);

}  // namespace microprop
