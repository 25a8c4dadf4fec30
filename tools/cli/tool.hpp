// What the commands of the `microprop` tool share: errors, files, data sets, networks
// in heap-owned arenas. The tool runs on a desktop, so unlike the library it allocates
// and throws; every problem becomes one line on stderr and a non-zero exit status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "csv.hpp"
#include "microprop/network.hpp"

namespace microprop::cli {

// Exit statuses (README): 0 done, 1 bad data, model or file, 2 bad command line,
// 130 interrupted.
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_interrupted = 130;

// A problem with the user's data, model or files; the message names the file (and the
// line and column where there are some).
struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A value on the command line that CLI11's checks cannot judge alone (a shape, a name).
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// Ctrl-C (SIGINT) during training: the run stops cleanly, leaving no partial file.
struct interrupted : std::runtime_error {
    interrupted() : std::runtime_error("interrupted") {}
};

// "stream.csv: line 12, column 3: " (the column only if not 0).
std::string where(const std::string& path, std::size_t line, std::size_t column = 0);

// --- files (files.cpp) -----------------------------------------------------------------

// The whole file ("-" reads stdin); a failure naming the file if it cannot be read.
std::string read_file(const std::string& path);

// A file replaced all at once: the bytes go to a temporary file in the same directory,
// renamed over `path` by commit(). If commit() is never reached (an error, an exception),
// the destructor removes the temporary, so a failed run leaves no partial file behind.
// The temporary is created by the constructor, so an unwritable directory fails before
// any long work.
class output_file {
public:
    explicit output_file(std::string path);
    ~output_file();
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;

    void write(std::string_view bytes);
    void commit();
    const std::string& path() const { return path_; }

private:
    std::string path_, temporary_;
    int fd_ = -1;
};

// --- data sets (dataset.cpp) -----------------------------------------------------------

// How a network's output layer is trained: a class label (softmax, sigmoid) or a target
// vector of output-size values (identity, tanh, relu: regression).
enum class target_kind { label, vector };
target_kind target_kind_for(activation output);

struct csv_options {
    header_mode header = header_mode::automatic;
    int label_column = -1;  // 1-based; negative counts from the end (-1: the last)
    bool label_column_given = false;
};

// Samples read from a CSV file, checked against a network's input and output sizes.
struct dataset {
    std::string path;
    std::size_t inputs = 0, outputs = 0;
    target_kind kind = target_kind::label;
    std::vector<float> features;        // size() * inputs
    std::vector<std::uint32_t> labels;  // kind label: one per sample
    std::vector<float> targets;         // kind vector: size() * outputs
    std::vector<std::size_t> lines;     // the line each sample came from, for messages

    std::size_t size() const { return lines.size(); }
    const float* x(std::size_t i) const { return features.data() + i * inputs; }
    const float* target(std::size_t i) const { return targets.data() + i * outputs; }
};

// Reads and checks `path`. Classification: one column is the label (an integer in
// [0, outputs)), the others are the inputs. Regression: the last `outputs` columns are
// the targets, the others the inputs. `inputs_from` says where the input size came from,
// for the message when the file has another number of columns ("--layers", "the model").
dataset load_dataset(const std::string& path, const csv_options& options, std::uint32_t inputs,
                     std::uint32_t outputs, target_kind kind, const std::string& inputs_from);

// --- networks (network_io.cpp) ---------------------------------------------------------

// A Network with its arena on the heap, aligned to vector_alignment. Not copyable or
// movable: the Network handle points into the arena.
class arena_network {
public:
    arena_network() = default;
    arena_network(const arena_network&) = delete;
    arena_network& operator=(const arena_network&) = delete;

    // Lays out a fresh network of `shape` initialised with `seed` (usage_error if the shape
    // is invalid).
    void create(const network_shape& shape, std::uint64_t seed);
    // Loads a model file's bytes (failure naming `path` with the library's status message
    // if the file is not a valid model).
    void load(const std::string& bytes, const std::string& path);

    Network& operator*() { return net_; }
    Network* operator->() { return &net_; }
    const network_shape& shape() const { return shape_; }

private:
    struct alignas(vector_alignment) block {
        unsigned char bytes[vector_alignment];
    };
    void allocate(std::size_t bytes);

    std::vector<block> arena_;
    network_shape shape_{};
    Network net_;
};

const char* activation_name(activation a);
const char* loss_name(loss_kind k);
// "64-32-10".
std::string shape_string(const network_shape& shape);
// "sigmoid, softmax": the activation of each layer.
std::string activations_string(const network_shape& shape);

// The loss of one prediction `y` (the output activations), as the library defines it for
// the output activation (network.hpp); for held-out data, where no training step computes
// it. Classifiers take log of the predicted probabilities, clamped at the smallest float
// so a confident wrong answer costs about 103 instead of infinity.
double prediction_loss(activation output, const float* y, std::size_t outputs, std::uint32_t label,
                       const float* target);

// Accuracy (classifiers) or mean squared error (regression, over samples and outputs)
// and mean loss of a network's predictions on a data set; the network is not trained.
struct evaluation_result {
    double accuracy = 0, mse = 0, mean_loss = 0;
};
evaluation_result evaluate(Network& net, activation output, const dataset& data);

// Index of the largest of n values (the first one on ties).
std::uint32_t argmax(const float* y, std::size_t n);

// --- commands --------------------------------------------------------------------------

struct train_options {
    std::string data, test, save, layers;
    std::string hidden = "sigmoid", output = "softmax";
    double eta = 0.05;
    long long epochs = 1;
    std::uint64_t seed = 1;
    std::size_t progress_every = 10000;
    csv_options csv;
};
struct eval_options {
    std::string model, data;
    csv_options csv;
};
struct info_options {
    std::string model;
};
struct export_options {
    std::string model, name, output;
    int row_floats = 4;
};

int run_train(const train_options& options);
int run_eval(const eval_options& options);
int run_info(const info_options& options);
int run_export(const export_options& options);

}  // namespace microprop::cli
