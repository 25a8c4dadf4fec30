#!/bin/sh
# The `microprop` tool as a user runs it, one ctest test per case (tests/cli/CMakeLists.txt):
#   cli_cases.sh CASE TOOL DATA_DIR WORK_DIR C_COMPILER CXX_COMPILER INCLUDE_DIR RUN_TOOL RSS_SCALE
# Each case works in WORK_DIR/CASE. The model that later cases read is trained by the case
# train_classifier (a ctest fixture). Bad input must give a non-zero status, one message
# naming the file (and line, and column) on stderr, and leave no output file behind.
# RUN_TOOL (run_tool.cpp) measures a run's peak RSS and runs the tool with default signal
# dispositions in the background (a shell's background job would ignore SIGINT).
# RSS_SCALE multiplies the memory bounds (4 under AddressSanitizer, 8 under ThreadSanitizer).
set -u
case_name=$1 tool=$2 data=$3 work=$4 cc=$5 cxx=$6 include=$7 run_tool=$8 rss_scale=${9:-1}
dir=$work/$case_name
model=$work/train_classifier/blobs.mpm
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1

fail() {
    echo "FAIL ($case_name): $*" >&2
    exit 1
}

# run EXPECTED_STATUS command...: runs the tool, stdout to out.txt, stderr to err.txt.
run() {
    expected=$1
    shift
    "$tool" "$@" >out.txt 2>err.txt
    status=$?
    cat out.txt err.txt
    [ "$status" -eq "$expected" ] || fail "exit status $status, expected $expected: microprop $*"
}

# refused STATUS PATTERN OUTPUT_FILE command...: the tool must exit with STATUS, print one
# stderr line matching PATTERN (grep -E), and leave neither OUTPUT_FILE nor a temporary.
refused() {
    expected=$1 pattern=$2 output=$3
    shift 3
    run "$expected" "$@"
    [ "$(wc -l <err.txt)" -ge 1 ] || fail "nothing on stderr"
    head -n 1 err.txt | grep -Eq -- "$pattern" || fail "stderr does not match: $pattern"
    [ -e "$output" ] && fail "$output left behind"
    leftovers=$(find . -name '.*.tmp-*')
    [ -z "$leftovers" ] || fail "temporary file left behind: $leftovers"
    return 0
}

# A CSV file from its lines, written by printf (so \r and missing final newlines are exact).
csv() {
    file=$1
    shift
    printf "$@" >"$file"
}

# wait_for PATTERN FILE SECONDS: until FILE has a line matching PATTERN (grep -E); fails
# after SECONDS.
wait_for() {
    tries=0
    until grep -Eq -- "$1" "$2" 2>/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -le $(($3 * 20)) ] || fail "after $3 s, $2 still has no line matching: $1"
        sleep 0.05
    done
}

# wait_for_handlers PID: until the process has handlers for SIGHUP, SIGINT and SIGTERM
# (bits 1, 2 and 15 of SigCgt in /proc/PID/status: 0x4003), so a signal tests them.
wait_for_handlers() {
    tries=0
    while :; do
        caught=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
        [ -n "$caught" ] && [ $((0x$caught & 0x4003)) -eq $((0x4003)) ] && return 0
        tries=$((tries + 1))
        [ "$tries" -le 400 ] || fail "process $1 never installed its signal handlers"
        sleep 0.05
    done
}

# rss_at_most KIB SECONDS WHAT: the last run_tool peak-rss report (rss.txt) within bounds
# (KIB x RSS_SCALE).
rss_at_most() {
    read -r rss seconds <rss.txt
    echo "$3: peak RSS $rss KiB, $seconds s"
    at_most "$rss" "$(($1 * rss_scale))" "$3: peak RSS (KiB)"
    at_most "$seconds" "$2" "$3: seconds"
}

# no_leftovers FILE: neither FILE nor a temporary file in the case's directory.
no_leftovers() {
    [ -e "$1" ] && fail "$1 left behind"
    leftovers=$(find . -name '.*.tmp-*')
    [ -z "$leftovers" ] || fail "temporary file left behind: $leftovers"
    return 0
}

# A number from out.txt: the first match of a sed expression.
number() { sed -n "$1" out.txt | head -n 1; }

# at_least VALUE MINIMUM WHAT
at_least() {
    awk -v v="$1" -v m="$2" 'BEGIN { exit !(v != "" && v + 0 >= m + 0) }' || fail "$3 is '$1', expected at least $2"
}
at_most() {
    awk -v v="$1" -v m="$2" 'BEGIN { exit !(v != "" && v + 0 <= m + 0) }' || fail "$3 is '$1', expected at most $2"
}

# bytes FILE OFFSET COUNT: COUNT bytes of FILE from OFFSET, in hexadecimal (a model file's
# offsets: docs/model-format.md).
bytes() { od -An -tx1 -v -j "$2" -N "$3" "$1"; }
# same_bytes A B OFFSET COUNT WHAT, changed_bytes A B OFFSET COUNT WHAT
same_bytes() { [ "$(bytes "$1" "$3" "$4")" = "$(bytes "$2" "$3" "$4")" ] || fail "$5 changed ($2 against $1)"; }
changed_bytes() { [ "$(bytes "$1" "$3" "$4")" != "$(bytes "$2" "$3" "$4")" ] || fail "$5 did not change ($2 against $1)"; }

case $case_name in
help)
    for command in train eval info export; do
        run 0 $command --help
        grep -q "Usage: microprop $command" out.txt || fail "no usage line for $command"
    done
    run 0 train --help
    for option in --init --freeze --bias-only --schedule; do grep -q -- "^ *$option " out.txt || fail "train --help: no $option"; done
    run 0 --help
    for command in train eval info export; do grep -q "$command" out.txt || fail "--help does not list $command"; done
    run 2
    grep -q "A subcommand is required" err.txt || fail "no message without a command"
    ;;

train_classifier)
    # Separable blobs: the prequential accuracy includes the first, untrained predictions;
    # the held-out accuracy is the trained network's.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --hidden sigmoid --output softmax --eta 0.1 \
        --seed 1 --test "$data/blobs_test.csv" --save blobs.mpm --progress-every 200
    at_least "$(number 's/^prequential.*accuracy \([0-9.]*\)%.*/\1/p')" 90 "prequential accuracy"
    at_least "$(number 's/^held-out.*accuracy \([0-9.]*\)%.*/\1/p')" 97 "held-out accuracy"
    grep -q "time per sample" out.txt || fail "no time per sample"
    grep -Eq "^kernels: [a-z0-9+]+" out.txt || fail "no kernel table"
    [ "$(grep -c ' samples  accuracy' out.txt)" -eq 3 ] || fail "expected 3 progress lines (every 200 of 600)"
    [ -s blobs.mpm ] || fail "no model saved"
    [ -z "$(find . -name '.*.tmp-*')" ] || fail "temporary file left behind"
    # The same run again gives the same model: training is deterministic.
    "$tool" train --data "$data/blobs.csv" --layers 4,16,3 --hidden sigmoid --output softmax --eta 0.1 \
        --seed 1 --save again.mpm --no-progress >again.txt || fail "second run"
    grep -q "samples  accuracy" again.txt && fail "--no-progress printed progress lines"
    cmp -s blobs.mpm again.mpm || fail "two runs with the same seed differ"
    ;;

