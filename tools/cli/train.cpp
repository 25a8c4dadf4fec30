// `microprop train`: builds a network of the requested shape and trains it one sample at
// a time in the order of the file, each sample predicted before it is learned
// (prequential evaluation), with the pipelined step of README's API example.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <optional>

#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"
#include "tool.hpp"

namespace microprop::cli {

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_interrupt(int) { stop_requested = 1; }

// Parses "--layers 64,32,10": the input size, the hidden sizes, the output size.
network_shape parse_layers(const std::string& text, activation hidden, activation output) {
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
    if (hidden == activation::softmax)
        throw usage_error("--hidden softmax: softmax is an output activation (it implies the cross-entropy loss)");
    if (output == activation::softmax && sizes.back() < 2)
        throw usage_error("--output softmax needs at least two outputs (classes)");

    network_shape shape{};
    shape.inputs = sizes[0];
    shape.layer_count = static_cast<std::uint32_t>(sizes.size() - 1);
    for (std::uint32_t l = 0; l < shape.layer_count; ++l)
        shape.layers[l] = {sizes[l + 1], l + 1 == shape.layer_count ? output : hidden};
    return shape;
}

activation parse_activation(const std::string& name) {
    for (const activation a : {activation::identity, activation::sigmoid, activation::tanh, activation::relu,
                               activation::softmax})
        if (name == activation_name(a)) return a;
    throw usage_error("unknown activation \"" + name + "\"");  // CLI11 checked it already
}

// Counts since the start of training.
struct tally {
    std::size_t seen = 0;
    std::size_t hits = 0;       // classifiers: predictions equal to the label
    double squared_error = 0;   // regression: sum over samples and outputs
    double loss = 0;            // sum of the sample losses, before each update
};

// Progress on stdout: on a terminal, one line rewritten in place at most ten times a
// second; otherwise (a log, a pipe) a plain line every `every` samples.
class progress {
public:
    progress(bool classifier, std::size_t outputs, std::size_t total, std::size_t every)
        : classifier_(classifier),
          outputs_(outputs),
          total_(total),
          every_(every),
          terminal_(::isatty(STDOUT_FILENO) == 1),
          last_shown_(std::chrono::steady_clock::now()) {}

    void update(const tally& now) {
        if (terminal_) {
            if (now.seen % 64 != 0) return;  // the clock is read on every 64th sample only
            const auto t = std::chrono::steady_clock::now();
            if (t - last_shown_ < std::chrono::milliseconds(100)) return;
            last_shown_ = t;
            std::printf("\r%s   ", line(now).c_str());
            std::fflush(stdout);
            shown_ = true;
        } else if (every_ != 0 && now.seen % every_ == 0) {
            std::printf("%s\n", line(now).c_str());
            since_ = now;
        }
    }

    // Clears the in-place line before the summary.
    void finish() {
        if (shown_) std::printf("\r%*s\r", 100, "");
    }

private:
    std::string line(const tally& now) const {
        const double seen = static_cast<double>(now.seen);
        char text[200];
        std::string s;
        if (terminal_)
            std::snprintf(text, sizeof text, "%zu of %zu samples", now.seen, total_);
        else
            std::snprintf(text, sizeof text, "%10zu samples", now.seen);
        s += text;
        if (classifier_)
            std::snprintf(text, sizeof text, "  accuracy %6.2f%%  loss %.4f",
                          100.0 * static_cast<double>(now.hits) / seen, now.loss / seen);
        else
            std::snprintf(text, sizeof text, "  mse %.6g  loss %.4f",
                          now.squared_error / (seen * static_cast<double>(outputs_)), now.loss / seen);
        s += text;
        // In a log, each line also gives the window since the previous one.
        const std::size_t recent = now.seen - since_.seen;
        if (!terminal_ && recent != now.seen && recent != 0) {
            const double r = static_cast<double>(recent);
            if (classifier_)
                std::snprintf(text, sizeof text, "  (last %zu: accuracy %6.2f%%, loss %.4f)", recent,
                              100.0 * static_cast<double>(now.hits - since_.hits) / r, (now.loss - since_.loss) / r);
            else
                std::snprintf(text, sizeof text, "  (last %zu: mse %.6g, loss %.4f)", recent,
                              (now.squared_error - since_.squared_error) / (r * static_cast<double>(outputs_)),
                              (now.loss - since_.loss) / r);
            s += text;
        }
        return s;
    }

