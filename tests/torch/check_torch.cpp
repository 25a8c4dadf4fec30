// Agreement with PyTorch: loads the model files tools/torch_to_microprop.py wrote for the
// networks of make_torch_cases.py and checks, with every kernel table this CPU runs:
//   - the loaded weights and biases are torch's float32 values, bit for bit;
//   - predict() gives torch's outputs;
//   - one train_step (class label) or train_step_target with torch's eta on torch's sample
//     gives torch's loss and, for every weight and bias, the value after one
//     torch.optim.SGD(lr=eta, momentum=0) step.
// Error measure: |microprop - torch| / max(|torch|, 0.01), that is the relative error,
// with values below 0.01 in magnitude held to an absolute 1e-7. Every figure must be at
// most 1e-5 against torch's float32 run. The float64 run of the same torch model (from
// the same float32 weights) is reported beside it, not asserted: it shows how far each
// float32 implementation is from exact arithmetic.
//
// Input: cases.txt, one record per line, a keyword and its values:
//   case PATH ETA NAME...      a model file, the step's learning rate, a name to print
//   W0 L values / b0 L values  layer L's weights (row-major [out, in]) and biases, as converted
//   x values                   an input; then y (torch float32) and y64 (float64) outputs
//   sx values                  the training sample, then `label K` or `target values`
//   loss F32 F64               the sample's loss before the step
//   W L / W64 L / b L / b64 L  layer L's parameters after the step
//   end
// Before the networks: the learning-rate schedules, from schedules.txt (check_schedules.cpp).
// A test tool, so it may allocate.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <new>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "check_schedules.hpp"
#include "microprop/kernels.hpp"
#include "microprop/model_file.hpp"
#include "microprop/network.hpp"
#include "microprop/status.hpp"

