// The console summary: per kind, the CPU time of each peer per shape and its ratio to
// microprop, printed after the usual Google Benchmark lines.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace microprop_bench_peers {

// Console output as usual, and the CPU time of each benchmark kept for the tables (the
// machines are shared: wall time also counts other processes' turns): the median
// aggregate when there are repetitions, otherwise the mean of the runs.
class collecting_reporter : public benchmark::ConsoleReporter {
public:
    collecting_reporter();
    void ReportRuns(const std::vector<Run>& reports) override;
    // Nanoseconds per iteration, or a negative value when the benchmark did not run.
    double time_of(const std::string& name) const;
    bool any_median() const { return !median_.empty(); }

private:
    std::map<std::string, double> median_, sum_;
    std::map<std::string, int> count_;
};

// One table per kind: a row per shape, a column per peer that ran that kind.
void print_tables(const collecting_reporter& times, const std::vector<std::string>& shapes,
                  const std::vector<std::string>& peers, std::FILE* out);

}  // namespace microprop_bench_peers
