#!/bin/sh
# The torch_agreement test: generates the cases with PyTorch, converts them with
# tools/torch_to_microprop.py, writes the learning-rate schedule cases
# (make_schedule_cases.py) and checks both with check_torch (see check_torch.cpp).
# Exits with 77 (ctest: skipped) when PYTHON cannot import torch and numpy.
# Usage: run_torch_check.sh PYTHON SOURCE_DIR WORK_DIR CHECKER
set -eu
python=$1 source_dir=$2 work_dir=$3 checker=$4

if ! "$python" -c "import torch, numpy" >/dev/null 2>&1; then
    echo "SKIP: $python cannot import torch and numpy (Debian's python3-torch and" \
         "python3-numpy; sh ports/install-dependencies.sh installs them)"
    exit 77
fi
rm -rf "$work_dir"
mkdir -p "$work_dir"
"$python" "$source_dir/tests/torch/make_torch_cases.py" \
    --tool "$source_dir/tools/torch_to_microprop.py" --out "$work_dir"
"$python" "$source_dir/tests/torch/make_schedule_cases.py" --out "$work_dir"
exec "$checker" "$work_dir/cases.txt" "$work_dir/schedules.txt"
