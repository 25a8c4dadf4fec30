// `microprop train`: builds a network of the requested shape (or reads a saved model to
// continue it, all of it or its last layers or biases: fine-tuning) and trains it one
// sample at a time in the order of the stream, each sample predicted before it is learned
// (prequential evaluation), with the pipelined step of README's API example. A second
// thread reads and parses the input (sample_stream) while this one trains.
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"
#include "microprop/schedule.hpp"
#include "tool.hpp"

namespace microprop::cli {

namespace {

// Parses "--layers 64,32,10": the input size, the hidden sizes, the output size.
std::vector<std::uint32_t> parse_sizes(const std::string& text) {
    std::vector<std::uint32_t> sizes;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        std::uint64_t value = 0;
        bool digits = !item.empty();
        for (const char c : item) {
            if (c < '0' || c > '9') digits = false;
            else if (value <= (1u << 24)) value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (!digits || value == 0 || value > (1u << 24))
            throw usage_error("--layers " + text + ": \"" + item + "\" is not a size from 1 to 16777216");
        sizes.push_back(static_cast<std::uint32_t>(value));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (sizes.size() < 2)
        throw usage_error("--layers " + text + ": give the input size, any hidden sizes and the output size, "
                          "for example 64,32,10");
    if (sizes.size() - 1 > max_layers)
        throw usage_error("--layers " + text + ": at most " + std::to_string(max_layers) +
                          " layers after the inputs (this build's MICROPROP_MAX_LAYERS)");
    return sizes;
}

// A new network's shape: the sizes of --layers, --hidden and --output.
network_shape new_shape(const std::vector<std::uint32_t>& sizes, activation hidden, activation output) {
    if (hidden == activation::softmax)
        throw usage_error("--hidden softmax: softmax is an output activation (it implies the cross-entropy loss)");
    if (output == activation::softmax && sizes.back() < 2)
        throw usage_error("--output softmax needs at least two outputs (classes); one sigmoid output is a "
                          "binary classifier (--output sigmoid)");

    network_shape shape{};
    shape.inputs = sizes[0];
    shape.layer_count = static_cast<std::uint32_t>(sizes.size() - 1);
    for (std::uint32_t l = 0; l < shape.layer_count; ++l)
        shape.layers[l] = {sizes[l + 1], l + 1 == shape.layer_count ? output : hidden};
    return shape;
}

// --init: the model's shape is the network's; --layers, --hidden and --output, where
// given, must say the same (they cannot reshape a trained model).
void check_init_agrees(const train_options& o, const std::vector<std::uint32_t>& sizes, activation hidden,
                       activation output, const network_shape& model) {
    const std::uint32_t last = model.layer_count - 1;
    bool agrees = true;
    std::string option;
    if (o.layers_given) {
        agrees = sizes.size() == model.layer_count + 1 && sizes[0] == model.inputs;
        for (std::uint32_t l = 0; agrees && l <= last; ++l) agrees = sizes[l + 1] == model.layers[l].outputs;
        option = "--layers " + o.layers;
    }
    if (agrees && o.hidden_given) {
        for (std::uint32_t l = 0; agrees && l < last; ++l) agrees = model.layers[l].act == hidden;
        option = "--hidden " + o.hidden;
    }
    if (agrees && o.output_given) {
        agrees = model.layers[last].act == output;
        option = "--output " + o.output;
    }
    if (!agrees)
        throw usage_error(option + " with --init " + o.init + ": the model is " + shape_string(model) + " (" +
                          activations_string(model) + "); leave " + option.substr(0, option.find(' ')) +
                          " out to continue it");
}

// --freeze N: layers 0..N-1 stay as they are, and at least the last layer trains.
// `network` names where the shape came from ("--layers 4,16,3", "the model a.mpm").
void check_freeze(long long freeze, const network_shape& shape, const std::string& network) {
    if (freeze >= 0 && freeze < static_cast<long long>(shape.layer_count)) return;
    const std::string layers = std::to_string(shape.layer_count) + (shape.layer_count == 1 ? " layer" : " layers");
    const std::string allowed = shape.layer_count == 1 ? "only 0" : "0 to " + std::to_string(shape.layer_count - 1);
    throw usage_error("--freeze " + std::to_string(freeze) + ": the network (" + network + ") has " + layers +
                      "; --freeze takes " + allowed + " (at least the last layer must train)");
}

// What a fine-tuning run trains, for its summary: "training layers 3-4 of 4 (layers 1-2
// frozen), biases only"; empty when every parameter trains. Layers count from 1, as
// `microprop info` lists them.
std::string trainable_text(const network_shape& shape, std::uint32_t first, bool biases_only) {
    if (first == 0 && !biases_only) return "";
    auto range = [](std::uint32_t from, std::uint32_t to) {  // 1-based, inclusive
        return from == to ? "layer " + std::to_string(from)
                          : "layers " + std::to_string(from) + "-" + std::to_string(to);
    };
    std::string s = "training " + range(first + 1, shape.layer_count) + " of " + std::to_string(shape.layer_count);
    if (first != 0) s += " (" + range(1, first) + " frozen)";
    if (biases_only) s += ", biases only (every weight frozen)";
    return s;
}

activation parse_activation(const std::string& name) {
    for (std::uint32_t code = 0; code < activation_count; ++code)
        if (name == activation_table[code].name) return static_cast<activation>(code);
    throw usage_error("unknown activation \"" + name + "\"");  // CLI11 checked it already
}

// Decimal digits only, of a value from 0 to `max`; nothing otherwise (CLI11 would wrap -1).
std::optional<std::uint64_t> parse_unsigned(const std::string& text, std::uint64_t max) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
        if (value > (max - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

// "--seed 42": an unsigned 64-bit integer, in decimal.
std::uint64_t parse_seed(const std::string& text) {
    const std::optional<std::uint64_t> value = parse_unsigned(text, UINT64_MAX);
    if (!value) throw usage_error("--seed " + text + ": give an integer from 0 to 18446744073709551615");
    return *value;
}

// "--schedule step:0.5:100": the learning rate of each step from the base rate --eta
// (include/microprop/schedule.hpp, docs/schedules.md). Every value is checked here, with
// a message naming the field, so a schedule given is one is_valid() accepts.
learning_rate_schedule parse_schedule(const std::string& spec, float eta) {
    std::vector<std::string> fields;
    for (std::size_t start = 0;;) {
        const std::size_t colon = spec.find(':', start);
        fields.push_back(spec.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    auto refuse = [&spec](const std::string& why) { throw usage_error("--schedule " + spec + ": " + why); };
    struct form {
        const char* name;
        std::size_t least, most;  // values after the name
        const char* usage;
    };
    static constexpr form forms[] = {{"constant", 0, 0, "constant"},
                                     {"step", 2, 2, "step:GAMMA:STEP_SIZE"},
                                     {"exp", 1, 1, "exp:GAMMA"},
                                     {"inverse", 1, 1, "inverse:DECAY"},
                                     {"cosine", 1, 3, "cosine:PERIOD[:MULTIPLIER[:ETA_MIN]]"}};
    const form* chosen = nullptr;
    for (const form& f : forms)
        if (fields[0] == f.name) chosen = &f;
    if (chosen == nullptr)
        refuse("unknown schedule \"" + fields[0] +
               "\"; give constant, step:GAMMA:STEP_SIZE, exp:GAMMA, inverse:DECAY or "
               "cosine:PERIOD[:MULTIPLIER[:ETA_MIN]]");
    const std::size_t values = fields.size() - 1;
    if (values < chosen->least || values > chosen->most)
        refuse(std::to_string(values) + (values == 1 ? " value" : " values") + " after " + chosen->name +
               ": the form is " + chosen->usage);

    // A float field: a decimal number in the float range, nothing else.
    auto real = [&](std::size_t i, const char* name) {
        float value = 0.0f;
        const std::string& text = fields[i];
        const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(value))
            refuse(std::string(name) + " \"" + text + "\" is not a finite number in the float range");
        return value;
    };
    // A count of steps: an integer from 1 to 2^32 - 1.
    auto count = [&](std::size_t i, const char* name) {
        const std::optional<std::uint64_t> value = parse_unsigned(fields[i], UINT32_MAX);
        if (!value || *value == 0)
            refuse(std::string(name) + " \"" + fields[i] + "\" is not an integer from 1 to 4294967295");
        return static_cast<std::uint32_t>(*value);
    };
    auto decay_factor = [&](std::size_t i) {
        const float gamma = real(i, "GAMMA");
        if (!(gamma >= schedule::smallest_normal && gamma <= 1.0f))
            refuse("GAMMA " + fields[i] + " must be above 0 and at most 1 (the rate is multiplied by it)");
        return gamma;
    };

    learning_rate_schedule s = schedule::constant(eta);
    const std::string kind = chosen->name;
    if (kind == "step") {
        const float gamma = decay_factor(1);
        s = schedule::step_decay(eta, gamma, count(2, "STEP_SIZE"));
    } else if (kind == "exp") {
        s = schedule::exponential(eta, decay_factor(1));
    } else if (kind == "inverse") {
        const float decay = real(1, "DECAY");
        if (!(decay == 0.0f || schedule::is_positive_normal(decay)))
            refuse("DECAY " + fields[1] + " must be 0 or a positive number (at least 1.2e-38)");
        s = schedule::inverse_time(eta, decay);
    } else if (kind == "cosine") {
        const std::uint32_t period = count(1, "PERIOD");
        const std::uint32_t multiplier = values >= 2 ? count(2, "MULTIPLIER") : 1;
        const float eta_min = values >= 3 ? real(3, "ETA_MIN") : 0.0f;
        if (!(eta_min == 0.0f || schedule::is_positive_normal(eta_min)) || eta_min > eta) {
            char bound[40];
            std::snprintf(bound, sizeof bound, "%g", static_cast<double>(eta));
            refuse("ETA_MIN " + fields[3] + " must be 0 or from 1.2e-38 to --eta (" + bound +
                   "): the rate anneals down to it");
        }
        s = schedule::cosine_restarts(eta, period, multiplier, eta_min);
    }
    // What is left for is_valid() to refuse is the base: a subnormal --eta (a constant
    // rate keeps it, as before).
    if (s.kind != schedule_kind::constant && !is_valid(s))
        refuse("--eta is below 1.2e-38 (the smallest normal float), too small for a schedule");
    return s;
}

// Counts since the start of training (or of an epoch).
struct tally {
    std::size_t seen = 0;       // samples predicted (and scored)
    std::size_t hits = 0;       // classifiers: predictions equal to the label
    double squared_error = 0;   // regression: sum over samples and output values
    double loss = 0;            // sum of the sample losses, before each update
    std::size_t refused = 0;    // samples not learned: a refused step or an overflowing forward pass
};

// A loss for a line: four decimals, or four digits once it is huge (a diverged run).
std::string loss_text(double loss) {
    char text[40];
    std::snprintf(text, sizeof text, std::fabs(loss) < 1e6 ? "%.4f" : "%.4g", loss);
    return text;
}

// "accuracy 96.17%, mean loss 0.1765 (cross-entropy)" or, for regression, "mean squared
// error 0.0123 per output value, mean loss 0.0456 (1/2 sum of squared errors)".
std::string summary(const tally& t, bool classifier, std::size_t outputs, loss_kind loss) {
    char text[200];
    const double n = static_cast<double>(t.seen);
    if (classifier)
        std::snprintf(text, sizeof text, "accuracy %.2f%%, mean loss %s (%s)",
                      100.0 * static_cast<double>(t.hits) / n, loss_text(t.loss / n).c_str(), loss_description(loss));
    else
        std::snprintf(text, sizeof text, "mean squared error %.6g per output value, mean loss %s (%s)",
                      t.squared_error / (n * static_cast<double>(outputs)), loss_text(t.loss / n).c_str(),
                      loss_description(loss));
    return text;
}

// Progress on stdout: on a terminal, one line rewritten in place at most ten times a
// second; otherwise (a log, a pipe) a plain line every `every` samples, flushed at once.
class progress {
public:
    progress(bool classifier, std::size_t outputs, std::size_t epochs, std::uint64_t file_size, std::size_t every)
        : classifier_(classifier),
          outputs_(outputs),
          epochs_(epochs),
          file_size_(file_size),
          every_(every),
          terminal_(every != 0 && ::isatty(STDOUT_FILENO) == 1),  // every == 0: --no-progress
          last_shown_(std::chrono::steady_clock::now()) {}

    void update(const tally& now, std::size_t processed, const sample_batch& batch) {
        if (terminal_) {
            if (processed % 64 != 0) return;  // the clock is read on every 64th sample only
            const auto t = std::chrono::steady_clock::now();
            if (t - last_shown_ < std::chrono::milliseconds(100)) return;
            last_shown_ = t;
            std::printf("\r%s   ", terminal_line(now, processed, batch).c_str());
            flush_standard_output();
            shown_ = true;
        } else if (every_ != 0 && processed % every_ == 0) {
            print_line(log_line(now, processed).c_str());
            flush_standard_output();
            since_ = now;
            since_processed_ = processed;
        }
    }

    // Clears the in-place line before the summary.
    void finish() {
        if (shown_) std::printf("\r%*s\r", 110, "");
        shown_ = false;
    }

private:
    std::string figures(const tally& t) const {
        char text[120];
        const double n = static_cast<double>(t.seen);
        if (t.seen == 0) return "";
        if (classifier_)
            std::snprintf(text, sizeof text, "  accuracy %6.2f%%  loss %s", 100.0 * static_cast<double>(t.hits) / n,
                          loss_text(t.loss / n).c_str());
        else
            std::snprintf(text, sizeof text, "  mse %.6g  loss %s",
                          t.squared_error / (n * static_cast<double>(outputs_)), loss_text(t.loss / n).c_str());
        return text;
    }

    std::string terminal_line(const tally& now, std::size_t processed, const sample_batch& batch) const {
        char text[100];
        std::snprintf(text, sizeof text, "%zu samples", processed);
        std::string s = text;
        if (epochs_ > 1 || file_size_ != 0) {
            s += " (";
            if (epochs_ > 1) s += "epoch " + std::to_string(batch.epoch + 1) + " of " + std::to_string(epochs_);
            if (file_size_ != 0) {
                std::snprintf(text, sizeof text, "%s%.0f%% read", epochs_ > 1 ? ", " : "",
                              100.0 * static_cast<double>(batch.bytes) / static_cast<double>(file_size_));
                s += text;
            }
            s += ")";
        }
        return s + figures(now);
    }

    // In a log, each line also gives the window since the previous one.
    std::string log_line(const tally& now, std::size_t processed) const {
        char text[200];
        std::snprintf(text, sizeof text, "%10zu samples", processed);
        std::string s = text + figures(now);
        tally window;
        window.seen = now.seen - since_.seen;
        window.hits = now.hits - since_.hits;
        window.squared_error = now.squared_error - since_.squared_error;
        window.loss = now.loss - since_.loss;
        if (since_processed_ != 0 && window.seen != 0) {
            const double r = static_cast<double>(window.seen);
            if (classifier_)
                std::snprintf(text, sizeof text, "  (last %zu: accuracy %6.2f%%, loss %s)", processed - since_processed_,
                              100.0 * static_cast<double>(window.hits) / r, loss_text(window.loss / r).c_str());
            else
                std::snprintf(text, sizeof text, "  (last %zu: mse %.6g, loss %s)", processed - since_processed_,
                              window.squared_error / (r * static_cast<double>(outputs_)),
                              loss_text(window.loss / r).c_str());
            s += text;
        }
        return s;
    }

    bool classifier_;
    std::size_t outputs_, epochs_;
    std::uint64_t file_size_;
    std::size_t every_;
    bool terminal_;
    bool shown_ = false;
    tally since_;
    std::size_t since_processed_ = 0;
    std::chrono::steady_clock::time_point last_shown_;  // a run shorter than 100 ms shows none
};

// Watches the loss for divergence: the mean loss of each window of samples against the
// lowest seen so far (the untrained network's first loss included). A window far above
// it (ten times, and by more than 1) means the steps make things worse: too large an eta.
class divergence_watch {
public:
    static constexpr std::size_t window = 1000;

    // The loss of the sample numbered `processed`; true when its window ends far above
    // the best.
    bool add(double loss, std::size_t processed) {
        if (!started_) {
            best_ = loss;
            started_ = true;
        }
        if (count_ == 0) first_ = processed;
        sum_ += loss;
        last_sample_ = processed;
        return ++count_ == window && close();
    }
    // The last, partial window.
    bool finish() { return count_ != 0 && close(); }

    double best() const { return best_; }
    double last() const { return last_; }
    std::size_t first_sample() const { return first_; }
    std::size_t last_sample() const { return last_sample_; }

private:
    bool close() {
        last_ = sum_ / static_cast<double>(count_);
        sum_ = 0;
        count_ = 0;
        if (!(last_ <= 10 * best_ + 1)) return true;  // NaN included
        if (last_ < best_) best_ = last_;
        return false;
    }

    bool started_ = false;
    double best_ = 0, last_ = 0, sum_ = 0;
    std::size_t count_ = 0, first_ = 0, last_sample_ = 0;
};

void warn(const std::string& text) { std::fprintf(stderr, "microprop train: warning: %s\n", text.c_str()); }

}  // namespace

int run_train(const train_options& o) {
    // Everything the command line says is checked before any file is read; with --init,
    // what only the model can tell (its shape against --layers, --hidden, --output and
    // --freeze) as soon as it is read, before the data.
    const activation hidden_asked = parse_activation(o.hidden), output_asked = parse_activation(o.output);
    std::vector<std::uint32_t> sizes;
    if (o.layers_given) sizes = parse_sizes(o.layers);
    else if (!o.init_given)
        throw usage_error("--layers is required: the shape of a new network (or --init MODEL.mpm to continue "
                          "training a saved one)");
    if (o.init_given && o.init.empty()) throw usage_error("--init needs a file name");
    if (o.init_given && o.seed_given)
        throw usage_error("--seed " + o.seed + " with --init " + o.init +
                          ": a seed chooses a new network's initial weights; --init continues from the model's");
    network_shape shape{};
    if (!o.init_given) shape = new_shape(sizes, hidden_asked, output_asked);
    const float eta = static_cast<float>(o.eta);
    if (!std::isfinite(o.eta) || !(eta > 0.0f) || !std::isfinite(eta))
        throw usage_error("--eta must be a finite number > 0");
    const learning_rate_schedule rates = parse_schedule(o.schedule, eta);
    // A constant rate is --eta itself, as before schedules (a subnormal --eta included).
    const bool scheduled = rates.kind != schedule_kind::constant;
    if (o.epochs < 1 || o.epochs > 1000000) throw usage_error("--epochs must be from 1 to 1000000");
    // The model file's size field is 32 bits: a shape whose file would not fit could be
    // trained but never saved (save() refuses it with model_too_large), so say it now.
    // (A model read with --init fits: it came from such a file.)
    if (o.save_given && !o.init_given && model_file_size(shape) > model_file_max_size)
        throw usage_error("--layers " + o.layers + " with --save: the model file would take " +
                          std::to_string(model_file_size(shape)) + " bytes, more than the format's limit of " +
                          std::to_string(model_file_max_size) + " (4 GiB)");
    if (o.progress_every <= 0)
        throw usage_error("--progress-every must be a number of samples >= 1 (--no-progress prints none)");
    const std::uint64_t seed = o.init_given ? 0 : parse_seed(o.seed);
    if (o.data.empty()) throw usage_error("--data needs a file name (- for standard input)");
    if (o.csv.label_column_given && o.csv.label_column == 0)
        throw usage_error("--label-column 0: columns count from 1 (the first) or from -1 (the last)");
    if (o.test == "-" && o.data == "-") throw usage_error("--data and --test cannot both read standard input");
    if (o.save_given) check_output_path("--save", o.save);
    const std::size_t epochs = static_cast<std::size_t>(o.epochs);
    if (epochs > 1) {
        // Another pass means reading the input again: a regular file only.
        struct stat st {};
        const int found = o.data == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(o.data.c_str(), &st);
        if (found == 0 && !S_ISREG(st.st_mode))
            throw usage_error("--epochs " + std::to_string(epochs) + ": " +
                              (o.data == "-" ? std::string("standard input") : o.data) +
                              " is not a regular file (a pipe?), so it cannot be read again: train one epoch, "
                              "or save the stream to a file first");
    }

    // The network: the --init model, read now (a missing or damaged file fails here), or
    // a new one, made once the data is known to fit it.
    arena_network net;
    std::string network = "--layers " + o.layers;  // where its shape came from, for messages
    if (o.init_given) {
        net.load(read_model_file(o.init), o.init);
        check_init_agrees(o, sizes, hidden_asked, output_asked, net.shape());
        shape = net.shape();
        network = "the model " + o.init;
    }
    check_freeze(o.freeze, shape, network);
    const activation output = shape.layers[shape.layer_count - 1].act;
    const sample_layout layout = layout_for(shape);
    if (layout.kind == target_kind::vector && o.csv.label_column_given)
        throw usage_error("--label-column applies to classifiers (softmax or sigmoid output); a "
                          "regression network's targets are the last columns");

    const bool classifier = layout.kind == target_kind::label;
    const std::size_t outputs = layout.outputs;
    const loss_kind loss = loss_for(output);
    // The inputs are opened and their first rows checked before anything is trained.
    sample_reader data(o.data, o.csv, layout, network);
    std::optional<sample_reader> test;
    if (!o.test.empty()) test.emplace(o.test, o.csv, layout, network);
    // Created now, so an unwritable destination fails before the training, not after.
    std::optional<output_file> save;
    if (o.save_given) save.emplace(o.save);

    if (!o.init_given) net.create(shape, seed);
    const std::uint64_t steps_before = net->steps();
    const auto first_trainable = static_cast<std::uint32_t>(o.freeze);
    const status trainable = net->set_trainable(first_trainable, o.bias_only);
    if (trainable != status::ok) throw failure(std::string("--freeze: ") + status_message(trainable));

    std::vector<tally> per_epoch(epochs);
    tally all;
    std::size_t processed = 0, first_epoch_samples = 0;
    progress shown(classifier, outputs, epochs, data.file().regular() ? data.file().size() : 0,
                   o.no_progress ? 0 : static_cast<std::size_t>(o.progress_every));
    divergence_watch watch;
    bool warned = false;  // one warning line about divergence, whichever sign comes first
    std::vector<float> y(outputs);  // the prediction, kept for a refused step's loss

    // The advice of a divergence warning: "try a smaller --eta (now 0.1, with --schedule
    // exp:0.999)".
    char eta_now[40];
    std::snprintf(eta_now, sizeof eta_now, "%g", static_cast<double>(eta));
    const std::string schedule_text = scheduled ? " " + o.schedule : "";
    const std::string smaller_eta = "try a smaller --eta (now " + std::string(eta_now) +
                                    (scheduled ? ", with --schedule " + o.schedule : "") + ")";
    auto loss_warning = [&] {
        if (warned) return;
        warned = true;
        char text[300];
        std::snprintf(text, sizeof text,
                      "the loss grows: mean loss %.4g over samples %zu to %zu, against %.4g at best; training "
                      "diverges: ",
                      watch.last(), watch.first_sample(), watch.last_sample(), watch.best());
        warn(text + smaller_eta);
    };
    auto refused = [&](const sample_batch& b, std::size_t i, const char* what) {
        ++all.refused;
        ++per_epoch[b.epoch].refused;
        if (warned) return;
        warned = true;
        warn(where(data.path(), b.lines[i]) + "sample " + std::to_string(processed) + " not learned: " + what +
             "; training diverges: " + smaller_eta);
    };

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    sample_stream stream(data, epochs);
    sample_batch* current = stream.next();
    // Training time: from a batch's arrival to its release, the waits for the reader
    // left out (the clock is read once per batch).
    auto batch_start = clock::now();
    clock::duration training{};
    std::size_t i = 0;
    bool forward = false;  // output() holds the prediction of the current sample
    while (current != nullptr) {
        check_interrupt();
        const sample_batch& b = *current;
        const float* x = b.x(i);
        ++processed;
        if (b.epoch == 0) ++first_epoch_samples;
        tally& epoch = per_epoch[b.epoch];
        sample_batch* following = nullptr;
        bool predicted = true;
        if (!forward) {
            const status s = net->predict(x);
            if (s == status::diverged) {
                refused(b, i, "its forward pass overflowed (weights or inputs too large)");
                predicted = false;
            } else if (s != status::ok) {
                throw failure(where(data.path(), b.lines[i]) + "training stopped at sample " +
                              std::to_string(processed) + ": " + status_message(s));
            }
        }
        if (predicted) {
            // Test: output() holds the prediction of this sample, made before learning it.
            const float* prediction = net->output();
            std::copy(prediction, prediction + outputs, y.begin());
            if (classifier) {
                const bool hit = predicted_class(layout, y.data()) == b.labels[i];
                all.hits += hit;
                epoch.hits += hit;
            } else {
                const double e2 = squared_error(y.data(), b.target(i), outputs);
                all.squared_error += e2;
                epoch.squared_error += e2;
            }
            // Then train, and predict the next sample in the same pass over W_1 (the next
            // batch's first sample if the reader has it ready; otherwise it is predicted
            // when it arrives, which gives the same bits).
            const float* next_x = nullptr;
            if (i + 1 < b.count) {
                next_x = b.x(i + 1);
            } else if ((following = stream.next(false)) != nullptr) {
                next_x = following->x(0);
            }
            float sample_loss = 0.0f;
            // The rate of this update: the schedule at the network's step count, which
            // an --init model brings from its file (so its schedule continues).
            const float rate = scheduled ? learning_rate(rates, net->steps()) : eta;
            const status s = classifier && !layout.binary
                                 ? net->train_then_predict(b.labels[i], rate, next_x, &sample_loss)
                                 : net->train_then_predict_target(b.target(i), rate, next_x, &sample_loss);
            double l = sample_loss;
            forward = s == status::ok && next_x != nullptr;
            if (s == status::diverged) {
                l = prediction_loss(layout, output, y.data(), b.labels[i], b.target(i));
                refused(b, i, "the step would make a weight or activation non-finite (diverged)");
            } else if (s != status::ok && s != status::next_prediction_diverged) {
                throw failure(where(data.path(), b.lines[i]) + "training stopped at sample " +
                              std::to_string(processed) + ": " + status_message(s));
            }
            // next_prediction_diverged: this sample is learned; the next one's forward
            // pass, tried again, refuses it.
            ++all.seen;
            ++epoch.seen;
            all.loss += l;
            epoch.loss += l;
            if (watch.add(l, processed)) loss_warning();
        }
        shown.update(all, processed, b);
        if (++i == b.count) {
            stream.release(current);
            training += clock::now() - batch_start;
            current = following != nullptr ? following : stream.next();
            batch_start = clock::now();
            i = 0;
        }
    }
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    if (watch.finish()) loss_warning();
    shown.finish();

    char text[600];
    // A new network says its seed; a continued one, the model it started from.
    const std::string origin = o.init_given ? "from " + o.init + " (" + std::to_string(steps_before) + " steps)"
                                            : "seed " + std::to_string(seed);
    std::snprintf(text, sizeof text, "trained %s (%s) on %s: %zu samples x %zu epoch%s, eta %s%s, %s",
                  shape_string(shape).c_str(), activations_string(shape).c_str(), data.path().c_str(),
                  first_epoch_samples, epochs, epochs == 1 ? "" : "s", eta_now, schedule_text.c_str(), origin.c_str());
    print_line(text);
    const std::string trains = trainable_text(shape, first_trainable, o.bias_only);
    if (!trains.empty()) print_line(trains.c_str());
    print_line(("kernels: " + kernels_line()).c_str());
    if (epochs > 1)
        for (std::size_t e = 0; e < epochs; ++e) {
            std::snprintf(text, sizeof text, "  epoch %zu: prequential %s", e + 1,
                          summary(per_epoch[e], classifier, outputs, loss).c_str());
            print_line(text);
        }
    std::snprintf(text, sizeof text, "prequential (predict, then learn): %s",
                  summary(all, classifier, outputs, loss).c_str());
    print_line(text);
    if (all.refused != 0) {
        std::snprintf(text, sizeof text,
                      "not learned: %zu sample%s (step refused as diverged, or forward pass overflowed): try a "
                      "smaller --eta%s",
                      all.refused, all.refused == 1 ? "" : "s",
                      scheduled ? (" (with --schedule" + schedule_text + ")").c_str() : "");
        print_line(text);
    }
    const double waiting = stream.seconds_waiting();
    std::snprintf(text, sizeof text, "time per sample: %.3f us (predict + learn, pipelined)",
                  1e6 * std::chrono::duration<double>(training).count() / static_cast<double>(processed));
    print_line(text);
    std::snprintf(text, sizeof text,
                  "throughput: %.0f samples/s end to end (a second thread read and parsed the input; waited %.3f s "
                  "for it)",
                  static_cast<double>(processed) / seconds, waiting);
    print_line(text);
    flush_standard_output();

    if (test) {
        const evaluation_result r = evaluate(*net, output, *test);
        if (classifier)
            std::snprintf(text, sizeof text, "held-out %s (%zu samples): accuracy %.2f%%, mean loss %.4f (%s)",
                          test->path().c_str(), r.samples, 100.0 * r.accuracy, r.mean_loss, loss_description(loss));
        else
            std::snprintf(text, sizeof text,
                          "held-out %s (%zu samples): mean squared error %.6g per output value, mean loss %.4f (%s)",
                          test->path().c_str(), r.samples, r.mse, r.mean_loss, loss_description(loss));
        print_line(text);
        flush_standard_output();
    }

    if (save) {
        std::string bytes(net->model_size(), '\0');
        const status s = net->save(bytes.data(), bytes.size());
        if (s != status::ok) throw failure(o.save + ": " + status_message(s));
        check_interrupt();
        save->write(bytes);
        save->commit();
        std::snprintf(text, sizeof text, "saved %s (%zu bytes, %llu steps)", o.save.c_str(), bytes.size(),
                      static_cast<unsigned long long>(net->steps()));
        print_line(text);
        flush_standard_output();
    }
    return 0;
}

}  // namespace microprop::cli