train_options)
    # Label in the first column, no header, several epochs, from stdin.
    awk -F, 'NR > 1 { print $5 "," $1 "," $2 "," $3 "," $4 }' "$data/blobs.csv" >first.csv
    "$tool" train --data - --layers 4,8,3 --label-column 1 --no-header --epochs 3 --eta 0.1 \
        --save first.mpm <first.csv >out.txt 2>err.txt || { cat out.txt err.txt; fail "train from stdin"; }
    cat out.txt
    grep -q "epoch 3: prequential accuracy" out.txt || fail "no per-epoch line"
    run 0 info --model first.mpm
    grep -q "steps trained: 1800" out.txt || fail "3 epochs of 600 samples should be 1800 steps"
    # --label-column -5 is the first of five columns too.
    run 0 eval --model first.mpm --data first.csv --label-column -5 --header no
    at_least "$(number 's/^accuracy: \([0-9.]*\)%/\1/p')" 95 "accuracy"
    ;;

train_regression)
    run 0 train --data "$data/linear.csv" --layers 3,16,2 --hidden tanh --output identity --eta 0.02 \
        --epochs 3 --save linear.mpm
    run 0 eval --model linear.mpm --data "$data/linear.csv"
    at_most "$(number 's/^mean squared error: \([0-9.e+-]*\).*/\1/p')" 0.002 "mean squared error"
    run 0 info --model linear.mpm
    grep -q "loss:          squared error" out.txt || fail "regression model's loss"
    # A regression network takes no label column.
    refused 2 "label-column" none train --data "$data/linear.csv" --layers 3,2 --output identity --label-column 1
    ;;

info)
    run 0 info --model "$model"
    grep -q "shape:         4-16-3" out.txt || fail "shape"
    grep -q "layer 1:     16 sigmoid" out.txt || fail "first layer"
    grep -q "layer 2:     3 softmax" out.txt || fail "output layer"
    grep -q "loss:          cross-entropy" out.txt || fail "loss"
    grep -q "steps trained: 600" out.txt || fail "steps"
    grep -q "footprint:     [0-9]* bytes" out.txt || fail "footprint"
    grep -q "($(wc -c <"$model" | tr -d ' ') bytes, format version 1)" out.txt || fail "file size"
    grep -Eq "^kernels: +[a-z0-9+]+" out.txt || fail "no kernel table"
    MICROPROP_KERNELS=scalar "$tool" info --model "$model" >out.txt 2>err.txt || fail "info with MICROPROP_KERNELS=scalar"
    grep -Eq "^kernels: +scalar " out.txt || fail "MICROPROP_KERNELS=scalar not reported"
    [ -s err.txt ] && fail "unexpected stderr with a valid MICROPROP_KERNELS"
    MICROPROP_KERNELS=bogus "$tool" info --model "$model" >out.txt 2>err.txt || fail "info with MICROPROP_KERNELS=bogus"
    grep -q 'MICROPROP_KERNELS="bogus" names no kernel table' err.txt || fail "no warning for MICROPROP_KERNELS=bogus"
    ;;

eval)
    run 0 eval --model "$model" --data "$data/blobs_test.csv"
    at_least "$(number 's/^accuracy: \([0-9.]*\)%/\1/p')" 97 "accuracy"
    grep -q "mean loss: [0-9]" out.txt || fail "mean loss"
    ;;

export_c)
    run 0 export --c-header --model "$model" --name blobs -o blobs.h
    grep -q "static const float blobs_w0\[64\] __attribute__((aligned(64)))" blobs.h || fail "w0: 16 rows of 4 floats"
    grep -q "static const float blobs_w1\[48\]" blobs.h || fail "w1: 3 rows of 16 floats"
    grep -q "#define BLOBS_ROW_FLOATS 4" blobs.h || fail "row floats"
    # Standard output gets the same text; --row-floats 16 pads the first layer's rows.
    run 0 export --c-header --model "$model" --name blobs
    cmp -s out.txt blobs.h || fail "stdout and -o differ"
    run 0 export --c-header --model "$model" --name wide --row-floats 16 -o wide.h
    grep -q "static const float wide_w0\[256\]" wide.h || fail "w0: 16 rows of 16 floats"
    # The default name comes from the file name.
    run 0 export --c-header --model "$model"
    grep -q "static const unsigned char blobs_model\[" out.txt || fail "default name"
    # Valid C99, C11 and C++, strict and warning-free, included together (distinct names).
    printf '#include "blobs.h"\n#include "wide.h"\nint main(void) { return (int)blobs_w0[0] + (int)wide_model[0] + BLOBS_INPUTS; }\n' >use.c
    cp use.c use.cpp
    [ -n "$cc" ] || { echo "no C compiler: skipped"; exit 77; }
    for standard in c99 c11; do
        "$cc" -std=$standard -Wall -Wextra -Wpedantic -Werror -c use.c -o use.o || fail "not valid $standard"
    done
    "$cc" -std=c11 -fsyntax-only -Wall -Wextra -Werror blobs.h || fail "header alone"
    "$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Werror -I "$include" -c use.cpp -o use.o || fail "not valid C++17"
    ;;

# --- fine-tuning: --init, --freeze, --bias-only ------------------------------------------
# Offsets in a 4-16-3 model file (docs/model-format.md: 32 + 8 x 2 header bytes, then per
# layer W row by row and b): W_1 at 48 (64 floats), b_1 at 304 (16), W_2 at 368 (48),
# b_2 at 560 (3), the CRC at 572.
init_continues)
    # Training is deterministic, in stream order, and a model file holds all the state a
    # step uses: one epoch saved, then one more from it with --init, is the model of two
    # epochs in one run, bit for bit (steps included).
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --save one.mpm
    run 0 train --data "$data/blobs.csv" --init one.mpm --eta 0.1 --save continued.mpm
    grep -q "^trained 4-16-3 (sigmoid, softmax) on .*blobs.csv: 600 samples x 1 epoch, eta 0.1, from one.mpm (600 steps)$" \
        out.txt || fail "the summary does not name the model it continued"
    grep -q "^training " out.txt && fail "a line about frozen parameters, but every parameter trains"
    grep -q "^saved continued.mpm (576 bytes, 1200 steps)$" out.txt || fail "steps after --init"
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --epochs 2 --save two.mpm
    cmp -s continued.mpm two.mpm || fail "1 epoch + 1 with --init differs from 2 epochs in one run"
    # --layers, --hidden and --output may repeat the model's; --save may replace the model.
    cp one.mpm same.mpm
    run 0 train --data "$data/blobs.csv" --init same.mpm --layers 4,16,3 --hidden sigmoid --output softmax --eta 0.1 \
        --save same.mpm
    cmp -s same.mpm two.mpm || fail "--init and --save of the same file"
    # A regression model continues too (the targets follow the model's outputs).
    run 0 train --data "$data/linear.csv" --layers 3,16,2 --hidden tanh --output identity --eta 0.02 --save lin1.mpm
    run 0 train --data "$data/linear.csv" --init lin1.mpm --eta 0.02 --save lin2.mpm
    run 0 train --data "$data/linear.csv" --layers 3,16,2 --hidden tanh --output identity --eta 0.02 --epochs 2 \
        --save lin_two.mpm
    cmp -s lin2.mpm lin_two.mpm || fail "regression: 1 epoch + 1 with --init differs from 2 epochs"
    # Data whose columns do not fit the model: the usual message, naming the model.
    csv narrow.csv '1,2,0\n'
    refused 1 "^microprop train: narrow.csv: line 1: 3 columns: 2 inputs and a label, but the network \(the model one.mpm\) has 4 inputs$" \
        out.mpm train --data narrow.csv --init one.mpm --save out.mpm
    refused 1 "narrow.csv: line 1: 3 columns: 2 inputs and a label, but the network \(the model one.mpm\) has 4 inputs" \
        out.mpm train --data "$data/blobs.csv" --init one.mpm --test narrow.csv --save out.mpm
    ;;
