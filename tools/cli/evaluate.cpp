// `microprop eval` and `microprop info`: what a saved model does on a data stream, and
// what it is.
#include <cstdio>

#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"
#include "tool.hpp"

namespace microprop::cli {

evaluation_result evaluate(Network& net, activation output, sample_reader& data) {
    const sample_layout& layout = data.layout();
    const bool classifier = layout.kind == target_kind::label;
    std::vector<float> y(layout.outputs);
    std::size_t hits = 0, samples = 0;
    double squared = 0, loss = 0;
    sample_stream stream(data, 1);
    while (sample_batch* b = stream.next()) {
        for (std::size_t i = 0; i < b->count; ++i) {
            check_interrupt();
            const status s = net.predict(b->x(i), y.data());
            if (s == status::diverged)  // predict() takes no step: its only overflow is the forward pass
                throw failure(where(data.path(), b->lines[i]) +
                              "the forward pass overflowed (inputs too large for this model's weights)");
            if (s != status::ok) throw failure(where(data.path(), b->lines[i]) + status_message(s));
            if (classifier) {
                hits += predicted_class(layout, y.data()) == b->labels[i];
                loss += prediction_loss(layout, output, y.data(), b->labels[i], nullptr);
            } else {
                squared += squared_error(y.data(), b->target(i), layout.outputs);
                loss += prediction_loss(layout, output, y.data(), 0, b->target(i));
            }
            ++samples;
        }
        stream.release(b);
    }
    const double n = static_cast<double>(samples);
    evaluation_result r;
    r.samples = samples;
    r.accuracy = static_cast<double>(hits) / n;
    r.mse = squared / (n * static_cast<double>(layout.outputs));
    r.mean_loss = loss / n;
    return r;
}

int run_eval(const eval_options& o) {
    if (o.data.empty()) throw usage_error("--data needs a file name (- for standard input)");
    arena_network net;
    net.load(read_model_file(o.model), o.model);
    const network_shape& shape = net.shape();
    const activation output = shape.layers[shape.layer_count - 1].act;
    const sample_layout layout = layout_for(shape);
    if (layout.kind == target_kind::vector && o.csv.label_column_given)
        throw usage_error("--label-column applies to classifiers (softmax or sigmoid output); this model is a "
                          "regression network, whose targets are the last columns");
    sample_reader data(o.data, o.csv, layout, "the model " + o.model);
    const evaluation_result r = evaluate(*net, output, data);
    char text[512];
    std::snprintf(text, sizeof text, "%s (%s, %s) on %s: %zu samples", o.model.c_str(), shape_string(shape).c_str(),
                  activations_string(shape).c_str(), data.path().c_str(), r.samples);
    print_line(text);
    if (layout.kind == target_kind::label) {
        std::snprintf(text, sizeof text, "accuracy: %.2f%%%s", 100.0 * r.accuracy,
                      layout.binary ? " (class 1 when the output exceeds 0.5)" : "");
    } else {
        std::snprintf(text, sizeof text, "mean squared error: %.6g (per output value: over %zu samples x %zu outputs)",
                      r.mse, r.samples, layout.outputs);
    }
    print_line(text);
    std::snprintf(text, sizeof text, "mean loss: %.6g (%s, per sample)", r.mean_loss,
                  loss_description(loss_for(output)));
    print_line(text);
    flush_standard_output();
    return 0;
}

int run_info(const info_options& o) {
    const std::string bytes = read_model_file(o.model);
    arena_network net;
    net.load(bytes, o.model);
    const network_shape& shape = net.shape();
    const memory_footprint f = footprint_of(shape);
    std::size_t parameters = 0, fan_in = shape.inputs;
    for (std::uint32_t l = 0; l < shape.layer_count; ++l) {
        parameters += (fan_in + 1) * shape.layers[l].outputs;
        fan_in = shape.layers[l].outputs;
    }
    // The format version is the 16-bit little-endian field at offset 4 (docs/model-format.md).
    const unsigned version = static_cast<unsigned char>(bytes[4]) | static_cast<unsigned char>(bytes[5]) << 8;

    std::printf("model file:    %s (%zu bytes, format version %u)\n", o.model.c_str(), bytes.size(), version);
    std::printf("shape:         %s (%u inputs, %u layers)\n", shape_string(shape).c_str(), shape.inputs,
                shape.layer_count);
    for (std::uint32_t l = 0; l < shape.layer_count; ++l)
        std::printf("  layer %u:     %u %s\n", l + 1, shape.layers[l].outputs, activation_name(shape.layers[l].act));
    const activation output = shape.layers[shape.layer_count - 1].act;
    std::printf("loss:          %s%s\n", loss_name(loss_for(output)),
                layout_for(shape).binary ? " (one sigmoid output: a binary classifier, labels 0 and 1)" : "");
    std::printf("steps trained: %llu\n", static_cast<unsigned long long>(net->steps()));
    std::printf("parameters:    %zu\n", parameters);
    std::printf("footprint:     %zu bytes as a Network in this build (rows padded to %zu floats, online training)\n",
                f.total, row_floats);
    std::printf("  weights %zu, biases %zu, activations %zu, deltas %zu, bookkeeping %zu\n", f.weights, f.biases,
                f.activations, f.deltas, f.bookkeeping);
    print_line(("kernels:       " + kernels_line()).c_str());
    flush_standard_output();
    return 0;
}

}  // namespace microprop::cli