    bool classifier_;
    std::size_t outputs_, total_, every_;
    bool terminal_;
    bool shown_ = false;
    tally since_;
    std::chrono::steady_clock::time_point last_shown_;  // a run shorter than 100 ms shows none
};

// Ctrl-C sets a flag the training loop reads, for as long as this object lives (unless
// SIGINT was ignored, as it is for a background job of a non-interactive shell).
class interrupt_guard {
public:
    interrupt_guard() : previous_(std::signal(SIGINT, on_interrupt)) {
        stop_requested = 0;
        if (previous_ == SIG_IGN) std::signal(SIGINT, SIG_IGN);
    }
    ~interrupt_guard() { std::signal(SIGINT, previous_); }
    interrupt_guard(const interrupt_guard&) = delete;
    interrupt_guard& operator=(const interrupt_guard&) = delete;

private:
    void (*previous_)(int);
};

}  // namespace

int run_train(const train_options& o) {
    // Everything the command line says is checked before any file is read.
    const activation hidden = parse_activation(o.hidden), output = parse_activation(o.output);
    const network_shape shape = parse_layers(o.layers, hidden, output);
    const float eta = static_cast<float>(o.eta);
    if (!std::isfinite(o.eta) || !(eta > 0.0f) || !std::isfinite(eta))
        throw usage_error("--eta must be a finite number > 0");
    if (o.epochs < 1 || o.epochs > 1000000) throw usage_error("--epochs must be from 1 to 1000000");
    // The model file's size field is 32 bits: a shape whose file would not fit could be
    // trained but never saved (save() refuses it with model_too_large), so say it now.
    if (!o.save.empty() && model_file_size(shape) > model_file_max_size)
        throw usage_error("--layers " + o.layers + " with --save: the model file would take " +
                          std::to_string(model_file_size(shape)) + " bytes, more than the format's limit of " +
                          std::to_string(model_file_max_size) + " (4 GiB)");

    const std::uint32_t outputs = shape.layers[shape.layer_count - 1].outputs;
    const target_kind kind = target_kind_for(output);
    const bool classifier = kind == target_kind::label;
    const dataset data = load_dataset(o.data, o.csv, shape.inputs, outputs, kind, "--layers " + o.layers);
    std::optional<dataset> test;
    if (!o.test.empty()) test = load_dataset(o.test, o.csv, shape.inputs, outputs, kind, "--layers " + o.layers);
    // Created now, so an unwritable destination fails before the training, not after.
    std::optional<output_file> save;
    if (!o.save.empty()) save.emplace(o.save);

    arena_network net;
    net.create(shape, o.seed);

    const std::size_t n = data.size();
    const std::size_t total = n * static_cast<std::size_t>(o.epochs);
    std::vector<tally> epochs(static_cast<std::size_t>(o.epochs));
    tally all;
    progress shown(classifier, outputs, total, o.progress_every);
    const interrupt_guard interrupt;

    // Reports a refused step with the line of the sample it concerned.
    auto check = [&](status s, std::size_t t) {
        if (s == status::ok) return;
        std::string hint;
        if (s == status::diverged || s == status::next_prediction_diverged) hint = " (try a smaller --eta)";
        const std::string epoch = o.epochs > 1 ? " (epoch " + std::to_string(t / n + 1) + ")" : "";
        throw failure(where(data.path, data.lines[t % n]) + "training stopped at sample " + std::to_string(t + 1) +
                      epoch + ": " + status_message(s) + hint);
    };

    const auto start = std::chrono::steady_clock::now();
    check(net->predict(data.x(0)), 0);  // prime the pipeline: output() predicts sample 0
    for (std::size_t t = 0; t < total; ++t) {
        if (stop_requested) {
            shown.finish();
            throw interrupted();
        }
        const std::size_t i = t % n;
        tally& epoch = epochs[t / n];
        // Test: output() holds the prediction of sample i, made before learning it.
        const float* y = net->output();
        if (classifier) {
            const bool hit = argmax(y, outputs) == data.labels[i];
            all.hits += hit;
            epoch.hits += hit;
        } else {
            double e2 = 0;
            for (std::size_t k = 0; k < outputs; ++k) {
                const double e = static_cast<double>(y[k]) - data.target(i)[k];
                e2 += e * e;
            }
            all.squared_error += e2;
            epoch.squared_error += e2;
        }
        // Then train, and predict the next sample in the same pass over W_1.
        const float* next = t + 1 < total ? data.x((t + 1) % n) : nullptr;
        float loss = 0.0f;
        const status s = classifier ? net->train_then_predict(data.labels[i], eta, next, &loss)
                                    : net->train_then_predict_target(data.target(i), eta, next, &loss);
        check(s, s == status::next_prediction_diverged ? t + 1 : t);
        all.loss += loss;
        epoch.loss += loss;
        ++all.seen;
        ++epoch.seen;
        shown.update(all);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    shown.finish();

    auto summary = [&](const tally& t) {
        char text[160];
        if (classifier)
            std::snprintf(text, sizeof text, "accuracy %.2f%%, mean loss %.4f",
                          100.0 * static_cast<double>(t.hits) / static_cast<double>(t.seen),
                          t.loss / static_cast<double>(t.seen));
        else
            std::snprintf(text, sizeof text, "mse %.6g, mean loss %.4f",
                          t.squared_error / static_cast<double>(t.seen * outputs), t.loss / static_cast<double>(t.seen));
        return std::string(text);
    };
    std::printf("trained %s (%s) on %s: %zu samples x %lld epoch%s, eta %g, seed %llu\n",
                shape_string(shape).c_str(), activations_string(shape).c_str(), data.path.c_str(), n, o.epochs,
                o.epochs == 1 ? "" : "s", static_cast<double>(eta), static_cast<unsigned long long>(o.seed));
    if (epochs.size() > 1)
        for (std::size_t e = 0; e < epochs.size(); ++e)
            std::printf("  epoch %zu: prequential %s\n", e + 1, summary(epochs[e]).c_str());
    std::printf("prequential (predict, then learn): %s\n", summary(all).c_str());
    if (test) {
        const evaluation_result r = evaluate(*net, output, *test);
        if (classifier)
            std::printf("held-out %s (%zu samples): accuracy %.2f%%, mean loss %.4f\n", test->path.c_str(),
                        test->size(), 100.0 * r.accuracy, r.mean_loss);
        else
            std::printf("held-out %s (%zu samples): mse %.6g, mean loss %.4f\n", test->path.c_str(), test->size(),
                        r.mse, r.mean_loss);
    }
    std::printf("time per sample: %.3f us (predict + learn, pipelined)\n", 1e6 * seconds / static_cast<double>(total));
    std::printf("kernels: %s\n", active_kernels().name);

    if (save) {
        std::string bytes(net->model_size(), '\0');
        const status s = net->save(bytes.data(), bytes.size());
        if (s != status::ok) throw failure(o.save + ": " + status_message(s));
        save->write(bytes);
        save->commit();
        std::printf("saved %s (%zu bytes, %llu steps)\n", o.save.c_str(), bytes.size(),
                    static_cast<unsigned long long>(net->steps()));
    }
    return 0;
}

}  // namespace microprop::cli