freeze_layers)
    # --freeze 1: layer 1 keeps every bit, layer 2 learns, the steps count on.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --save base.mpm
    run 0 train --data "$data/blobs.csv" --init base.mpm --freeze 1 --eta 0.1 --test "$data/blobs_test.csv" \
        --save head.mpm
    grep -q "^training layer 2 of 2 (layer 1 frozen)$" out.txt || fail "the summary does not say what trains"
    grep -q "^saved head.mpm (576 bytes, 1200 steps)$" out.txt || fail "steps"
    at_least "$(number 's/^held-out.*accuracy \([0-9.]*\)%.*/\1/p')" 97 "held-out accuracy"
    same_bytes base.mpm head.mpm 48 320 "layer 1 (W_1, b_1)"
    changed_bytes base.mpm head.mpm 368 192 "W_2"
    changed_bytes base.mpm head.mpm 560 12 "b_2"
    # A new network's frozen layers keep their initial values: 4-16-8-3 (layers 1 and 2
    # at 56, 320 + 544 bytes) trained with --freeze 2 on 100 and on 600 samples.
    head -n 101 "$data/blobs.csv" >part.csv
    run 0 train --data part.csv --layers 4,16,8,3 --freeze 2 --save part.mpm
    grep -q "^training layer 3 of 3 (layers 1-2 frozen)$" out.txt || fail "the summary does not say what trains"
    run 0 train --data "$data/blobs.csv" --layers 4,16,8,3 --freeze 2 --save all.mpm
    same_bytes part.mpm all.mpm 56 864 "layers 1-2 of a new network"
    changed_bytes part.mpm all.mpm 920 108 "layer 3"
    # --freeze 0 freezes nothing: the plain run's model.
    run 0 train --data "$data/blobs.csv" --init base.mpm --freeze 0 --eta 0.1 --save zero.mpm
    grep -q "^training " out.txt && fail "--freeze 0 said something is frozen"
    run 0 train --data "$data/blobs.csv" --init base.mpm --eta 0.1 --save plain.mpm
    cmp -s zero.mpm plain.mpm || fail "--freeze 0 differs from no --freeze"
    ;;
bias_only)
    # --bias-only keeps every weight and moves the biases; with --freeze 1, only b_2.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --save base.mpm
    run 0 train --data "$data/blobs.csv" --init base.mpm --bias-only --eta 0.1 --save biases.mpm
    grep -q "^training layers 1-2 of 2, biases only (every weight frozen)$" out.txt || fail "summary"
    grep -q "^saved biases.mpm (576 bytes, 1200 steps)$" out.txt || fail "steps"
    same_bytes base.mpm biases.mpm 48 256 "W_1"
    same_bytes base.mpm biases.mpm 368 192 "W_2"
    changed_bytes base.mpm biases.mpm 304 64 "b_1"
    changed_bytes base.mpm biases.mpm 560 12 "b_2"
    run 0 train --data "$data/blobs.csv" --init base.mpm --freeze 1 --bias-only --eta 0.1 --save last.mpm
    grep -q "^training layer 2 of 2 (layer 1 frozen), biases only (every weight frozen)$" out.txt || fail "summary"
    same_bytes base.mpm last.mpm 48 512 "W_1, b_1 and W_2"
    changed_bytes base.mpm last.mpm 560 12 "b_2"
    ;;
bad_fine_tuning)
    # Each refusal: one line, exit 2 for the command line (1 for the model file), nothing
    # saved; the command line's own mistakes are refused before any file is read.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --save base.mpm
    refused 2 "^microprop train: --freeze 2: the network \(the model base.mpm\) has 2 layers; --freeze takes 0 to 1 \(at least the last layer must train\) \(run" \
        out.mpm train --data "$data/blobs.csv" --init base.mpm --freeze 2 --save out.mpm
    refused 2 "^microprop train: --freeze 2: the network \(--layers 4,16,3\) has 2 layers" out.mpm \
        train --data missing.csv --layers 4,16,3 --freeze 2 --save out.mpm
    refused 2 "^microprop train: --freeze 1: the network \(--layers 4,3\) has 1 layer; --freeze takes only 0" out.mpm \
        train --data missing.csv --layers 4,3 --freeze 1 --save out.mpm
    refused 2 "^microprop train: --freeze -1: " out.mpm train --data missing.csv --layers 4,16,3 --freeze -1 --save out.mpm
    refused 2 "^microprop train: --layers 4,8,3 with --init base.mpm: the model is 4-16-3 \(sigmoid, softmax\); leave --layers out to continue it" \
        out.mpm train --data "$data/blobs.csv" --init base.mpm --layers 4,8,3 --save out.mpm
    refused 2 "^microprop train: --hidden tanh with --init base.mpm: the model is 4-16-3 \(sigmoid, softmax\)" out.mpm \
        train --data "$data/blobs.csv" --init base.mpm --hidden tanh --save out.mpm
    refused 2 "^microprop train: --output sigmoid with --init base.mpm: the model is 4-16-3 \(sigmoid, softmax\)" out.mpm \
        train --data "$data/blobs.csv" --init base.mpm --output sigmoid --save out.mpm
    refused 2 "^microprop train: --seed 1 with --init base.mpm: a seed chooses a new network's initial weights" out.mpm \
        train --data missing.csv --init base.mpm --seed 1 --save out.mpm
    refused 2 "^microprop train: --layers is required: the shape of a new network \(or --init MODEL.mpm" out.mpm \
        train --data "$data/blobs.csv" --save out.mpm
    refused 2 "^microprop train: --init needs a file name" out.mpm train --data "$data/blobs.csv" --init "" --save out.mpm
    # The model file: missing, not a model, damaged.
    refused 1 "^microprop train: nothing.mpm: cannot open: No such file or directory$" out.mpm \
        train --data "$data/blobs.csv" --init nothing.mpm --save out.mpm
    printf 'This is a text file, not a model file at all.\n' >text.mpm
    refused 1 "^microprop train: text.mpm: not a microprop model file" out.mpm \
        train --data "$data/blobs.csv" --init text.mpm --save out.mpm
    cp base.mpm bad.mpm
    printf '\377' | dd of=bad.mpm bs=1 seek=100 conv=notrunc 2>/dev/null
    refused 1 "^microprop train: bad.mpm: model file damaged \(CRC-32 mismatch\)$" out.mpm \
        train --data "$data/blobs.csv" --init bad.mpm --save out.mpm
    # A refused run that would have replaced its --init model leaves it as it was.
    cp base.mpm keep.mpm
    run 2 train --data "$data/blobs.csv" --init keep.mpm --freeze 5 --save keep.mpm
    cmp -s keep.mpm base.mpm || fail "a refused run changed its --init model"
    csv narrow.csv '1,2,0\n'
    run 1 train --data narrow.csv --init keep.mpm --save keep.mpm
    cmp -s keep.mpm base.mpm || fail "a failed run changed its --init model"
    [ -z "$(find . -name '.*.tmp-*')" ] || fail "temporary file left behind"
    ;;

