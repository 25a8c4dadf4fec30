// Rows of a CSV stream as a network's samples.
#include <cmath>
#include <cstdio>

#include "tool.hpp"

namespace microprop::cli {

target_kind target_kind_for(activation output) {
    return output == activation::softmax || output == activation::sigmoid ? target_kind::label
                                                                          : target_kind::vector;
}

sample_layout layout_for(const network_shape& shape) {
    const layer_spec& last = shape.layers[shape.layer_count - 1];
    sample_layout l;
    l.inputs = shape.inputs;
    l.outputs = last.outputs;
    l.kind = target_kind_for(last.act);
    l.binary = last.act == activation::sigmoid && last.outputs == 1;
    return l;
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

// The longest line the reader takes: 1 MiB, or 64 bytes per column for wider networks,
// so a line of any sensible number notation fits while junk fails fast.
std::size_t longest_line(const sample_layout& layout) {
    const std::size_t columns = layout.inputs + (layout.kind == target_kind::vector ? layout.outputs : 1);
    const std::size_t per_column = 64 * columns;
    return per_column > csv_reader::default_max_line_bytes ? per_column : csv_reader::default_max_line_bytes;
}

}  // namespace

sample_reader::sample_reader(const std::string& path, const csv_options& options, const sample_layout& layout,
                             std::string inputs_from)
    : file_(path),
      options_(options),
      layout_(layout),
      inputs_from_(std::move(inputs_from)),
      reader_(file_, options.header, longest_line(layout)) {
    read_first();
}

void sample_reader::rewind() {
    file_.rewind();
    reader_.restart();
    read_first();
}

// Reads the first row and checks its columns against the layout (the rows after it have
// as many, or the reader refuses them).
void sample_reader::read_first() {
    csv_error error;
    if (reader_.next(&error) != csv_reader::result::row)
        throw failure(where(path(), error.line, error.column) + error.message);
    have_first_ = true;
    const std::size_t columns = reader_.columns();
    const std::size_t first_line = reader_.line();
    if (layout_.kind == target_kind::vector) {
        if (columns != layout_.inputs + layout_.outputs)
            throw failure(where(path(), first_line) + plural(columns, "column", "columns") + ", but the network (" +
                          inputs_from_ + ") needs " + std::to_string(layout_.inputs) + " inputs and " +
                          std::to_string(layout_.outputs) + " target columns at the end");
        return;
    }
    // Classification: which column holds the label (1-based, or from the end).
    const long long n = static_cast<long long>(columns);
    const long long wanted = options_.label_column;
    if (wanted > n || wanted < -n)
        throw failure(where(path(), first_line) + "--label-column " + std::to_string(wanted) + " but the file has " +
                      plural(columns, "column", "columns"));
    label_at_ = static_cast<std::size_t>(wanted > 0 ? wanted - 1 : n + wanted);
    if (columns - 1 != layout_.inputs)
        throw failure(where(path(), first_line) + plural(columns, "column", "columns") + ": " +
                      plural(columns - 1, "input", "inputs") + " and a label, but the network (" + inputs_from_ +
                      ") has " + plural(layout_.inputs, "input", "inputs"));
}

bool sample_reader::advance() {
    if (have_first_) {
        have_first_ = false;
        return true;
    }
    csv_error error;
    switch (reader_.next(&error)) {
        case csv_reader::result::row: return true;
        case csv_reader::result::end: return false;
        case csv_reader::result::error: break;
    }
    throw failure(where(path(), error.line, error.column) + error.message);
}

void sample_reader::store(float* x, float* target, std::uint32_t* label, std::size_t* line) const {
    const float* row = reader_.row();
    *line = reader_.line();
    if (layout_.kind == target_kind::vector) {
        for (std::size_t c = 0; c < layout_.inputs; ++c) x[c] = row[c];
        for (std::size_t k = 0; k < layout_.outputs; ++k) target[k] = row[layout_.inputs + k];
        return;
    }
    const float value = row[label_at_];
    if (!(value == std::floor(value) && value >= 0.0f && value < static_cast<float>(layout_.classes()))) {
        const std::string at = where(path(), *line, label_at_ + 1);
        if (value != std::floor(value))
            throw failure(at + "label " + label_text(value) + " is not an integer (class labels are 0, 1, 2, ...)");
        throw failure(at + "label " + label_text(value) + " out of range: the network has " +
                      plural(layout_.classes(), "class", "classes") + ", labels 0 to " +
                      std::to_string(layout_.classes() - 1) +
                      (layout_.binary ? " (one sigmoid output: a binary classifier)" : ""));
    }
    *label = static_cast<std::uint32_t>(value);
    if (layout_.binary) target[0] = value;
    // The inputs: every column but the label's, in order.
    for (std::size_t c = 0; c < label_at_; ++c) x[c] = row[c];
    for (std::size_t c = label_at_ + 1; c < layout_.inputs + 1; ++c) x[c - 1] = row[c];
}

}  // namespace microprop::cli
