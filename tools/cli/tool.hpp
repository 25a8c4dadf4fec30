// What the commands of the `microprop` tool share: errors, signals, files, sample streams,
// networks in heap-owned arenas. The tool runs on a desktop, so unlike the library it
// allocates and throws; every problem becomes one line on stderr and a non-zero exit
// status. Its memory does not grow with the size of its input: data files are read as
// streams (csv.hpp, stream.cpp), model files after a size check.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "csv.hpp"
#include "microprop/network.hpp"

namespace microprop::cli {

// Exit statuses (docs/cli.md): 0 done, 1 bad data, model or file, 2 bad command line,
// 128 + the signal's number when a signal stopped the run (129 SIGHUP, 130 SIGINT,
// 143 SIGTERM).
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// A problem with the user's data, model or files; the message names the file (and the
// line and column where there are some).
struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A value on the command line that CLI11's checks cannot judge alone (a shape, a name).
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// SIGINT, SIGTERM or SIGHUP arrived: the run stops, leaving no file behind.
struct interrupted : std::runtime_error {
    explicit interrupted(int signal_number);
    int signal;
};

// "stream.csv: line 12, column 3: " (the column only if not 0).
std::string where(const std::string& path, std::size_t line, std::size_t column = 0);

// --- the process (signals.cpp) ---------------------------------------------------------

// First thing in main(): descriptors 0, 1 and 2 opened on /dev/null if they are closed
// (so no file the tool opens can become standard output), SIGPIPE ignored (a closed pipe
// is a write error like any other), and SIGINT, SIGTERM and SIGHUP turned into a flag the
// work checks (unless the shell made the process ignore them).
void prepare_process();
// The number of the first stop signal received, 0 if none.
int stop_signal();
// Throws `interrupted` once a stop signal arrived.
void check_interrupt();
// A descriptor that becomes readable when a stop signal arrives (for poll()).
int stop_signal_fd();

// While it lives, the calling thread does not take the stop signals (threads started
// meanwhile inherit that): the main thread alone sees them and stops the others.
class stop_signals_blocked {
public:
    stop_signals_blocked();
    ~stop_signals_blocked();
    stop_signals_blocked(const stop_signals_blocked&) = delete;
    stop_signals_blocked& operator=(const stop_signals_blocked&) = delete;

private:
    unsigned char saved_[128];  // the previous sigset_t, whatever its size on this system
};

// Lines on standard output: a write error (a closed pipe, a full disk) is a failure, and
// a signal that cut the write short is an interruption.
void print_line(const char* text);
void flush_standard_output();

// --- files (files.cpp) -----------------------------------------------------------------

// A data file read as a stream ("-" is standard input). Reads wait in poll() for data or
// for cancel(), so a stream waiting on an idle pipe can be stopped.
class input_file final : public byte_source {
public:
    explicit input_file(const std::string& path);
    ~input_file() override;
    input_file(const input_file&) = delete;
    input_file& operator=(const input_file&) = delete;

    // Throws failure on a read error, `cancelled` after cancel().
    std::size_t read(char* data, std::size_t capacity) override;
    struct cancelled {};

    const std::string& path() const { return path_; }
    // A regular file (it can be read again: rewind()), and its size then.
    bool regular() const { return regular_; }
    std::uint64_t size() const { return size_; }
    void rewind();
    // Called before a read that would wait for data (a pipe whose writer has not written
    // more yet), so that what was read so far can be used meanwhile.
    void on_wait(std::function<void()> callback) { on_wait_ = std::move(callback); }
    // Makes a waiting or later read() throw `cancelled` (any thread).
    void cancel();

private:
    std::string path_;
    int fd_ = -1;
    bool owned_ = false, regular_ = false;
    std::uint64_t size_ = 0;
    int cancel_pipe_[2] = {-1, -1};
    std::function<void()> on_wait_;
};

// A model file's bytes, its size checked before anything is read: the 32-byte header
// first (not a model file, another version: refused at once), then as many bytes as the
// header declares, never more (a regular file must hold them all). Failures name `path`.
std::string read_model_file(const std::string& path);

// Refuses (usage_error) an output path that cannot name a file: empty, a directory.
void check_output_path(const std::string& option, const std::string& path);

// A file replaced all at once: the bytes go to a temporary file in the same directory,
// renamed over `path` by commit(). If commit() is never reached (an error, an exception,
// a stop signal), the destructor removes the temporary, so a failed run leaves no partial
// file behind. The temporary is created by the constructor, so an unwritable directory
// fails before any long work.
class output_file {
public:
    explicit output_file(std::string path);
    ~output_file();
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;