# --- learning-rate schedules: --schedule ------------------------------------------------
schedule)
    # --schedule constant is no --schedule, bit for bit; the summary names no schedule.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --save plain.mpm
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --schedule constant --save constant.mpm
    grep -q "^trained 4-16-3 (sigmoid, softmax) on .*blobs.csv: 600 samples x 1 epoch, eta 0.1, seed 1$" out.txt ||
        fail "the summary of a constant rate"
    cmp -s plain.mpm constant.mpm || fail "--schedule constant differs from no --schedule"
    # A decaying schedule changes the model, the same way on every run, and the summary
    # says which it was.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --schedule step:0.5:100 --save step.mpm
    grep -q "^trained 4-16-3 (sigmoid, softmax) on .*blobs.csv: 600 samples x 1 epoch, eta 0.1 step:0.5:100, seed 1$" \
        out.txt || fail "the summary does not name the schedule"
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --schedule step:0.5:100 --save step_again.mpm
    cmp -s step.mpm step_again.mpm || fail "two runs of the same schedule differ"
    cmp -s step.mpm plain.mpm && fail "step:0.5:100 gives the model of a constant rate"
    for spec in exp:0.999 inverse:0.01 cosine:100 cosine:50:2 cosine:50:2:0.01; do
        run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --schedule $spec --save other.mpm
        cmp -s other.mpm plain.mpm && fail "$spec gives the model of a constant rate"
    done
    # The schedule runs on the network's step count, which the model file keeps: one epoch
    # saved, then one more from it with --init, is the model of two epochs in one run.
    for spec in step:0.5:100 cosine:250:2:0.01; do
        run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --schedule $spec --save one.mpm
        run 0 train --data "$data/blobs.csv" --init one.mpm --eta 0.1 --schedule $spec --save continued.mpm
        grep -q "eta 0.1 $spec, from one.mpm (600 steps)$" out.txt || fail "the summary of a continued $spec"
        run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1 --schedule $spec --epochs 2 --save two.mpm
        cmp -s continued.mpm two.mpm || fail "$spec: 1 epoch + 1 with --init differs from 2 epochs in one run"
    done
    # A regression model too.
    run 0 train --data "$data/linear.csv" --layers 3,16,2 --hidden tanh --output identity --eta 0.02 \
        --schedule exp:0.999 --save lin1.mpm
    run 0 train --data "$data/linear.csv" --init lin1.mpm --eta 0.02 --schedule exp:0.999 --save lin2.mpm
    run 0 train --data "$data/linear.csv" --layers 3,16,2 --hidden tanh --output identity --eta 0.02 \
        --schedule exp:0.999 --epochs 2 --save lin_two.mpm
    cmp -s lin2.mpm lin_two.mpm || fail "regression: 1 epoch + 1 with --init differs from 2 epochs"
    # A divergence warning names the schedule with --eta.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 1e30 --schedule exp:0.9999
    grep -Eq "^microprop train: warning: the loss grows: .*training diverges: try a smaller --eta \(now 1e\+30, with --schedule exp:0.9999\)$" \
        err.txt || fail "warning"
    ;;
bad_schedule)
    # Each refusal: one line naming the spec and what is wrong, exit 2, nothing saved, and
    # before any file is read (the data file does not exist).
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --save base.mpm
    bad() {
        refused 2 "^microprop train: --schedule $2: $3" out.mpm \
            train --data missing.csv $1 --eta 0.1 --schedule "$2" --save out.mpm
    }
    bad "--layers 4,3" foo 'unknown schedule "foo"; give constant, step:GAMMA:STEP_SIZE, exp:GAMMA, inverse:DECAY or cosine:PERIOD\[:MULTIPLIER\[:ETA_MIN\]\]'
    bad "--layers 4,3" "" 'unknown schedule ""'
    grep -q ' (run `microprop train --help` for the options)$' err.txt || fail "no pointer to --help"
    bad "--layers 4,3" step '0 values after step: the form is step:GAMMA:STEP_SIZE'
    bad "--layers 4,3" step:0.5 '1 value after step: the form is step:GAMMA:STEP_SIZE'
    bad "--layers 4,3" step:0.5:100:2 '3 values after step: the form is step:GAMMA:STEP_SIZE'
    bad "--layers 4,3" constant:1 '1 value after constant: the form is constant'
    bad "--layers 4,3" exp:0.5:1 '2 values after exp: the form is exp:GAMMA'
    bad "--layers 4,3" cosine:10:2:0:1 '4 values after cosine: the form is cosine:PERIOD\[:MULTIPLIER\[:ETA_MIN\]\]'
    bad "--layers 4,3" step:x:100 'GAMMA "x" is not a finite number in the float range'
    bad "--layers 4,3" exp:nan 'GAMMA "nan" is not a finite number in the float range'
    bad "--layers 4,3" exp:1e-50 'GAMMA "1e-50" is not a finite number in the float range'
    bad "--layers 4,3" step:2:100 'GAMMA 2 must be above 0 and at most 1 \(the rate is multiplied by it\)'
    bad "--layers 4,3" exp:0 'GAMMA 0 must be above 0 and at most 1'
    bad "--layers 4,3" step:0.5:0 'STEP_SIZE "0" is not an integer from 1 to 4294967295'
    bad "--layers 4,3" step:0.5:4294967296 'STEP_SIZE "4294967296" is not an integer from 1 to 4294967295'
    bad "--layers 4,3" step:0.5:1.5 'STEP_SIZE "1.5" is not an integer'
    bad "--layers 4,3" inverse:-1 'DECAY -1 must be 0 or a positive number \(at least 1.2e-38\)'
    bad "--layers 4,3" cosine:0 'PERIOD "0" is not an integer from 1 to 4294967295'
    bad "--layers 4,3" cosine:10:0 'MULTIPLIER "0" is not an integer from 1 to 4294967295'
    bad "--layers 4,3" cosine:10:2:0.5 'ETA_MIN 0.5 must be 0 or from 1.2e-38 to --eta \(0.1\): the rate anneals down to it'
    bad "--layers 4,3" cosine:10:2:-0.01 'ETA_MIN -0.01 must be 0 or from 1.2e-38 to --eta'
    # With --init, refused before the model is read too (the model does not exist).
    bad "--init nothing.mpm" exp:2 'GAMMA 2 must be above 0 and at most 1'
    # A subnormal --eta, which a constant rate keeps, cannot be a schedule's base.
    refused 2 "^microprop train: --schedule exp:0.5: --eta is below 1.2e-38 \(the smallest normal float\), too small for a schedule" \
        out.mpm train --data missing.csv --layers 4,3 --eta 1e-40 --schedule exp:0.5 --save out.mpm
    # A refused run that would have replaced its --init model leaves it as it was.
    cp base.mpm keep.mpm
    run 2 train --data "$data/blobs.csv" --init keep.mpm --schedule step:0.5 --save keep.mpm
    cmp -s keep.mpm base.mpm || fail "a refused run changed its --init model"
    ;;

