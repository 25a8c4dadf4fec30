// The command-line tool end to end: `microprop train` on 1,000,000 samples of 64 features
// into 64-32-10, timed from the outside (fork to exit), several runs, medians reported.
//
//   microprop_bench_cli --tool build/host/tools/cli/microprop --digits examples/data/digits-train.csv
//       [--rows 1000000] [--runs 5] [--dir /tmp]
//
// Two inputs, written once into --dir:
//   digits    the demo's stream (examples/data/digits-train.csv, pixels k/16 written as the
//             shortest decimals: "0", "0.8125"), its rows repeated to --rows;
//   decimals  uniform values in [0, 1) with six decimals ("0.379166"), labels 0-9 (SplitMix64),
//             longer fields and no repeated values.
// Each is trained from the file and from a pipe (the benchmark writes the file into the
// tool's standard input). Besides the wall time, the report gives the tool's own "time per
// sample" (training alone) and the CSV reader's time per row on one thread (parsing alone,
// in this process), so that parsing and training can be compared.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "csv.hpp"

namespace {

struct options {
    std::string tool, digits, dir = "/tmp";
    std::size_t rows = 1000000;
    int runs = 5;
};

// One run of the tool.
struct run_result {
    double seconds = 0;          // wall, fork to exit
    long peak_rss_kib = 0;
    double train_us = 0;         // the tool's "time per sample" (training alone)
    std::string kernels;         // the tool's "kernels:" line
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "microprop_bench_cli: %s\n", what.c_str());
    std::exit(1);
}

// SplitMix64, as include/microprop/random.hpp.
struct splitmix64 {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        return z ^ (z >> 31);
    }
};

// The demo's rows (without the header) repeated to `rows`, with the header first.
void write_digits(const std::string& source, const std::string& path, std::size_t rows) {
    std::ifstream in(source);
    if (!in) die("cannot read " + source);
    std::string header, line;
    std::getline(in, header);
    std::vector<std::string> lines;
    while (std::getline(in, line))
        if (!line.empty()) lines.push_back(line);
    if (lines.empty()) die(source + " has no rows");
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) die("cannot write " + path);
    std::fprintf(out, "%s\n", header.c_str());
    for (std::size_t r = 0; r < rows; ++r) std::fprintf(out, "%s\n", lines[r % lines.size()].c_str());
    if (std::fclose(out) != 0) die("cannot write " + path);
}

void write_decimals(const std::string& path, std::size_t rows) {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr) die("cannot write " + path);
    splitmix64 rng{2026};
    std::string line;
    char field[16];
    for (std::size_t r = 0; r < rows; ++r) {
        line.clear();
        for (int c = 0; c < 64; ++c) {
            std::snprintf(field, sizeof field, "0.%06" PRIu64 ",", rng.next() % 1000000);
            line += field;
        }
        line += std::to_string(rng.next() % 10);
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), out);
    }
    if (std::fclose(out) != 0) die("cannot write " + path);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Runs `microprop train` on `data`, from the file or (pipe) through a pipe this process
// writes; stdout goes to `log`.
run_result run_tool(const options& o, const std::string& data, bool pipe, const std::string& log) {
    int fds[2] = {-1, -1};
    if (pipe && ::pipe(fds) != 0) die("pipe failed");
    const auto start = std::chrono::steady_clock::now();
    const pid_t child = fork();
    if (child < 0) die("fork failed");
    if (child == 0) {
        if (pipe) {
            ::dup2(fds[0], STDIN_FILENO);
            ::close(fds[0]);
            ::close(fds[1]);
        }
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out >= 0) ::dup2(out, STDOUT_FILENO);
        const std::string source = pipe ? "-" : data;
        execl(o.tool.c_str(), o.tool.c_str(), "train", "--data", source.c_str(), "--layers", "64,32,10", "--eta",
              "0.05", "--no-progress", static_cast<char*>(nullptr));
        _exit(127);
    }
    std::thread writer;
    if (pipe) {
        ::close(fds[0]);
        writer = std::thread([&] {
            const int in = ::open(data.c_str(), O_RDONLY);
            std::vector<char> block(1 << 16);
            for (ssize_t n; in >= 0 && (n = ::read(in, block.data(), block.size())) > 0;) {
                for (ssize_t done = 0; done < n;) {
                    const ssize_t w = ::write(fds[1], block.data() + done, static_cast<std::size_t>(n - done));
                    if (w <= 0) break;
                    done += w;
                }
            }
            if (in >= 0) ::close(in);
            ::close(fds[1]);
        });
    }
    int status = 0;
    rusage usage{};
    while (wait4(child, &status, 0, &usage) < 0)
        if (errno != EINTR) die("wait4 failed");
    run_result r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (writer.joinable()) writer.join();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("the tool failed on " + data + " (see " + log + ")");
    r.peak_rss_kib = usage.ru_maxrss;
    std::ifstream text(log);
    std::string line;
    while (std::getline(text, line))
        if (line.rfind("time per sample: ", 0) == 0) r.train_us = std::atof(line.c_str() + 17);
        else if (line.rfind("kernels: ", 0) == 0) r.kernels = line.substr(9, line.find(' ', 9) - 9);
    return r;
}

