// The console summary (peers_report.hpp).
#include "peers_report.hpp"

#include <unistd.h>

#include "peers_kinds.hpp"

namespace microprop_bench_peers {

// Colour only on a terminal: a display reporter passed to RunSpecifiedBenchmarks does not
// see --benchmark_color.
collecting_reporter::collecting_reporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}

void collecting_reporter::ReportRuns(const std::vector<Run>& reports) {
    benchmark::ConsoleReporter::ReportRuns(reports);
    for (const Run& r : reports) {
        if (r.error_occurred) continue;
        const double ns = r.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(r.time_unit) * 1e9;
        const std::string name = r.run_name.function_name;
        if (r.run_type == Run::RT_Aggregate) {
            if (r.aggregate_name == "median") median_[name] = ns;
        } else {
            sum_[name] += ns;
            count_[name] += 1;
        }
    }
}

double collecting_reporter::time_of(const std::string& name) const {
    const auto m = median_.find(name);
    if (m != median_.end()) return m->second;
    const auto s = sum_.find(name);
    return s == sum_.end() ? -1.0 : s->second / count_.at(name);
}

namespace {

std::string benchmark_name(const kind_info& k, const std::string& peer, const std::string& shape) {
    return std::string(k.name) + "/" + peer + "/" + shape;
}

// "1234.5 (1.23x)": the time and its ratio to microprop's.
void print_cell(double t, double microprop_time, std::FILE* out) {
    char cell[64];
    if (t <= 0.0)
        std::snprintf(cell, sizeof cell, "-");
    else if (microprop_time > 0.0)
        std::snprintf(cell, sizeof cell, "%.1f (%.2fx)", t, t / microprop_time);
    else
        std::snprintf(cell, sizeof cell, "%.1f", t);
    std::fprintf(out, " %22s", cell);
}

void print_table(const collecting_reporter& times, const kind_info& k, const std::vector<std::string>& shapes,
                 const std::vector<std::string>& peers, std::FILE* out) {
    std::vector<std::string> columns;  // the peers that ran this kind on some shape
    for (const std::string& p : peers)
        for (const std::string& s : shapes)
            if (times.time_of(benchmark_name(k, p, s)) > 0.0) {
                columns.push_back(p);
                break;
            }
    if (columns.empty()) return;
    std::fprintf(out, "\n%s, %s CPU time in %s (in brackets: peer time / microprop time)\n", k.name,
                 times.any_median() ? "median" : "mean", k.unit);
    std::fprintf(out, "%-16s", "shape");
    for (const std::string& p : columns) std::fprintf(out, " %22s", p.c_str());
    std::fprintf(out, "\n");
    for (const std::string& s : shapes) {
        const double microprop_time = times.time_of(benchmark_name(k, "microprop", s));
        std::fprintf(out, "%-16s", s.c_str());
        for (const std::string& p : columns)
            print_cell(times.time_of(benchmark_name(k, p, s)), microprop_time, out);
        std::fprintf(out, "\n");
    }
}

}  // namespace

void print_tables(const collecting_reporter& times, const std::vector<std::string>& shapes,
                  const std::vector<std::string>& peers, std::FILE* out) {
    for (const kind_info& k : kinds) print_table(times, k, shapes, peers, out);
    std::fprintf(out, "\n(FANN's train_step and minibatch32 are sigmoid/MSE steps, the others softmax/"
                      "cross-entropy; ceiling: streaming passes over the weights, not a peer.)\n");
}

}  // namespace microprop_bench_peers