    void write(std::string_view bytes);
    // Renames the temporary over the file, unless a stop signal arrived (interrupted).
    void commit();
    const std::string& path() const { return path_; }
    int descriptor() const { return fd_; }

private:
    std::string path_, temporary_;
    int fd_ = -1;
};

// Text written in 64 KiB blocks to an output_file or to standard output, so that a large
// export never holds more than a block.
class text_writer {
public:
    explicit text_writer(output_file* file);  // null: standard output
    ~text_writer() = default;
    text_writer(const text_writer&) = delete;
    text_writer& operator=(const text_writer&) = delete;

    void append(std::string_view text) {
        buffer_.append(text.data(), text.size());
        if (buffer_.size() >= block) flush();
    }
    void append(char c) {
        buffer_ += c;
        if (buffer_.size() >= block) flush();
    }
    // Writes what is buffered (checks for a stop signal first).
    void flush();

private:
    static constexpr std::size_t block = std::size_t{1} << 16;
    output_file* file_;
    std::string buffer_;
};

// --- samples (dataset.cpp) -------------------------------------------------------------

// How a network's output layer is trained: a class label (softmax, sigmoid) or a target
// vector of output-size values (identity, tanh, relu: regression).
enum class target_kind { label, vector };
target_kind target_kind_for(activation output);

struct csv_options {
    header_mode header = header_mode::automatic;
    int label_column = -1;  // 1-based; negative counts from the end (-1: the last)
    bool label_column_given = false;
};

// What a sample of a network is made of.
struct sample_layout {
    std::size_t inputs = 0, outputs = 0;
    target_kind kind = target_kind::label;
    // One sigmoid output: a binary classifier, labels 0 and 1, trained towards the target
    // 0 or 1, predicting class 1 when the output exceeds 0.5.
    bool binary = false;

    std::size_t classes() const { return binary ? 2 : outputs; }
    // Floats of target per sample: the regression targets, or the binary target.
    std::size_t target_values() const { return kind == target_kind::vector ? outputs : binary ? 1 : 0; }
};
sample_layout layout_for(const network_shape& shape);

// Samples read from a CSV input, checked against a network's layout. Classification: one
// column is the label (an integer in [0, classes)), the others are the inputs.
// Regression: the last `outputs` columns are the targets, the others the inputs.
// `inputs_from` says where the input size came from, for the message when the file has
// another number of columns ("--layers 64,32,10", "the model m.mpm"). The constructor
// opens the file and reads up to its first sample (or fails), so a file that cannot be
// read, or whose columns do not fit the network, is refused before any work.
class sample_reader {
public:
    sample_reader(const std::string& path, const csv_options& options, const sample_layout& layout,
                  std::string inputs_from);

    // Reads the next sample's row (this may wait for a pipe's writer): false at the end
    // of the input. Throws failure naming the line (and column) of a problem.
    bool advance();
    // The sample read by advance(): x gets inputs values, target gets target_values()
    // values, *label the class. Throws failure naming the line and column of a bad label.
    void store(float* x, float* target, std::uint32_t* label, std::size_t* line) const;
    // Reads the input again from its start (regular files only).
    void rewind();

    const std::string& path() const { return file_.path(); }
    input_file& file() { return file_; }
    const sample_layout& layout() const { return layout_; }
    std::uint64_t bytes_read() const { return reader_.bytes_read(); }

private:
    void read_first();

    input_file file_;
    csv_options options_;
    sample_layout layout_;
    std::string inputs_from_;
    csv_reader reader_;
    std::size_t label_at_ = 0;
    bool have_first_ = false;  // the first row is read and not yet handed out
};

// --- sample streams (stream.cpp) -------------------------------------------------------

// Samples in bounded batches, in input order.
struct sample_batch {
    std::size_t count = 0;
    std::size_t epoch = 0;    // 0-based pass over the input
    std::uint64_t bytes = 0;  // bytes of the input read when the batch was complete
    std::vector<float> inputs, targets;
    std::vector<std::uint32_t> labels;
    std::vector<std::size_t> lines;

