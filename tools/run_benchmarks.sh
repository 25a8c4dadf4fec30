#!/bin/sh
# Runs both benchmark binaries with JSON output and renders the report: docs/bench-*.png, the
# section of docs/benchmarks.md between <!-- bench-report:begin --> and <!-- bench-report:end -->,
# and the README's headline table (tools/headline.py, which quotes that section).
#
#   cmake --preset host && cmake --build --preset host -j2 --target bench_report
#
# builds what is needed and calls this script (the usual way). Directly, after a build:
#
#   tools/run_benchmarks.sh [build-dir]          (default build/host)
#
# Environment: MICROPROP_BENCH_MIN_TIME (seconds per kernel benchmark, default 0.05),
# MICROPROP_BENCH_PEERS_MIN_TIME (seconds per peer benchmark, default 0.2: fewer, noisier),
# MICROPROP_BENCH_REPETITIONS (default 3; the report uses the medians),
# MICROPROP_BENCH_DOC (file whose section is rewritten, default docs/benchmarks.md; empty:
# none, and the README's headline table is left alone).
# JSON and the report's Markdown stay in <build-dir>/bench-results/.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/host}
min_time=${MICROPROP_BENCH_MIN_TIME:-0.05}
peers_min_time=${MICROPROP_BENCH_PEERS_MIN_TIME:-0.2}
reps=${MICROPROP_BENCH_REPETITIONS:-3}
doc=${MICROPROP_BENCH_DOC-docs/benchmarks.md}
cd "$root"
case $build in "$root"/*) build=${build#"$root"/} ;; esac  # relative paths in the report

out=$build/bench-results
mkdir -p "$out"
for bin in microprop_bench_kernels microprop_bench_peers; do
    if [ ! -x "$build/bench/$bin" ]; then
        echo "run_benchmarks: $build/bench/$bin is missing; build it first" \
             "(cmake --build --preset host -j2 --target bench_report does)" >&2
        exit 1
    fi
done

common="--benchmark_repetitions=$reps --benchmark_report_aggregates_only=true"
kernels_cmd="$build/bench/microprop_bench_kernels --benchmark_min_time=$min_time $common --benchmark_out=$out/kernels.json --benchmark_out_format=json"
peers_cmd="$build/bench/microprop_bench_peers --benchmark_min_time=$peers_min_time $common --benchmark_out=$out/peers.json --benchmark_out_format=json"

start=$(date +%s)
echo "run_benchmarks: $kernels_cmd"
$kernels_cmd
echo "run_benchmarks: $peers_cmd"
$peers_cmd
end=$(date +%s)

set -- --kernels "$out/kernels.json" --peers "$out/peers.json" --out-dir docs \
    --markdown "$out/report.md" \
    --command "cmake --build --preset host -j2 --target bench_report   # all of the below" \
    --command "$kernels_cmd" --command "$peers_cmd" \
    --command "/usr/bin/python3 tools/plot_benchmarks.py --kernels $out/kernels.json --peers $out/peers.json --out-dir docs --doc docs/benchmarks.md" \
    --command "/usr/bin/python3 tools/headline.py   # the README's headline table"
if [ -n "$doc" ]; then
    set -- "$@" --doc "$doc"
fi
/usr/bin/python3 tools/plot_benchmarks.py "$@"
if [ "$doc" = docs/benchmarks.md ]; then
    /usr/bin/python3 tools/headline.py
fi
echo "run_benchmarks: benchmarks took $((end - start)) s; plots in docs/, report in $out/report.md"
