#include "microprop/status.hpp"

namespace microprop {

const char* status_message(status s) {
    switch (s) {
        case status::ok: return "ok";
        case status::buffer_too_small: return "buffer too small for this network";
        case status::misaligned_buffer: return "buffer not aligned to microprop::vector_alignment";
        case status::invalid_shape: return "invalid network shape";
        case status::not_a_network: return "buffer does not hold a microprop network";
        case status::invalid_learning_rate: return "learning rate must be finite and > 0";
        case status::non_finite_input: return "input contains NaN or infinity";
        case status::non_finite_target: return "target contains NaN or infinity";
        case status::invalid_target: return "target outside [0, 1] or, for softmax, not summing to 1";
        case status::label_out_of_range: return "label out of range";
        case status::label_needs_classifier: return "class labels need a softmax or sigmoid output";
        case status::no_gradients: return "network was not declared for mini-batch training";
        case status::empty_batch: return "no sample accumulated in the mini-batch";
        case status::diverged: return "step would make a weight or activation non-finite (diverged)";
        case status::no_forward_pass: return "no forward pass of the current weights to learn from: call predict() first";
        case status::next_prediction_diverged: return "sample learned, but the next input's forward pass overflowed";
        case status::model_truncated: return "model file truncated";
        case status::model_bad_magic: return "not a microprop model file";
        case status::model_unsupported_version: return "model file format version not supported by this build";
        case status::model_corrupt: return "model file damaged (CRC-32 mismatch)";
        case status::model_invalid: return "model file has an invalid field";
        case status::model_shape_mismatch: return "model file holds a network of another shape";
        case status::padding_mismatch: return "weights exported with another row padding than this build's MICROPROP_ROW_FLOATS";
        case status::storage_failed: return "checkpoint storage reported a failed read, write or erase";
        case status::no_checkpoint: return "no complete checkpoint in storage";
        case status::input_out_of_range: return "input value beyond the network's input limit";
        case status::invalid_input_limit: return "input limit must be >= 0 (0 or infinity: no limit)";
        case status::null_argument: return "a required pointer argument is null";
        case status::layer_out_of_range: return "layer index beyond the network's layers";
        case status::non_finite_parameter: return "a weight or bias is NaN or infinite";
        case status::model_too_large: return "the model file of this shape would exceed 4 GiB, the format's limit";
        case status::batch_in_progress: return "a mini-batch is being accumulated: apply it before changing what trains";
    }
    return "unknown status";
}

}  // namespace microprop