    const float* x(std::size_t i) const { return inputs.data() + i * stride_x; }
    const float* target(std::size_t i) const { return targets.data() + i * stride_t; }
    std::size_t stride_x = 0, stride_t = 0;
};

// A sample_reader on a second thread: it reads and parses batches ahead while the caller
// trains on the previous ones. Four batches of at most 256 KiB of samples (at least one
// sample each) circulate between the threads; with the reader's buffer (its longest line
// and a 256 KiB chunk) that is all the memory a stream holds, whatever the input's size.
// A batch is handed over when full, at the end of a pass, or when the input has nothing
// more to read right now (a live pipe), so samples are learned as their lines arrive.
class sample_stream {
public:
    sample_stream(sample_reader& reader, std::size_t epochs);
    ~sample_stream();  // stops the thread (cancels a waiting read) and joins it
    sample_stream(const sample_stream&) = delete;
    sample_stream& operator=(const sample_stream&) = delete;

    // The next batch, in order; null at the end of the last pass. With wait false, null
    // also when the next batch is not ready yet (then ended() says which). Rethrows the
    // reader's failure once the batches before it are consumed; throws interrupted when a
    // stop signal arrives while waiting.
    sample_batch* next(bool wait = true);
    // Gives a batch back to the reader.
    void release(sample_batch* batch);
    // Seconds next() spent waiting for the reader.
    double seconds_waiting() const { return waiting_; }

private:
    void run();
    void produce();
    sample_batch* take_free();
    void publish();

    sample_reader& reader_;
    std::size_t epochs_;
    std::vector<sample_batch> batches_;
    std::size_t rows_per_batch_ = 0;
    std::vector<sample_batch*> free_, ready_;  // ready_ in order; both guarded by mutex_
    sample_batch* filling_ = nullptr;          // the reader thread's
    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false, finished_ = false;
    std::string error_;           // the reader's failure, if it ended with one
    bool out_of_memory_ = false;
    double waiting_ = 0;
    std::thread thread_;
};

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
// What "mean loss" averages, per sample: "cross-entropy", "binary cross-entropy",
// "1/2 sum of squared errors".
const char* loss_description(loss_kind k);
// "64-32-10".
std::string shape_string(const network_shape& shape);
// "sigmoid, softmax": the activation of each layer.
std::string activations_string(const network_shape& shape);
// The kernel table the networks run, "avx512 (runnable here: avx512, avx2+fma, sse2,
// scalar; MICROPROP_KERNELS chooses)", with a note when MICROPROP_KERNELS names no
// runnable table.
std::string kernels_line();

// The loss of one prediction `y` (the output activations), as the library defines it for
// the output activation (network.hpp); for held-out data, where no training step computes
// it. Classifiers take log of the predicted probabilities, clamped at the smallest float
// so a confident wrong answer costs about 103 instead of infinity.
double prediction_loss(const sample_layout& layout, activation output, const float* y, std::uint32_t label,
                       const float* target);
// The class a classifier predicts: the largest output (the first on ties), or for a
// binary classifier 1 when its output exceeds 0.5.
std::uint32_t predicted_class(const sample_layout& layout, const float* y);
// Sum over the outputs of (y - target)^2.
double squared_error(const float* y, const float* target, std::size_t outputs);

// Accuracy (classifiers) or mean squared error (regression: over samples and output
// values) and mean loss of a network's predictions on a stream; the network is not
// trained.
struct evaluation_result {
    std::size_t samples = 0;
    double accuracy = 0, mse = 0, mean_loss = 0;
};
evaluation_result evaluate(Network& net, activation output, sample_reader& data);

// --- commands --------------------------------------------------------------------------

struct train_options {
    std::string data, test, save, layers, seed = "1";
    std::string hidden = "sigmoid", output = "softmax";
    std::string init;        // --init: continue from this model file instead of a new network
    std::string schedule = "constant";  // --schedule: the learning rate per step, from --eta
    double eta = 0.05;
    long long epochs = 1;
    long long progress_every = 10000;
    long long freeze = 0;    // --freeze: layers 0..freeze-1 stay as they are
    bool bias_only = false;  // --bias-only: only the biases of the trained layers change
    bool no_progress = false;
    // Which options the command line gave (those with a default, and those --init
    // checks against the model).
    bool save_given = false, init_given = false, layers_given = false, hidden_given = false, output_given = false,
         seed_given = false;
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
    bool output_given = false;
    int row_floats = 4;
};

int run_train(const train_options& options);
int run_eval(const eval_options& options);
int run_info(const info_options& options);
int run_export(const export_options& options);

}  // namespace microprop::cli
