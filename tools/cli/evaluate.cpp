// `microprop eval` and `microprop info`: what a saved model does on a data set, and what
// it is.
#include <cstdio>

#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"
#include "tool.hpp"

namespace microprop::cli {

evaluation_result evaluate(Network& net, activation output, const dataset& data) {
    const std::size_t outputs = data.outputs;
    std::vector<float> y(outputs);
    std::size_t hits = 0;
    double squared_error = 0, loss = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const status s = net.predict(data.x(i), y.data());
        if (s != status::ok) throw failure(where(data.path, data.lines[i]) + status_message(s));
        if (data.kind == target_kind::label) {
            hits += argmax(y.data(), outputs) == data.labels[i];
            loss += prediction_loss(output, y.data(), outputs, data.labels[i], nullptr);
        } else {
            for (std::size_t k = 0; k < outputs; ++k) {
                const double e = static_cast<double>(y[k]) - data.target(i)[k];
                squared_error += e * e;
            }
            loss += prediction_loss(output, y.data(), outputs, 0, data.target(i));
        }
    }
    const double n = static_cast<double>(data.size());
    evaluation_result r;
    r.accuracy = static_cast<double>(hits) / n;
    r.mse = squared_error / (n * static_cast<double>(outputs));
    r.mean_loss = loss / n;
    return r;
}

int run_eval(const eval_options& o) {
    arena_network net;
    net.load(read_file(o.model), o.model);
    const network_shape& shape = net.shape();
    const activation output = shape.layers[shape.layer_count - 1].act;
    const dataset data = load_dataset(o.data, o.csv, shape.inputs, shape.layers[shape.layer_count - 1].outputs,
                                      target_kind_for(output), "the model " + o.model);
    const evaluation_result r = evaluate(*net, output, data);
    std::printf("%s (%s, %s) on %s: %zu samples\n", o.model.c_str(), shape_string(shape).c_str(),
                activations_string(shape).c_str(), data.path.c_str(), data.size());
    if (data.kind == target_kind::label)
        std::printf("accuracy: %.2f%%\n", 100.0 * r.accuracy);
    else
        std::printf("mean squared error: %.6g (per output)\n", r.mse);
    std::printf("mean loss: %.6g (%s)\n", r.mean_loss, loss_name(loss_for(output)));
    return 0;
}

int run_info(const info_options& o) {
    const std::string bytes = read_file(o.model);
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
    std::printf("loss:          %s\n", loss_name(loss_for(shape.layers[shape.layer_count - 1].act)));
    std::printf("steps trained: %llu\n", static_cast<unsigned long long>(net->steps()));
    std::printf("parameters:    %zu\n", parameters);
    std::printf("footprint:     %zu bytes as a Network in this build (rows padded to %zu floats, online training)\n",
                f.total, row_floats);
    std::printf("  weights %zu, biases %zu, activations %zu, deltas %zu, bookkeeping %zu\n", f.weights, f.biases,
                f.activations, f.deltas, f.bookkeeping);
    std::printf("kernels:       %s (the table this CPU and MICROPROP_KERNELS select)\n", active_kernels().name);
    return 0;
}

}  // namespace microprop::cli
