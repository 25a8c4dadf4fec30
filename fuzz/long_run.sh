#!/bin/sh
# A long fuzzing run of one harness, outside ctest:
#   sh fuzz/long_run.sh BUILD_DIR NAME RUNS [JOBS] [WORK_DIR]
# for example `sh fuzz/long_run.sh build/fuzz model 10000000 2`. JOBS processes (default
# 1) each execute RUNS/JOBS inputs, sharing one corpus in WORK_DIR/NAME/corpus (default
# WORK_DIR: BUILD_DIR/fuzz/long), seeded from fuzz/corpus/NAME; their logs (fuzz-N.log,
# final stats at the end) and any crash (NAME-crash-*) stay in WORK_DIR/NAME.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BUILD_DIR NAME RUNS [JOBS] [WORK_DIR]" >&2; exit 2; }
source_dir=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
name=$2
runs=$3
jobs=${4:-1}
work=${5:-$build/fuzz/long}/$name
harness=$build/fuzz/microprop_fuzz_$name
[ -x "$harness" ] || { echo "$0: no $harness (configure with -DMICROPROP_BUILD_FUZZERS=ON and build it)" >&2; exit 1; }
mkdir -p "$work/corpus"
dict=""
[ -f "$source_dir/$name.dict" ] && dict="-dict=$source_dir/$name.dict"
cd "$work"
if [ "$jobs" -gt 1 ]; then
    parallel="-jobs=$jobs -workers=$jobs"
else
    parallel=""
fi
# shellcheck disable=SC2086 # $parallel and $dict are lists of options or nothing
"$harness" $parallel $dict -runs=$((runs / jobs)) -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$work/$name-" "$work/corpus" "$source_dir/corpus/$name"
