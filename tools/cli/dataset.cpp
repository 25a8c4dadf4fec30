#include <cmath>
#include <cstdio>

#include "tool.hpp"

namespace microprop::cli {

target_kind target_kind_for(activation output) {
    return output == activation::softmax || output == activation::sigmoid ? target_kind::label
                                                                          : target_kind::vector;
}

namespace {

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A label as the file most likely wrote it ("2.5", "12", "1e+30"), without converting a
// float that may not fit into an integer type.
std::string label_text(float label) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", static_cast<double>(label));
    return text;
}

}  // namespace

dataset load_dataset(const std::string& path, const csv_options& options, std::uint32_t inputs,
                     std::uint32_t outputs, target_kind kind, const std::string& inputs_from) {
    const std::string text = read_file(path);
    csv_table table;
    csv_error error;
    if (!parse_csv(text, options.header, &table, &error)) throw failure(where(path, error.line, error.column) + error.message);

    dataset d;
    d.path = path;
    d.inputs = inputs;
    d.outputs = outputs;
    d.kind = kind;
    const std::size_t columns = table.columns;
    const std::size_t first_line = table.lines.front();

    if (kind == target_kind::vector) {
        if (options.label_column_given)
            throw usage_error("--label-column applies to classifiers (softmax or sigmoid output); a "
                              "regression network's targets are the last columns");
        if (columns != std::size_t{inputs} + outputs)
            throw failure(where(path, first_line) + plural(columns, "column", "columns") + ", but the network (" +
                          inputs_from + ") needs " + std::to_string(inputs) + " inputs and " +
                          std::to_string(outputs) + " target columns at the end");
        d.features.reserve(table.rows() * inputs);
        d.targets.reserve(table.rows() * outputs);
        for (std::size_t r = 0; r < table.rows(); ++r) {
            const float* row = table.row(r);
            d.features.insert(d.features.end(), row, row + inputs);
            d.targets.insert(d.targets.end(), row + inputs, row + columns);
        }
        d.lines = std::move(table.lines);
        return d;
    }

    // Classification: which column holds the label (1-based, or from the end).
    const long long n = static_cast<long long>(columns);
    const long long wanted = options.label_column;
    if (wanted == 0 || wanted > n || wanted < -n)
        throw failure(where(path, first_line) + "--label-column " + std::to_string(wanted) + " but the file has " +
                      plural(columns, "column", "columns"));
    const std::size_t label_at = static_cast<std::size_t>(wanted > 0 ? wanted - 1 : n + wanted);
    if (columns - 1 != inputs)
        throw failure(where(path, first_line) + plural(columns, "column", "columns") + ": " +
                      plural(columns - 1, "input", "inputs") + " and a label, but the network (" + inputs_from +
                      ") has " + plural(inputs, "input", "inputs"));

    d.features.reserve(table.rows() * inputs);
    d.labels.reserve(table.rows());
    for (std::size_t r = 0; r < table.rows(); ++r) {
        const float* row = table.row(r);
        const float label = row[label_at];
        const std::string at = where(path, table.lines[r], label_at + 1);
        if (label != std::floor(label))
            throw failure(at + "label " + label_text(label) + " is not an integer (class labels are 0, 1, 2, ...)");
        if (label < 0.0f || label >= static_cast<float>(outputs))
            throw failure(at + "label " + label_text(label) + " out of range: the network has " +
                          plural(outputs, "class", "classes") + ", labels 0 to " + std::to_string(outputs - 1));
        d.labels.push_back(static_cast<std::uint32_t>(label));
        for (std::size_t c = 0; c < columns; ++c)
            if (c != label_at) d.features.push_back(row[c]);
    }
    d.lines = std::move(table.lines);
    return d;
}

}  // namespace microprop::cli