// The CSV reader alone on one thread: microseconds per row.
double parse_alone(const std::string& path) {
    struct file_source final : microprop::cli::byte_source {
        int fd;
        std::size_t read(char* data, std::size_t capacity) override {
            const ssize_t n = ::read(fd, data, capacity);
            return n > 0 ? static_cast<std::size_t>(n) : 0;
        }
    } source;
    source.fd = ::open(path.c_str(), O_RDONLY);
    if (source.fd < 0) die("cannot read " + path);
    microprop::cli::csv_reader reader(source, microprop::cli::header_mode::automatic);
    microprop::cli::csv_error error;
    const auto start = std::chrono::steady_clock::now();
    float sink = 0;
    while (reader.next(&error) == microprop::cli::csv_reader::result::row) sink += reader.row()[0];
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ::close(source.fd);
    if (!error.message.empty() || reader.rows() == 0) die(path + ": " + error.message);
    if (sink < 0) std::printf(" ");  // keeps the loop
    return 1e6 * seconds / static_cast<double>(reader.rows());
}

std::string cpu_name() {
    std::ifstream in("/proc/cpuinfo");
    std::string line, name = "unknown CPU";
    bool avx512 = false, avx2 = false;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0 && name == "unknown CPU") name = line.substr(line.find(':') + 2);
        if (line.rfind("flags", 0) == 0) {
            avx512 = avx512 || line.find(" avx512f") != std::string::npos;
            avx2 = avx2 || line.find(" avx2") != std::string::npos;
        }
    }
    return name + (avx512 ? " (AVX-512)" : avx2 ? " (AVX2, no AVX-512)" : " (no AVX2)");
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--tool") o.tool = value;
        else if (key == "--digits") o.digits = value;
        else if (key == "--dir") o.dir = value;
        else if (key == "--rows") o.rows = std::strtoull(value.c_str(), nullptr, 10);
        else if (key == "--runs") o.runs = std::atoi(value.c_str());
        else die("unknown option " + key);
    }
    if (o.tool.empty() || o.digits.empty() || o.rows == 0 || o.runs < 1)
        die("usage: microprop_bench_cli --tool PATH --digits digits-train.csv [--rows N] [--runs N] [--dir DIR]");

    struct input {
        const char* name;
        std::string path;
    };
    const input inputs[] = {{"digits", o.dir + "/microprop_bench_cli_digits.csv"},
                            {"decimals", o.dir + "/microprop_bench_cli_decimals.csv"}};
    write_digits(o.digits, inputs[0].path, o.rows);
    write_decimals(inputs[1].path, o.rows);
    const std::string log = o.dir + "/microprop_bench_cli.log";

    std::printf("microprop train --data <input> --layers 64,32,10 --eta 0.05 --no-progress\n");
    std::printf("%zu samples of 64 features; %s, %u hardware threads; %d runs each, medians\n", o.rows,
                cpu_name().c_str(), std::thread::hardware_concurrency(), o.runs);
    std::printf("| input | from | kernels | samples/s (median) | min - max | training alone, us/sample | "
                "parsing alone, us/row | peak RSS |\n|---|---|---|---|---|---|---|---|\n");
    for (const input& in : inputs) {
        const double parse_us = parse_alone(in.path);
        for (const bool pipe : {false, true}) {
            std::vector<double> rates, train;
            long rss = 0;
            std::string kernels;
            for (int r = 0; r < o.runs; ++r) {
                const run_result result = run_tool(o, in.path, pipe, log);
                rates.push_back(static_cast<double>(o.rows) / result.seconds);
                train.push_back(result.train_us);
                rss = std::max(rss, result.peak_rss_kib);
                kernels = result.kernels;
            }
            std::printf("| %s | %s | %s | %.0f | %.0f - %.0f | %.3f | %.3f | %.1f MiB |\n", in.name,
                        pipe ? "pipe" : "file", kernels.c_str(), median(rates), *std::min_element(rates.begin(), rates.end()),
                        *std::max_element(rates.begin(), rates.end()), median(train), parse_us,
                        static_cast<double>(rss) / 1024.0);
            std::fflush(stdout);
        }
    }
    for (const input& in : inputs) std::remove(in.path.c_str());
    std::remove(log.c_str());
    return 0;
}
