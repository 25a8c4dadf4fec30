// The `microprop` command-line tool: train a network on a CSV stream, evaluate it,
// describe it, export it for firmware. Arguments are parsed by CLI11; the work is done
// by the run_* functions (tool.hpp), which report problems by exception, turned here
// into one line on stderr and an exit status.
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tool.hpp"

using namespace microprop::cli;

namespace {

// The CSV options train and eval share. `header` is a string for CLI11; it becomes a
// header_mode once parsed.
struct csv_flags {
    std::string header = "auto";
    CLI::Option* label_column = nullptr;
};

void add_csv_options(CLI::App* command, csv_options& options, csv_flags& flags) {
    flags.label_column = command->add_option("--label-column", options.label_column,
                            "Column of the class label: 1 the first, -1 (default) the last, -2 the one before");
    auto* header = command->add_option("--header", flags.header,
                                       "auto: the first row is a header if none of its fields is a number")
                       ->check(CLI::IsMember({"auto", "yes", "no"}))
                       ->capture_default_str();
    command->add_flag_callback("--no-header", [&flags] { flags.header = "no"; }, "Same as --header no: every row is data")
        ->excludes(header);
}

void finish_csv_options(csv_options& options, const csv_flags& flags) {
    options.header = flags.header == "yes"  ? header_mode::present
                     : flags.header == "no" ? header_mode::absent
                                            : header_mode::automatic;
    options.label_column_given = flags.label_column->count() > 0;
}

// The names --hidden and --output accept, from the library's activation table: every one
// for the output, those that are not output-only (softmax) for hidden layers.
std::vector<std::string> activation_names(bool hidden) {
    std::vector<std::string> names;
    for (const microprop::activation_traits& a : microprop::activation_table)
        if (!hidden || !a.output_only) names.emplace_back(a.name);
    return names;
}

// The activations whose loss is (or is not) the squared error, "a, b or c": regression
// and classifier outputs, from the library's activation table.
std::string outputs_of(bool regression) {
    std::vector<std::string> names;
    for (const microprop::activation_traits& a : microprop::activation_table)
        if ((a.loss == microprop::loss_kind::squared_error) == regression) names.emplace_back(a.name);
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i)
        list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return list;
}

std::string csv_help() {
    return "CSV files: numbers separated by commas, one sample per line, blank lines skipped, an\n"
           "optional header row. Classifiers (" + outputs_of(false) + " output) take the class label, an\n"
           "integer from 0, from the last column (or --label-column) and the other columns as inputs.\n"
           "Regression networks (" + outputs_of(true) + " output) take the last K columns as targets,\n"
           "K = the output size, and the others as inputs. One sigmoid output is a binary classifier:\n"
           "labels 0 and 1, class 1 predicted when the output exceeds 0.5. A line may hold at most\n"
           "1 MiB (or 64 bytes per column for wider networks).";
}

// CLI11's message on one line, like the tool's own.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

}  // namespace