# --- bad input: data -------------------------------------------------------------------
bad_ragged)
    csv bad.csv 'a,b,label\n1,2,0\n3,4\n'
    refused 1 "bad.csv: line 3: 2 fields where line 1 has 3" out.mpm train --data bad.csv --layers 2,3 --save out.mpm
    ;;
bad_non_numeric)
    csv bad.csv '1,2,0\r\n3,x,1\r\n'
    refused 1 'bad.csv: line 2, column 2: "x" is not a number' out.mpm train --data bad.csv --layers 2,3 --save out.mpm
    ;;
bad_infinity)
    csv bad.csv '1,2,0\n3,inf,1\n'
    refused 1 'bad.csv: line 2, column 2: "inf": infinities and NaN are not accepted' out.mpm \
        train --data bad.csv --layers 2,3 --save out.mpm
    ;;
bad_label_not_integer)
    csv bad.csv '1,2,0\n3,4,1.5\n'
    refused 1 "bad.csv: line 2, column 3: label 1.5 is not an integer" out.mpm train --data bad.csv --layers 2,3 --save out.mpm
    ;;
bad_label_out_of_range)
    csv bad.csv 'x,y,label\n1,2,0\n\n3,4,3\n'
    refused 1 "bad.csv: line 4, column 3: label 3 out of range: the network has 3 classes" out.mpm \
        train --data bad.csv --layers 2,3 --save out.mpm
    csv negative.csv '1,2,0\n3,4,-1\n'
    refused 1 "negative.csv: line 2, column 3: label -1 out of range" out.mpm train --data negative.csv --layers 2,3 --save out.mpm
    ;;
bad_empty)
    : >bad.csv
    refused 1 "bad.csv: line 1: no data: the file is empty" out.mpm train --data bad.csv --layers 2,3 --save out.mpm
    ;;
bad_header_only)
    csv bad.csv 'x,y,label\n'
    refused 1 "bad.csv: line 1: no data: a header row and nothing after it" out.mpm \
        train --data bad.csv --layers 2,3 --save out.mpm
    ;;
bad_input_size)
    refused 1 "blobs.csv: line 2: 5 columns: 4 inputs and a label, but the network \(--layers 8,3\) has 8 inputs" out.mpm \
        train --data "$data/blobs.csv" --layers 8,3 --save out.mpm
    ;;
bad_test_file)
    # A held-out file whose first row does not fit the network is refused before any
    # training; a bad row further on fails the evaluation, after training, and nothing is
    # saved either way.
    csv narrow.csv '1,2,0\n'
    refused 1 "narrow.csv: line 1: 3 columns: 2 inputs and a label, but the network \(--layers 4,3\) has 4 inputs" out.mpm \
        train --data "$data/blobs.csv" --layers 4,3 --test narrow.csv --save out.mpm
    grep -q "trained" out.txt && fail "trained before refusing the held-out file"
    csv bad.csv '1,2,3,4,0\n1,2,3,4\n'
    refused 1 "bad.csv: line 2: 4 fields where line 1 has 5" out.mpm \
        train --data "$data/blobs.csv" --layers 4,3 --test bad.csv --save out.mpm
    ;;
bad_missing_file)
    refused 1 "nothing.csv: cannot open: No such file or directory" out.mpm train --data nothing.csv --layers 2,3 --save out.mpm
    refused 1 "nothing.mpm: cannot open" none info --model nothing.mpm
    mkdir -p folder
    refused 1 "folder: is a directory" out.mpm train --data folder --layers 2,3 --save out.mpm
    refused 1 "folder: is a directory" none info --model folder
    ;;
bad_eval_data)
    csv bad.csv '1,2,3,4,0\n1,2,3,y,1\n'
    refused 1 'bad.csv: line 2, column 4: "y" is not a number' none eval --model "$model" --data bad.csv
    ;;

diverged_steps)
    # Inputs near the float limit overflow the forward pass: the sample is not learned, one
    # warning line says so and suggests a smaller eta, the summary counts it, and the run
    # goes on (a stream is not stopped by one sample).
    csv bad.csv '1,2,0\n3e38,-3e38,1\n1,1,1\n'
    run 0 train --data bad.csv --layers 2,8,2 --eta 1e30 --save out.mpm
    [ "$(wc -l <err.txt)" -eq 1 ] || fail "expected one warning line"
    grep -Eq "^microprop train: warning: bad.csv: line 2: sample 2 not learned: .*overflowed.*try a smaller --eta \(now 1e\+30\)$" \
        err.txt || fail "warning"
    grep -q "^not learned: 1 sample " out.txt || fail "summary of samples not learned"
    grep -q "^saved out.mpm" out.txt || fail "model not saved"
    ;;
diverged_loss)
    # No step refused, but the loss far above its best: one warning line (today's runs
    # with --eta 1e30 ended silently with a mean loss of 4e30).
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 1e30
    [ "$(wc -l <err.txt)" -eq 1 ] || fail "expected one warning line"
    grep -Eq "^microprop train: warning: the loss grows: mean loss .* over samples 1 to 600, against .* at best; training diverges: try a smaller --eta \(now 1e\+30\)$" \
        err.txt || fail "warning"
    # A good eta: no warning.
    run 0 train --data "$data/blobs.csv" --layers 4,16,3 --eta 0.1
    [ ! -s err.txt ] || fail "a warning for a run that converges"
    ;;
eval_takes_no_step)
    # eval only predicts: an overflow is its forward pass, never a step that "would diverge".
    csv big.csv '1,2,3,4,0\n3e38,-3e38,3e38,-3e38,1\n'
    refused 1 "big.csv: line 2: the forward pass overflowed" none eval --model "$model" --data big.csv
    grep -q "step" err.txt && fail "eval speaks of a step"
    ;;

# --- bad input: models -----------------------------------------------------------------
bad_not_a_model)
    printf 'This is a text file, not a model file at all.\n' >bad.mpm
    refused 1 "bad.mpm: not a microprop model file" none info --model bad.mpm
    refused 1 "bad.mpm: not a microprop model file" out.h export --c-header --model bad.mpm -o out.h
    ;;
bad_damaged_model)
    cp "$model" bad.mpm
    printf '\377' | dd of=bad.mpm bs=1 seek=100 conv=notrunc 2>/dev/null
    refused 1 "bad.mpm: model file damaged \(CRC-32 mismatch\)" none info --model bad.mpm
    refused 1 "bad.mpm: model file damaged" none eval --model bad.mpm --data "$data/blobs_test.csv"
    refused 1 "bad.mpm: model file damaged" out.h export --c-header --model bad.mpm -o out.h
    ;;
bad_truncated_model)
    head -c 100 "$model" >bad.mpm
    refused 1 "bad.mpm: model file truncated" out.h export --c-header --model bad.mpm -o out.h
    ;;

