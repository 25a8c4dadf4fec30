"""The command line of tools/cortex_m_footprint.py (its docstring is the usage)."""
import argparse
import json
import pathlib
import shutil
import sys

from . import ROOT, targets
from .budgets import STACK_BUDGETS
from .measure import OPTIMIZATIONS, measure
from .report import (budget_table, config_name, footprint_table, real_time_summary, replace_between,
                     single_stack_table, stack_table, timing_table, worst_case_table)
from .shell import tool
from .stack import StackError, stack_problems, stack_report


def check_stack(build, machine):
    """The ctest test stack_budget: one existing board build, its stack only."""
    for needed in ("qemu-system-arm", tool("objdump"), tool("nm"), tool("readelf")):
        if shutil.which(needed) is None:
            print(f"skipped: {needed} is not installed")
            return 77
    try:
        rows = stack_report(pathlib.Path(build), machine)
    except StackError as e:
        print(f"stack analysis failed: {e}")
        return 1
    print(single_stack_table(rows))
    print("\nbudgets: " + ", ".join(f"{k} {v} B" for k, v in STACK_BUDGETS.items()))
    problems = stack_problems(rows, machine)
    for p in problems:
        print("FAILED:", p)
    if not problems:
        print("stack budgets: every entry point within its budget, every measurement within its bound")
    return 1 if problems else 0


def main(usage):
    cores_known = targets.cortex_m_cores()
    parser = argparse.ArgumentParser(description=usage.splitlines()[0])
    parser.add_argument("--docs", "--readme", dest="docs", action="store_true",
                        help="rewrite the generated tables of docs/cortex-m.md and docs/real-time.md, "
                             "then the README's headline table (tools/headline.py)")
    parser.add_argument("--build-dir", default=str(ROOT / "build/footprint"))
    parser.add_argument("--cores", default=",".join(cores_known), help="e.g. m4,m55")
    parser.add_argument("--opts", default=",".join(OPTIMIZATIONS), help="e.g. -Os")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--check-stack", metavar="BUILD", help="check the stack budgets of an existing board build")
    parser.add_argument("--machine", help="with --check-stack: the QEMU machine of that build")
    args = parser.parse_args()
    if args.check_stack:
        if not args.machine:
            parser.error("--check-stack needs --machine")
        sys.exit(check_stack(args.check_stack, args.machine))
    cores = args.cores.split(",")
    opts = args.opts.split(",")
    unknown = [c for c in cores if c not in cores_known] + [o for o in opts if o not in OPTIMIZATIONS]
    if unknown:
        parser.error(f"unknown core(s) or optimization(s) {', '.join(unknown)}")
    if args.docs and (set(cores) != set(cores_known) or set(opts) != set(OPTIMIZATIONS)):
        parser.error("--docs needs every core and optimization")
    results = []
    for core in cores:
        for opt in opts:
            print(f"cortex-{core} {opt} ...", file=sys.stderr, flush=True)
            results.append(measure(core, opt, pathlib.Path(args.build_dir)))
        if core in ("m4", "m55") and "-O2" in opts:
            # The same core with the portable scalar port: what its tuned kernels gain.
            print(f"cortex-{core} -O2, scalar port ...", file=sys.stderr, flush=True)
            results.append(measure(core, "-O2", pathlib.Path(args.build_dir), port="scalar"))
    problems = [p for r in results for p in stack_problems(r["stack"], config_name(r))]
    footprint = footprint_table(results)
    stack = stack_table(results)
    print(footprint + "\n\n" + stack + "\n")
    if "-O2" in opts:
        timing = "\n\n".join([timing_table(results, net) for net in ("64-32-10", "16-32-4")] +
                             ["The worst case, part by part (the exact pass's and the slow paths' largest counts "
                              "over their calls):", worst_case_table(results)])
        print(timing + "\n\n" + real_time_summary(results))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            [{**r, "counts": {f"{k[0]} {k[1]}": v for k, v in r["counts"].items()},
              "cases": {f"{k[0]} {k[1]}": v for k, v in r["cases"].items()}} for r in results], indent=1))
    for p in problems:
        print("FAILED:", p, file=sys.stderr)
    if problems:
        sys.exit(1)
    if args.docs:
        replace_between(ROOT / "docs/cortex-m.md", "footprint", footprint)
        replace_between(ROOT / "docs/real-time.md", "real-time", real_time_summary(results))
        replace_between(ROOT / "docs/real-time.md", "budgets", budget_table())
        replace_between(ROOT / "docs/real-time.md", "stack", stack)
        replace_between(ROOT / "docs/real-time.md", "timing", timing)
        import headline  # tools/headline.py (tools/ is on sys.path: cortex_m_footprint.py)
        headline.update(ROOT)
        print("docs/cortex-m.md, docs/real-time.md and the README's headline table updated", file=sys.stderr)
