#!/bin/sh
# The `microprop` tool as a user runs it, one ctest test per case (tests/cli/CMakeLists.txt):
#   cli_cases.sh CASE TOOL DATA_DIR WORK_DIR C_COMPILER CXX_COMPILER INCLUDE_DIR
# Each case works in WORK_DIR/CASE. The model that later cases read is trained by the case
# train_classifier (a ctest fixture). Bad input must give a non-zero status, one message
# naming the file (and line, and column) on stderr, and leave no output file behind.
set -u
case_name=$1 tool=$2 data=$3 work=$4 cc=$5 cxx=$6 include=$7
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

# A number from out.txt: the first match of a sed expression.
number() { sed -n "$1" out.txt | head -n 1; }

# at_least VALUE MINIMUM WHAT
at_least() {
    awk -v v="$1" -v m="$2" 'BEGIN { exit !(v != "" && v + 0 >= m + 0) }' || fail "$3 is '$1', expected at least $2"
}
at_most() {
    awk -v v="$1" -v m="$2" 'BEGIN { exit !(v != "" && v + 0 <= m + 0) }' || fail "$3 is '$1', expected at most $2"
}

case $case_name in
help)
    for command in train eval info export; do
        run 0 $command --help
        grep -q "Usage: microprop $command" out.txt || fail "no usage line for $command"
    done
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
        --seed 1 --save again.mpm --progress-every 0 >/dev/null || fail "second run"
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
    # A bad held-out file is found before any training.
    csv bad.csv '1,2,3,4,0\n1,2,3,4\n'
    refused 1 "bad.csv: line 2: 4 fields where line 1 has 5" out.mpm \
        train --data "$data/blobs.csv" --layers 4,3 --test bad.csv --save out.mpm
    ;;
bad_missing_file)
    refused 1 "nothing.csv: cannot open: No such file or directory" out.mpm train --data nothing.csv --layers 2,3 --save out.mpm
    refused 1 "nothing.mpm: cannot open" none info --model nothing.mpm
    ;;
bad_eval_data)
    csv bad.csv '1,2,3,4,0\n1,2,3,y,1\n'
    refused 1 'bad.csv: line 2, column 4: "y" is not a number' none eval --model "$model" --data bad.csv
    ;;

bad_diverged)
    # Inputs near the float limit overflow the next forward pass: the run stops at that
    # sample's line, after the output's temporary file was created, and removes it.
    csv bad.csv '1,2,0\n3e38,-3e38,1\n1,1,1\n'
    refused 1 "bad.csv: line 2: training stopped at sample 2: .*overflowed" out.mpm \
        train --data bad.csv --layers 2,8,2 --eta 1e30 --save out.mpm
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
    ;;
bad_output_directory)
    refused 1 "no/such/dir/out.mpm: cannot create a file in no/such/dir/" none \
        train --data "$data/blobs.csv" --layers 4,3 --save no/such/dir/out.mpm
    ;;

*)
    fail "unknown case"
    ;;
esac
exit 0