# --- bad command lines -----------------------------------------------------------------
bad_options)
    refused 2 "--eta must be a finite number > 0" out.mpm train --data "$data/blobs.csv" --layers 4,3 --eta 0 --save out.mpm
    refused 2 "--eta must be a finite number > 0" out.mpm train --data "$data/blobs.csv" --layers 4,3 --eta nan --save out.mpm
    refused 2 "--epochs must be from 1" out.mpm train --data "$data/blobs.csv" --layers 4,3 --epochs 0 --save out.mpm
    refused 2 '--layers 4,0,3: "0" is not a size' out.mpm train --data "$data/blobs.csv" --layers 4,0,3 --save out.mpm
    refused 2 "--layers 4: give the input size" out.mpm train --data "$data/blobs.csv" --layers 4 --save out.mpm
    refused 2 "--output softmax needs at least two outputs" out.mpm train --data "$data/blobs.csv" --layers 4,1 --save out.mpm
    refused 2 "--hidden" out.mpm train --data "$data/blobs.csv" --layers 4,3 --hidden softmax --save out.mpm
    refused 2 "--data is required" out.mpm train --layers 4,3 --save out.mpm
    # 16777216 x 64: a model file of 4,294,967,596 bytes, beyond the 32-bit size field.
    refused 2 "--layers 16777216,64 with --save: the model file would take 4294967596 bytes" out.mpm \
        train --data "$data/blobs.csv" --layers 16777216,64 --save out.mpm
    refused 2 "--name 9lives: not a C identifier" out.h export --c-header --model "$model" --name 9lives -o out.h
    refused 2 "--row-floats" out.h export --c-header --model "$model" --row-floats 3 -o out.h
    refused 2 "--c-header is required" out.h export --model "$model" -o out.h
    # Refused before any work: the data file does not even exist.
    refused 2 "^microprop train: --seed -1: give an integer from 0 to 18446744073709551615" out.mpm \
        train --data missing.csv --layers 4,3 --seed -1 --save out.mpm
    refused 2 "--seed 18446744073709551616: give an integer" out.mpm train --data missing.csv --layers 4,3 \
        --seed 18446744073709551616 --save out.mpm
    refused 2 "--progress-every must be" out.mpm train --data missing.csv --layers 4,3 --progress-every -5 --save out.mpm
    refused 2 "--progress-every must be a number of samples >= 1 \\(--no-progress" out.mpm \
        train --data missing.csv --layers 4,3 --progress-every 0 --save out.mpm
    refused 2 "--save needs a file name" none train --data missing.csv --layers 4,3 --save ""
    refused 2 "--label-column 0: columns count from 1" out.mpm train --data missing.csv --layers 4,3 --label-column 0 \
        --save out.mpm
    refused 2 "--label-column 0: columns count from 1" none eval --model "$model" --data missing.csv --label-column 0
    mkdir -p models
    refused 2 "--save models: is a directory" none train --data missing.csv --layers 4,3 --save models
    refused 2 "--output models: is a directory" none export --c-header --model "$model" -o models
    refused 2 "--data and --test cannot both read standard input" none train --data - --test - --layers 4,3 </dev/null
    # Every refusal of the command line is one line on stderr, CLI11's included.
    for args in "train --data x.csv --layers 4,3 --bogus" "train --data x.csv --layers 4,3 --eta abc" "info" \
        "train --data x.csv --layers 4,3 --seed -1" "frobnicate"; do
        # shellcheck disable=SC2086 # the words are the arguments
        run 2 $args
        [ "$(wc -l <err.txt)" -eq 1 ] || fail "not one line on stderr: microprop $args"
        grep -Eq "^microprop( [a-z]+)?: .*\(run \`microprop( [a-z]+)? --help\` for the options\)$" err.txt ||
            fail "not the usual form: microprop $args"
    done
    run 2 train --data x.csv --layers 4,3 --eta abc
    grep -q "^microprop train: Could not convert" err.txt || fail "CLI11 error names the command"
    ;;
bad_output_directory)
    refused 1 "no/such/dir/out.mpm: cannot create a file in no/such/dir/" none \
        train --data "$data/blobs.csv" --layers 4,3 --save no/such/dir/out.mpm
    ;;

# --- streams -----------------------------------------------------------------------------
pipe_live)
    # A live pipe trains as its lines arrive: the first progress line (flushed, stdout
    # being a file) is there while the writer, this script, still holds the pipe open.
    mkfifo feed
    "$run_tool" default-signals "$tool" train --data - --layers 4,8,3 --eta 0.1 --progress-every 100 \
        --save live.mpm <feed >out.txt 2>err.txt &
    pid=$!
    exec 3>feed
    head -n 201 "$data/blobs.csv" >&3  # the header and 200 samples
    wait_for "^ +100 samples  accuracy" out.txt 20
    wait_for "^ +200 samples  accuracy" out.txt 20
    tail -n +202 "$data/blobs.csv" >&3
    exec 3>&-
    wait "$pid" || fail "train from a live pipe failed: $(cat err.txt)"
    cat out.txt
    grep -q "on standard input: 600 samples" out.txt || fail "not all 600 samples"
    # The same model as from the file: the pipeline's lookahead never changes the bits.
    run 0 train --data "$data/blobs.csv" --layers 4,8,3 --eta 0.1 --save file.mpm
    cmp -s live.mpm file.mpm || fail "the model from the pipe differs from the model from the file"
    ;;
pipe_batches)
    # 6000 samples (two of the reader's batches from a file); from a pipe that pauses
    # mid-way the batches end where the pauses are. The model is the same bit for bit.
    for i in 1 2 3 4 5 6 7 8 9 10; do tail -n +2 "$data/blobs.csv"; done >many.csv
    run 0 train --data many.csv --layers 4,8,3 --eta 0.05 --save file.mpm --progress-every 1000
    { head -n 2500 many.csv; sleep 0.3; sed -n '2501,4097p' many.csv; sleep 0.3; tail -n +4098 many.csv; } |
        "$tool" train --data - --layers 4,8,3 --eta 0.05 --save pipe.mpm --progress-every 1000 >pipe.txt ||
        fail "train from a pausing pipe"
    cmp -s file.mpm pipe.mpm || fail "the model from the pausing pipe differs from the model from the file"
    grep -q "6000 samples  accuracy" pipe.txt || fail "progress from the pipe"
    # Two epochs of a regular file read it again: 12000 steps.
    run 0 train --data many.csv --layers 4,8,3 --eta 0.05 --epochs 2 --save two.mpm
    run 0 info --model two.mpm
    grep -q "steps trained: 12000" out.txt || fail "two epochs of 6000 samples should be 12000 steps"
    ;;
epochs_pipe_refused)
    cat "$data/blobs.csv" | "$tool" train --data - --layers 4,3 --epochs 2 --save out.mpm >out.txt 2>err.txt
    status=$?
    cat err.txt
    [ "$status" -eq 2 ] || fail "exit status $status, expected 2"
    grep -q "^microprop train: --epochs 2: standard input is not a regular file (a pipe?), so it cannot be read again" \
        err.txt || fail "message"
    no_leftovers out.mpm
    mkfifo named
    refused 2 "--epochs 3: named is not a regular file" out.mpm train --data named --layers 4,3 --epochs 3 --save out.mpm
    ;;