namespace {

constexpr double tolerance = 1e-5;
constexpr double floor_magnitude = 1e-2;

double error_of(double value, double reference) {
    return std::fabs(value - reference) / std::fmax(std::fabs(reference), floor_magnitude);
}

struct predict_sample {
    std::vector<float> x;
    std::vector<float> y;      // torch, float32
    std::vector<double> y64;   // torch, float64
};

struct test_case {
    std::string name, model_path;
    float eta = 0;
    std::map<int, std::vector<float>> w0, b0, w, b;
    std::map<int, std::vector<double>> w64, b64;
    std::vector<predict_sample> samples;
    std::vector<float> step_x, target;
    bool has_label = false;
    std::uint32_t label = 0;
    float loss = 0;
    double loss64 = 0;
};

template <class T>
std::vector<T> read_values(std::istringstream& in) {
    std::vector<T> values;
    std::string token;
    while (in >> token) {
        if constexpr (std::is_same_v<T, float>) values.push_back(std::strtof(token.c_str(), nullptr));
        else values.push_back(std::strtod(token.c_str(), nullptr));
    }
    return values;
}

bool read_cases(const char* path, std::vector<test_case>* cases) {
    std::ifstream file(path);
    if (!file) {
        std::fprintf(stderr, "cannot open %s\n", path);
        return false;
    }
    std::string line;
    test_case current;
    bool open = false;
    while (std::getline(file, line)) {
        std::istringstream in(line);
        std::string key;
        if (!(in >> key)) continue;
        if (key == "case") {
            current = test_case{};
            in >> current.model_path >> current.eta;
            std::getline(in >> std::ws, current.name);
            open = true;
        } else if (!open) {
            std::fprintf(stderr, "%s: '%s' outside a case\n", path, key.c_str());
            return false;
        } else if (key == "W0" || key == "b0" || key == "W" || key == "b") {
            int layer = -1;
            in >> layer;
            auto& where = key == "W0" ? current.w0 : key == "b0" ? current.b0 : key == "W" ? current.w : current.b;
            where[layer] = read_values<float>(in);
        } else if (key == "W64" || key == "b64") {
            int layer = -1;
            in >> layer;
            (key == "W64" ? current.w64 : current.b64)[layer] = read_values<double>(in);
        } else if (key == "x") {
            current.samples.push_back({read_values<float>(in), {}, {}});
        } else if (key == "y" && !current.samples.empty()) {
            current.samples.back().y = read_values<float>(in);
        } else if (key == "y64" && !current.samples.empty()) {
            current.samples.back().y64 = read_values<double>(in);
        } else if (key == "sx") {
            current.step_x = read_values<float>(in);
        } else if (key == "label") {
            in >> current.label;
            current.has_label = true;
        } else if (key == "target") {
            current.target = read_values<float>(in);
        } else if (key == "loss") {
            in >> current.loss >> current.loss64;
        } else if (key == "end") {
            cases->push_back(current);
            open = false;
        } else {
            std::fprintf(stderr, "%s: unknown record '%s'\n", path, key.c_str());
            return false;
        }
    }
    return !cases->empty() && !open;
}

struct aligned_buffer {
    explicit aligned_buffer(std::size_t n)
        : data(::operator new(n, std::align_val_t(microprop::vector_alignment))) {}
    ~aligned_buffer() { ::operator delete(data, std::align_val_t(microprop::vector_alignment)); }
    aligned_buffer(const aligned_buffer&) = delete;
    aligned_buffer& operator=(const aligned_buffer&) = delete;
    void* data;
};

// Worst errors of one case with one kernel table.
struct figures {
    double predict = 0, step = 0, loss = 0;    // against torch float32 (asserted)
    double predict64 = 0, step64 = 0;          // microprop against torch float64
    double torch_predict64 = 0, torch_step64 = 0;  // torch float32 against torch float64
    double predict_relative = 0, step_relative = 0;  // against torch float32, no floor
    double predict_absolute = 0, step_absolute = 0;  // |microprop - torch float32|
    bool failed = false;
};

void worst(double* slot, double value) { *slot = std::fmax(*slot, value); }

// The asserted error of a value against torch float32, and the figures without the floor.
void compare(double value, double reference, double* error, double* relative, double* absolute) {
    worst(error, error_of(value, reference));
    const double difference = std::fabs(value - reference);
    worst(absolute, difference);
    if (difference != 0) worst(relative, difference / std::fabs(reference));
}

figures run_case(const test_case& c) {
    using namespace microprop;
    figures f;
    std::ifstream file(c.model_path, std::ios::binary);
    const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    network_shape shape{};
    status s = read_model_shape(bytes.data(), bytes.size(), &shape);
    if (s != status::ok) {
        std::printf("  %s: read_model_shape: %s\n", c.name.c_str(), status_message(s));
        f.failed = true;
        return f;
    }
    const std::size_t need = footprint_of(shape).total;
    aligned_buffer buffer(need);
    Network net;
    s = Network::create_from_model(bytes.data(), bytes.size(), buffer.data, need, &net);
    if (s != status::ok) {
        std::printf("  %s: create_from_model: %s\n", c.name.c_str(), status_message(s));
        f.failed = true;
        return f;
    }
    const std::uint32_t layers = net.layer_count();
    const auto shape_matches = [&](const std::map<int, std::vector<float>>& w,
                                   const std::map<int, std::vector<float>>& b) {
        for (std::uint32_t l = 0; l < layers; ++l) {
            const layer_params p = net.layer(l);
            const auto wi = w.find(static_cast<int>(l));
            const auto bi = b.find(static_cast<int>(l));
            if (wi == w.end() || bi == b.end() || wi->second.size() != p.rows * p.cols ||
                bi->second.size() != p.rows)
                return false;
        }
        return w.size() == layers && b.size() == layers;
    };
    if (!shape_matches(c.w0, c.b0) || !shape_matches(c.w, c.b)) {
        std::printf("  %s: the file's shape is not torch's\n", c.name.c_str());
        f.failed = true;
        return f;
    }

    // The conversion: torch's float32 parameters, bit for bit.
    std::size_t differing = 0;
    for (std::uint32_t l = 0; l < layers; ++l) {
        const layer_params p = net.layer(l);
        const std::vector<float>& w0 = c.w0.at(static_cast<int>(l));
        const std::vector<float>& b0 = c.b0.at(static_cast<int>(l));
        for (std::size_t r = 0; r < p.rows; ++r) {
            for (std::size_t k = 0; k < p.cols; ++k)
                differing += p.weights[r * p.stride + k] != w0[r * p.cols + k];
            differing += p.bias[r] != b0[r];
        }
    }
    if (differing != 0) {
        std::printf("  %s: %zu loaded parameters differ from torch's\n", c.name.c_str(), differing);
        f.failed = true;
    }

    // predict() against torch's outputs.
    std::vector<float> y(net.output_size());
    for (const predict_sample& sample : c.samples) {
        if (sample.x.size() != net.input_size() || sample.y.size() != y.size() || sample.y64.size() != y.size() ||
            (s = net.predict(sample.x.data(), y.data())) != status::ok) {
            std::printf("  %s: predict: %s\n", c.name.c_str(), status_message(s));
            f.failed = true;
            return f;
        }
        for (std::size_t i = 0; i < y.size(); ++i) {
            compare(y[i], sample.y[i], &f.predict, &f.predict_relative, &f.predict_absolute);
            worst(&f.predict64, error_of(y[i], sample.y64[i]));
            worst(&f.torch_predict64, error_of(sample.y[i], sample.y64[i]));
        }
    }

    // One online step against torch.optim.SGD's.
    float loss = 0;
    if (c.step_x.size() != net.input_size() || (!c.has_label && c.target.size() != y.size())) {
        std::printf("  %s: the training sample does not fit the network\n", c.name.c_str());
        f.failed = true;
        return f;
    }
    s = c.has_label ? net.train_step(c.step_x.data(), c.label, c.eta, &loss)
                    : net.train_step_target(c.step_x.data(), c.target.data(), c.eta, &loss);
    if (s != status::ok) {
        std::printf("  %s: train step: %s\n", c.name.c_str(), status_message(s));
        f.failed = true;
        return f;
    }
    f.loss = error_of(loss, c.loss);
    for (std::uint32_t l = 0; l < layers; ++l) {
        const layer_params p = net.layer(l);
        const int key = static_cast<int>(l);
        const std::vector<float>& w = c.w.at(key);
        const std::vector<float>& b = c.b.at(key);
        const std::vector<double>& w64 = c.w64.at(key);
        const std::vector<double>& b64 = c.b64.at(key);
        for (std::size_t r = 0; r < p.rows; ++r) {
            for (std::size_t k = 0; k < p.cols; ++k) {
                const float mine = p.weights[r * p.stride + k];
                compare(mine, w[r * p.cols + k], &f.step, &f.step_relative, &f.step_absolute);
                worst(&f.step64, error_of(mine, w64[r * p.cols + k]));
                worst(&f.torch_step64, error_of(w[r * p.cols + k], w64[r * p.cols + k]));
            }
            compare(p.bias[r], b[r], &f.step, &f.step_relative, &f.step_absolute);
            worst(&f.step64, error_of(p.bias[r], b64[r]));
            worst(&f.torch_step64, error_of(b[r], b64[r]));
        }
    }
    if (f.predict > tolerance || f.step > tolerance || f.loss > tolerance) f.failed = true;
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s cases.txt schedules.txt (written by tests/torch/make_torch_cases.py "
                     "and make_schedule_cases.py)\n", argv[0]);
        return 2;
    }
    std::vector<test_case> cases;
    if (!read_cases(argv[1], &cases)) {
        std::fprintf(stderr, "%s: no complete case read\n", argv[1]);
        return 1;
    }

