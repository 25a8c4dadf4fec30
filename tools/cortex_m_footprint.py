#!/usr/bin/python3
"""Footprint, stack bounds and instruction counts of microprop on every Cortex-M target, generated.

For each Cortex-M target of ports/targets.json at -Os and -O2 this builds the
online-training firmware, the instruction-count probe and the stack probe
(examples/firmware), runs them under QEMU and reads:
  - flash of the library: text + rodata of microprop's objects as linked into the firmware
    (its map file), so only what the firmware really uses counts;
  - RAM: the network (arena) the firmware declares, plus the library's static data;
  - stack: for every public entry point (ENTRY_POINTS, C_API of footprint/budgets.py), the
    static worst case along the call graph, from the compiler's -fstack-usage sizes and
    -fcallgraph-info graph (calls through the kernel table: every kernel the linked table
    holds; newlib and libgcc read from the linked image; recursion, frames of dynamic size
    and unresolved indirect calls fail), and the measured (painted) figure of
    stack_probe.cpp, both checked against STACK_BUDGETS;
  - instructions of train_step, train_then_predict and predict for 64-32-10 and 256-64-10
    sigmoid/softmax networks, and the smallest and largest count of one train_step on each
    kind of data of instruction_counts.cpp, under qemu-system-arm -icount shift=0.
It prints Markdown tables; with --docs (or its old name --readme) it rewrites the generated
parts of docs/cortex-m.md (between <!-- cortex-m-footprint:begin/end -->) and of
docs/real-time.md (<!-- real-time:begin/end --> and the full tables), then the README's
headline table (tools/headline.py, which quotes both pages).

--check-stack BUILD runs only the stack part on an existing board build (a Cortex-M target's
build, which adds the compiler flags it needs): the ctest test stack_budget. Exit status 1
if a budget is exceeded, a measurement exceeds its static bound, or the analysis cannot
bound a call; 77 if the tools are missing.

Usage: tools/cortex_m_footprint.py [--docs] [--build-dir build/footprint] [--cores m4,m55]
                                   [--opts=-Os,-O2] [--json FILE]
       tools/cortex_m_footprint.py --check-stack BUILD --machine mps2-an386
"""
import pathlib
import sys

# The code is the package tools/footprint/ (its __init__.py lists the modules).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from footprint.cli import main  # noqa: E402

if __name__ == "__main__":
    main(__doc__)