line_too_long)
    awk 'BEGIN { print "1,2,0"; printf "1"; for (i = 0; i < 300000; i++) printf ",0.5"; print "" }' >long.csv
    refused 1 "long.csv: line 2: line longer than 1048576 bytes \(the reader's limit\)" out.mpm \
        train --data long.csv --layers 2,3 --save out.mpm
    ;;
junk_bounded)
    # /dev/zero and a 1 GB sparse file (zeros without a line break) fail at the first
    # line's limit, in bounded memory and time (the old reader took the whole file in).
    "$run_tool" peak-rss rss.txt "$tool" train --data /dev/zero --layers 4,3 --save out.mpm >out.txt 2>err.txt
    [ $? -eq 1 ] || fail "train on /dev/zero"
    grep -q "/dev/zero: line 1: line longer than 1048576 bytes" err.txt || fail "message for /dev/zero"
    rss_at_most 16384 5 "train --data /dev/zero"
    truncate -s 1G sparse.csv || { echo "no sparse files here: skipped"; exit 77; }
    "$run_tool" peak-rss rss.txt "$tool" train --data sparse.csv --layers 4,3 --save out.mpm >out.txt 2>err.txt
    [ $? -eq 1 ] || fail "train on a sparse file"
    grep -q "sparse.csv: line 1: line longer than 1048576 bytes" err.txt || fail "message for the sparse file"
    rss_at_most 16384 5 "train --data sparse.csv (1 GB)"
    "$run_tool" peak-rss rss.txt "$tool" eval --model "$model" --data sparse.csv >out.txt 2>err.txt
    [ $? -eq 1 ] || fail "eval on a sparse file"
    rss_at_most 16384 5 "eval --data sparse.csv (1 GB)"
    for junk in /dev/zero sparse.csv; do
        "$run_tool" peak-rss rss.txt "$tool" info --model $junk >out.txt 2>err.txt
        [ $? -eq 1 ] || fail "info on $junk"
        grep -q "$junk: not a microprop model file" err.txt || fail "message for info on $junk"
        rss_at_most 16384 5 "info --model $junk"
    done
    rm -f sparse.csv
    no_leftovers out.mpm
    ;;
model_size_checked)
    # A header that declares 2 GB in a file of a few hundred bytes is refused before
    # reading on; a model file is never read beyond its declared size.
    cp "$model" big.mpm
    printf '\377\377\377\177' | dd of=big.mpm bs=1 seek=8 conv=notrunc 2>/dev/null
    "$run_tool" peak-rss rss.txt "$tool" info --model big.mpm >out.txt 2>err.txt
    [ $? -eq 1 ] || fail "info on a model declaring 2 GB"
    grep -q "big.mpm: model file truncated ($(wc -c <big.mpm | tr -d ' ') bytes, the header says 2147483647)" err.txt ||
        fail "message"
    rss_at_most 16384 5 "info on a model declaring 2 GB"
    { cat "$model"; printf 'trailing bytes'; } >tail.mpm
    run 0 info --model tail.mpm
    grep -q "($(wc -c <"$model" | tr -d ' ') bytes, format version 1)" out.txt || fail "bytes after the model read"
    ;;
closed_stdout)
    # With stdout closed, the tool's files cannot take descriptor 1: the model file holds
    # the model and nothing else.
    "$tool" train --data "$data/blobs.csv" --layers 4,16,3 --hidden sigmoid --output softmax --eta 0.1 --seed 1 \
        --save closed.mpm >&- 2>err.txt || fail "train with stdout closed: $(cat err.txt)"
    cmp -s closed.mpm "$model" || fail "the model trained with stdout closed differs"
    run 0 info --model closed.mpm
    "$tool" export --c-header --model "$model" -o closed.h >&- 2>&- || fail "export with stdout and stderr closed"
    grep -q "static const float blobs_w0" closed.h || fail "header written with stdout closed"
    "$tool" train --data - --layers 4,3 <&- >out.txt 2>err.txt
    [ $? -eq 1 ] || fail "train from a closed stdin"
    grep -q "standard input: line 1: no data: the file is empty" err.txt || fail "closed stdin message"
    ;;
stdout_error)
    # A write error on stdout (a full device) is a failure: nothing saved.
    [ -w /dev/full ] || { echo "no /dev/full: skipped"; exit 77; }
    "$tool" train --data "$data/blobs.csv" --layers 4,3 --progress-every 100 --save out.mpm >/dev/full 2>err.txt
    [ $? -eq 1 ] || fail "exit status with stdout on /dev/full"
    grep -q "^microprop train: cannot write to standard output: No space left on device" err.txt || fail "message"
    no_leftovers out.mpm
    ;;
signal_train)
    # A stop signal during training: exit 128 + the signal, nothing saved, no temporary.
    for sig in INT TERM HUP; do
        case $sig in INT) code=130 ;; TERM) code=143 ;; HUP) code=129 ;; esac
        # The last round's out.txt must go first: this round's redirection truncates it
        # only once the FIFO is open, after the writer below opened it.
        rm -f feed out.txt err.txt && mkfifo feed
        "$run_tool" default-signals "$tool" train --data - --layers 4,8,3 --progress-every 100 --save out.mpm \
            <feed >out.txt 2>err.txt &
        pid=$!
        exec 3>feed
        head -n 201 "$data/blobs.csv" >&3
        wait_for "^ +200 samples" out.txt 20
        ls -a | grep -q '^\.out\.mpm\.tmp-' || fail "no temporary file while training (the test would prove nothing)"
        kill -$sig "$pid"
        wait "$pid"
        status=$?
        exec 3>&-
        cat err.txt
        [ "$status" -eq $code ] || fail "SIG$sig during training: exit status $status, expected $code"
        grep -q "^microprop train: interrupted by SIG$sig; nothing saved$" err.txt || fail "message for SIG$sig"
        no_leftovers out.mpm
    done
    # ... while opening a FIFO that no writer opens yet (open(2) waits for its partner).
    rm -f feed out.txt err.txt && mkfifo feed
    "$run_tool" default-signals "$tool" train --data feed --layers 4,3 --save out.mpm >out.txt 2>err.txt &
    pid=$!
    tries=0
    until grep -q wait_for_partner "/proc/$pid/wchan" 2>/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -le 400 ] || fail "the tool never waited in open() on the FIFO"
        sleep 0.05
    done
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    [ "$status" -eq 143 ] || fail "SIGTERM while opening a FIFO: exit status $status, expected 143"
    grep -q "^microprop train: interrupted by SIGTERM; nothing saved$" err.txt || fail "message while opening"
    no_leftovers out.mpm
    ;;
signal_eval)
    # ... during the held-out evaluation (the old tool saved the model and exited 0).
    mkfifo held
    "$run_tool" default-signals "$tool" train --data "$data/blobs.csv" --layers 4,8,3 --test held --save out.mpm \
        >out.txt 2>err.txt &
    pid=$!
    exec 3>held
    head -n 50 "$data/blobs_test.csv" >&3
    wait_for "^time per sample" out.txt 20
    kill -INT "$pid"
    wait "$pid"
    status=$?
    exec 3>&-
    [ "$status" -eq 130 ] || fail "SIGINT during evaluation: exit status $status, expected 130"
    grep -q "interrupted by SIGINT; nothing saved" err.txt || fail "message"
    no_leftovers out.mpm
    # eval alone, on a stream that stalls.
    rm -f held out.txt err.txt && mkfifo held
    "$run_tool" default-signals "$tool" eval --model "$model" --data held >out.txt 2>err.txt &
    pid=$!
    exec 3>held
    head -n 50 "$data/blobs_test.csv" >&3
    wait_for_handlers "$pid"
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    exec 3>&-
    [ "$status" -eq 143 ] || fail "SIGTERM during eval: exit status $status, expected 143"
    grep -q "^microprop eval: interrupted by SIGTERM; nothing saved$" err.txt || fail "eval's message"
    ;;