namespace {

int run_command_line(int argc, char** argv) {
    CLI::App app{"Train, evaluate, inspect and export multilayer perceptrons that learn one sample at a time.",
                 "microprop"};
    app.set_version_flag("--version", "microprop " MICROPROP_VERSION);
    app.require_subcommand(1);
    app.footer("Exit status: 0 done, 1 bad data, model or file, 2 bad command line, 129/130/143 stopped by\n"
               "SIGHUP/SIGINT/SIGTERM (nothing saved).\n"
               "Run `microprop <command> --help` for a command's options; the manual is docs/cli.md in\n"
               "microprop's source tree.");

    train_options train_o;
    csv_flags train_csv;
    CLI::App* train = app.add_subcommand(
        "train", "Train a new network, or continue a saved one (--init), on a CSV stream, one sample at a time "
                 "(predict, then learn)");
    train->add_option("--data", train_o.data,
                      "CSV file of training samples in stream order (- for stdin; a pipe is trained on as its "
                      "lines arrive)")
        ->required();
    CLI::Option* layers = train->add_option(
        "--layers", train_o.layers, "Input size, hidden layer sizes, output size, e.g. 64,32,10 (required without --init)");
    CLI::Option* hidden = train->add_option("--hidden", train_o.hidden, "Activation of the hidden layers")
                              ->check(CLI::IsMember(activation_names(/*hidden*/ true)))
                              ->capture_default_str();
    CLI::Option* output_act = train->add_option("--output", train_o.output,
                                                "Output activation; it implies the loss: softmax cross-entropy, "
                                                "sigmoid binary cross-entropy (one sigmoid output: a binary "
                                                "classifier, labels 0 and 1), others 1/2 sum of squared errors "
                                                "(regression)")
                                  ->check(CLI::IsMember(activation_names(/*hidden*/ false)))
                                  ->capture_default_str();
    train->add_option("--eta", train_o.eta, "Learning rate (> 0)")->capture_default_str();
    train->add_option("--schedule", train_o.schedule,
                      "Learning-rate schedule from --eta, per step: constant, step:GAMMA:STEP_SIZE (times GAMMA "
                      "every STEP_SIZE steps), exp:GAMMA (times GAMMA every step), inverse:DECAY (--eta / (1 + DECAY x "
                      "step)), cosine:PERIOD[:MULTIPLIER[:ETA_MIN]] (cosine from --eta to ETA_MIN, restarted after "
                      "PERIOD steps, each period MULTIPLIER times the last; 1 and 0 by default); the steps count "
                      "on from an --init model's (docs/schedules.md)")
        ->capture_default_str();
    train->add_option("--epochs", train_o.epochs, "Passes over the file (a regular file: it is read again)")
        ->capture_default_str();
    CLI::Option* seed = train->add_option("--seed", train_o.seed, "Seed of the initial weights, 0 to 2^64 - 1 "
                                                                  "(not with --init)")
                            ->capture_default_str();
    CLI::Option* init = train->add_option(
        "--init", train_o.init,
        "Continue training this model file (its shape, weights and steps trained) instead of a new network; "
        "--layers, --hidden and --output may be given only if they agree with it");
    train->add_option("--freeze", train_o.freeze,
                      "Fine-tuning: the first N layers stay as they are (never written); N from 0 to the layer "
                      "count - 1 (at least the last layer trains)")
        ->capture_default_str();
    train->add_flag("--bias-only", train_o.bias_only,
                    "Fine-tuning: only biases train, every weight stays as it is (with --freeze N, the biases of "
                    "the layers after the first N)");
    train->add_option("--test", train_o.test, "Held-out CSV file, evaluated after training");
    CLI::Option* save = train->add_option("--save", train_o.save,
                                          "Write the trained model to this file (docs/model-format.md)");
    train->add_option("--progress-every", train_o.progress_every,
                      "Not on a terminal: a progress line every N samples (>= 1), flushed at once")
        ->capture_default_str();
    train->add_flag("--no-progress", train_o.no_progress, "No progress lines, on a terminal or not");
    add_csv_options(train, train_o.csv, train_csv);
    train->footer(csv_help());

    eval_options eval_o;
    csv_flags eval_csv;
    CLI::App* eval = app.add_subcommand(
        "eval", "Accuracy or mean squared error, and mean loss, of a saved model on a CSV stream");
    eval->add_option("--model", eval_o.model, "Model file")->required();
    eval->add_option("--data", eval_o.data, "CSV file of samples (- for stdin)")->required();
    add_csv_options(eval, eval_o.csv, eval_csv);
    eval->footer(csv_help());

    info_options info_o;
    CLI::App* info = app.add_subcommand(
        "info", "Shape, activations, loss, steps trained and footprint of a saved model, and the kernels");
    info->add_option("--model", info_o.model, "Model file")->required();

    export_options export_o;
    CLI::App* export_cmd = app.add_subcommand(
        "export", "Write a saved model as a C header for firmware (microprop::flash_network arrays)");
    export_cmd->add_option("--model", export_o.model, "Model file")->required();
    export_cmd->add_flag("--c-header", "Export as a C99/C++ header (the only format so far)")->required();
    export_cmd->add_option("--name", export_o.name,
                           "Prefix of the arrays (NAME_w0, ...) and macros; default: the file's name");
    export_cmd->add_option("--row-floats", export_o.row_floats,
                           "Row padding of the reading build's MICROPROP_ROW_FLOATS (4 Cortex-M, 16 x86-64)")
        ->check(CLI::IsMember({1, 2, 4, 8, 16}))
        ->capture_default_str();
    CLI::Option* output = export_cmd->add_option("-o,--output", export_o.output,
                                                 "Write the header here instead of standard output");

    CLI::App* const commands[] = {train, eval, info, export_cmd};
    auto command_name = [&]() -> std::string {
        for (CLI::App* c : commands)
            if (c->parsed()) return "microprop " + c->get_name();
        return "microprop";
    };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        const std::string name = command_name();
        std::fprintf(stderr, "%s: %s (run `%s --help` for the options)\n", name.c_str(), one_line(e.what()).c_str(),
                     name.c_str());
        return exit_usage;
    }

    const std::string name = command_name();
    try {
        if (train->parsed()) {
            finish_csv_options(train_o.csv, train_csv);
            train_o.save_given = save->count() > 0;
            train_o.init_given = init->count() > 0;
            train_o.layers_given = layers->count() > 0;
            train_o.hidden_given = hidden->count() > 0;
            train_o.output_given = output_act->count() > 0;
            train_o.seed_given = seed->count() > 0;
            return run_train(train_o);
        }
        if (eval->parsed()) {
            finish_csv_options(eval_o.csv, eval_csv);
            if (eval_o.csv.label_column_given && eval_o.csv.label_column == 0)
                throw usage_error("--label-column 0: columns count from 1 (the first) or from -1 (the last)");
            return run_eval(eval_o);
        }
        if (info->parsed()) return run_info(info_o);
        export_o.output_given = output->count() > 0;
        return run_export(export_o);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "%s: %s (run `%s --help` for the options)\n", name.c_str(), e.what(), name.c_str());
        return exit_usage;
    } catch (const failure& e) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return exit_failure;
    } catch (const interrupted& e) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return 128 + e.signal;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "%s: out of memory\n", name.c_str());
        return exit_failure;
    }
}

}  // namespace

int main(int argc, char** argv) {
    prepare_process();
    try {
        return run_command_line(argc, argv);
    } catch (const std::exception& e) {  // setting up the command line itself failed (memory)
        std::fprintf(stderr, "microprop: %s\n", e.what());
        return exit_failure;
    }
}