    // The schedules first (their own table); the last lines sum up the networks.
    bool failed = !microprop::torch_check::check_schedules(argv[2]);
    std::printf("\nmicroprop against PyTorch: worst |microprop - torch| / max(|torch|, %.2g),\n"
                "asserted <= %.0e against torch float32; float64 columns for information\n",
                floor_magnitude, tolerance);
    figures overall;
    for (std::size_t t = 0; t < microprop::kernel_table_count(); ++t) {
        const char* table = microprop::kernel_table_at(t).name;
        if (!microprop::select_kernels(table)) {
            std::printf("cannot select kernel table %s\n", table);
            return 1;
        }
        std::printf("\nkernels %s\n%-56s %9s %9s %9s | %9s %9s | %9s %9s\n", table, "network",
                    "predict", "step", "loss", "mp:pred64", "mp:step64", "pt:pred64", "pt:step64");
        for (const test_case& c : cases) {
            const figures f = run_case(c);
            std::printf("%-56s %9.2e %9.2e %9.2e | %9.2e %9.2e | %9.2e %9.2e%s\n", c.name.c_str(),
                        f.predict, f.step, f.loss, f.predict64, f.step64, f.torch_predict64,
                        f.torch_step64, f.failed ? "  FAILED" : "");
            failed = failed || f.failed;
            worst(&overall.predict, f.predict);
            worst(&overall.step, f.step);
            worst(&overall.loss, f.loss);
            worst(&overall.predict_relative, f.predict_relative);
            worst(&overall.step_relative, f.step_relative);
            worst(&overall.predict_absolute, f.predict_absolute);
            worst(&overall.step_absolute, f.step_absolute);
        }
    }
    std::printf("\nwithout the floor (information): worst relative error of predict %.2e, of the "
                "step %.2e; worst absolute difference of predict %.2e, of the step %.2e\n",
                overall.predict_relative, overall.step_relative, overall.predict_absolute,
                overall.step_absolute);
    std::printf("worst over %zu networks and %zu kernel tables: predict %.2e, weights after the "
                "step %.2e, loss %.2e (tolerance %.0e)\n%s\n",
                cases.size(), microprop::kernel_table_count(), overall.predict, overall.step,
                overall.loss, tolerance, failed ? "FAILED" : "torch agreement: all checks passed");
    return failed ? 1 : 0;
}