signal_export)
    # ... during export: the model file stalls after its header; -o's temporary exists.
    mkfifo slow.mpm
    "$run_tool" default-signals "$tool" export --c-header --model slow.mpm -o out.h >out.txt 2>err.txt &
    pid=$!
    exec 3>slow.mpm
    head -c 40 "$model" >&3
    tries=0
    until ls -a | grep -q '^\.out\.h\.tmp-'; do
        tries=$((tries + 1))
        [ "$tries" -le 400 ] || fail "no temporary file for -o after 20 s"
        sleep 0.05
    done
    kill -HUP "$pid"
    wait "$pid"
    status=$?
    exec 3>&-
    [ "$status" -eq 129 ] || fail "SIGHUP during export: exit status $status, expected 129"
    grep -q "interrupted by SIGHUP; nothing saved" err.txt || fail "message"
    no_leftovers out.h
    ;;
export_streamed)
    # A 16 MB model (2048 x 2048) exports in bounded memory: the model file and the network,
    # never the header's text (about 170 MB here), which goes out 64 KiB at a time.
    awk 'BEGIN { for (r = 0; r < 2; r++) { for (i = 0; i < 4096; i++) printf "%s%g", (i ? "," : ""), (i % 7) / 8; print "" } }' \
        >wide.csv
    run 0 train --data wide.csv --layers 2048,2048 --output identity --eta 0.001 --save wide.mpm
    "$run_tool" peak-rss rss.txt "$tool" export --c-header --model wide.mpm 2>err.txt | wc -c >size.txt ||
        fail "export of the wide model: $(cat err.txt)"
    at_least "$(tr -d ' ' <size.txt)" 100000000 "header size"
    # model file 16.8 MB + network 16.8 MB + the program: under 48 MiB.
    rss_at_most 49152 30 "export of a 16 MB model"
    ;;

# --- what users expect ---------------------------------------------------------------------
binary_classifier)
    # One sigmoid output: labels 0 and 1, class 1 when the output exceeds 0.5.
    awk -F, 'NR == 1 { print; next } { print $1 "," $2 "," $3 "," $4 "," ($5 == 2 ? 1 : 0) }' "$data/blobs.csv" >binary.csv
    awk -F, 'NR == 1 { print; next } { print $1 "," $2 "," $3 "," $4 "," ($5 == 2 ? 1 : 0) }' "$data/blobs_test.csv" \
        >binary_test.csv
    run 0 train --data binary.csv --layers 4,8,1 --output sigmoid --eta 0.1 --test binary_test.csv --save binary.mpm
    at_least "$(number 's/^held-out.*accuracy \([0-9.]*\)%.*/\1/p')" 97 "held-out accuracy"
    grep -q "binary cross-entropy" out.txt || fail "loss name"
    run 0 eval --model binary.mpm --data binary_test.csv
    at_least "$(number 's/^accuracy: \([0-9.]*\)% (class 1 when the output exceeds 0.5)/\1/p')" 97 "eval accuracy"
    run 0 info --model binary.mpm
    grep -q "loss:          binary cross-entropy (one sigmoid output: a binary classifier, labels 0 and 1)" out.txt ||
        fail "info"
    line=$(awk -F, 'NR > 1 && $5 == 2 { print NR; exit }' "$data/blobs.csv")
    refused 1 "blobs.csv: line $line, column 5: label 2 out of range: the network has 2 classes, labels 0 to 1 \(one sigmoid output: a binary classifier\)" \
        out.mpm train --data "$data/blobs.csv" --layers 4,8,1 --output sigmoid --save out.mpm
    ;;
header_rule)
    # Only a first row without any number is a header; one word among numbers is an error
    # at the word (today it silently became a header, dropping a sample).
    csv mixed.csv '0.5,1.5,label\n1,2,0\n3,4,1\n'
    refused 1 'mixed.csv: line 1, column 3: "label" is not a number \(a header row holds no numbers; --header yes takes this row as one\)' \
        out.mpm train --data mixed.csv --layers 2,3 --save out.mpm
    run 0 train --data mixed.csv --layers 2,3 --header yes
    grep -q "mixed.csv: 2 samples" out.txt || fail "--header yes"
    csv words.csv 'x,y,label\n1,2,0\n3,4,1\n'
    run 0 train --data words.csv --layers 2,3
    grep -q "words.csv: 2 samples" out.txt || fail "header of words"
    ;;
kernels)
    run 0 info --model "$model"
    grep -Eq "^kernels: +[a-z0-9+]+ \(runnable here: .*scalar" out.txt || fail "info: no kernels line"
    MICROPROP_KERNELS=scalar "$tool" info --model "$model" >out.txt || fail "info with MICROPROP_KERNELS=scalar"
    cat out.txt
    grep -q "^kernels:       scalar (runnable here:" out.txt || fail "info does not report scalar"
    MICROPROP_KERNELS=scalar "$tool" train --data "$data/blobs.csv" --layers 4,3 >out.txt || fail "train, scalar"
    grep -q "^kernels: scalar (runnable here:" out.txt || fail "train does not report scalar"
    MICROPROP_KERNELS=nonsense "$tool" info --model "$model" >out.txt || fail "info, unknown table"
    grep -q "MICROPROP_KERNELS=nonsense names none of them" out.txt || fail "unknown table not reported"
    ;;
regression_loss_names)
    # Mean squared error is per output value; the loss is 1/2 the sum over the outputs of
    # the squared errors, per sample. With 3 outputs: mean loss = 3/2 x mse, exactly.
    run 0 train --data "$data/linear.csv" --layers 2,8,3 --hidden tanh --output identity --eta 0.02 --save three.mpm
    grep -Eq "^prequential .*: mean squared error [0-9.e+-]+ per output value, mean loss [0-9.e+-]+ \(1/2 sum of squared errors\)$" \
        out.txt || fail "train summary names"
    run 0 eval --model three.mpm --data "$data/linear.csv"
    grep -q "^mean squared error: .* (per output value: over 800 samples x 3 outputs)$" out.txt || fail "eval mse line"
    grep -q "^mean loss: .* (1/2 sum of squared errors, per sample)$" out.txt || fail "eval loss line"
    mse=$(number 's/^mean squared error: \([0-9.e+-]*\) .*/\1/p')
    loss=$(number 's/^mean loss: \([0-9.e+-]*\) .*/\1/p')
    awk -v m="$mse" -v l="$loss" 'BEGIN { r = l / (1.5 * m); exit !(r > 0.9999 && r < 1.0001) }' ||
        fail "mean loss $loss is not 3/2 of the mean squared error $mse"
    ;;

*)
    fail "unknown case"
    ;;
esac
exit 0
