#!/usr/bin/python3
"""Plots and Markdown tables from the benchmark binaries' JSON output.

Reads what microprop_bench_kernels and microprop_bench_peers write with
--benchmark_out=FILE --benchmark_out_format=json (or --benchmark_format=json), writes

  <out-dir>/bench-peers.png    time per call of every peer, per operation and shape (log)
  <out-dir>/bench-kernels.png  GFLOP/s of the matrix kernels against size, ns per element of
                               the element-wise ones (ours against the xsimd-exp sigmoid)

and prints a Markdown report: the machine, peer time / microprop time for every operation
and shape, microprop as a percentage of the streaming ceiling, the kernels at 128x784, our
sigmoid against 1 / (1 + xsimd::exp(-x)) with the ulp errors the kernel binary measured,
and the commands. --doc FILE (docs/benchmarks.md) rewrites the section between
<!-- bench-report:begin --> and <!-- bench-report:end --> with it; tools/headline.py then
quotes some of its figures in the README.

Times are CPU times. With --benchmark_repetitions the median aggregate is used; runs without
aggregates are reduced to the median of their repetitions here. Peers or kernels missing
from a file are left out of the plots and shown as "-" in the tables.

Run with Debian's interpreter, which sees python3-matplotlib:
  /usr/bin/python3 tools/plot_benchmarks.py --kernels build/host/bench-results/kernels.json \\
      --peers build/host/bench-results/peers.json --out-dir docs [--doc docs/benchmarks.md]
tools/run_benchmarks.sh (the build target bench_report) runs everything and calls this.
Without --no-plots the PNGs are redrawn; with it the report links those already in out-dir.
"""

import argparse
import json
import math
import os
import re
import statistics
import sys

BEGIN = "<!-- bench-report:begin -->"
END = "<!-- bench-report:end -->"

PEER_ORDER = ["microprop", "microprop_pipelined", "fann", "eigen", "eigen_native",
              "plain_loop", "torch", "ceiling"]
PEER_ALIASES = {"stream_ceiling": "ceiling"}
OPS = ["train_step", "predict", "minibatch32"]
SHAPE_ORDER = ["64-32-10", "784-128-10", "256-256-256-10"]
TABLE_ORDER = ["avx512", "avx2+fma", "sse2", "neon64", "scalar"]
TABLE_COLORS = {"avx512": "tab:purple", "avx2+fma": "tab:blue", "sse2": "tab:orange",
                "neon64": "tab:red", "scalar": "tab:green"}
PEER_COLORS = {"microprop": "#1f4e9c", "microprop_pipelined": "#5b8def", "fann": "#d62728",
               "eigen": "#ff9f1c", "eigen_native": "#ffd166", "plain_loop": "#2ca02c",
               "torch": "#9467bd", "ceiling": "#7f7f7f"}
MATRIX_KERNELS = ["gemv", "gemv_t", "ger", "gemv_t_ger", "ger_gemv"]
TIME_SCALE = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


# --- reading ----------------------------------------------------------------------------

def median_record(records):
    """One record from several repetitions: the median of every numeric field."""
    out = dict(records[0])
    for key, value in records[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values = [r[key] for r in records if isinstance(r.get(key), (int, float))]
            out[key] = statistics.median(values)
    return out


def load(path):
    """(context, {run_name: record}) of one JSON output; None if path is missing."""
    if not path:
        return None
    if not os.path.exists(path):
        print(f"plot_benchmarks: {path} not found, left out", file=sys.stderr)
        return None
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    groups = {}
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        g = groups.setdefault(name, {"median": None, "runs": []})
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                g["median"] = b
        else:
            g["runs"].append(b)
    results = {}
    for name, g in groups.items():
        if g["median"] is not None:
            results[name] = g["median"]
        elif g["runs"]:
            results[name] = median_record(g["runs"])
    return data.get("context", {}), results


def ns(record):
    return record["cpu_time"] * TIME_SCALE[record.get("time_unit", "ns")]


def split3(name):
    parts = name.split("/")
    return parts if len(parts) == 3 else None


def kernel_data(results):
    """{kernel: {table: {size: record}}}"""
    out = {}
    for name, rec in results.items():
        parts = split3(name)
        if parts:
            out.setdefault(parts[0], {}).setdefault(parts[1], {})[parts[2]] = rec
    return out


def peer_data(results):
    """{op: {shape: {peer: record}}}"""
    out = {}
    for name, rec in results.items():
        parts = split3(name)
        if parts:
            op, peer, shape = parts
            peer = PEER_ALIASES.get(peer, peer)
            out.setdefault(op, {}).setdefault(shape, {})[peer] = rec
    return out


def ordered(items, order):
    items = list(items)
    known = [x for x in order if x in items]
    return known + sorted(x for x in items if x not in order)


def matrix_size(size):
    m = re.fullmatch(r"(\d+)x(\d+)", size)
    return (int(m.group(1)), int(m.group(2))) if m else None


# --- machine ----------------------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def cpu_flags():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [x for x in ("sse2", "avx2", "fma", "avx512f") if x in flags]
    except OSError:
        pass
    return []


def size_text(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n // scale} {unit}"
    return f"{n} B"


def machine_text(ctx, any_record):
    caches = []
    for c in ctx.get("caches", []):
        if c.get("type") == "Instruction":
            continue
        caches.append(f"L{c['level']} {size_text(c['size'])}")
    reps = any_record.get("repetitions", 1) if any_record else 1
    parts = [
        f"{cpu_model()} ({', '.join(cpu_flags()) or 'no SIMD flags read'}), "
        f"{ctx.get('num_cpus', '?')} cores at {ctx.get('mhz_per_cpu', '?')} MHz, "
        f"caches {', '.join(caches) or '?'}",
        f"compiler {ctx.get('compiler', '?')} `{ctx.get('compiler_flags', '').strip()}`",
        f"run {ctx.get('date', '?')[:10]}, load average at start "
        + ", ".join(f"{x:.2f}" for x in ctx.get("load_avg", [])),
        f"CPU time, median of {reps} repetitions" if reps > 1 else "CPU time, one run",
    ]
    return "; ".join(parts)


# --- formatting -------------------------------------------------------------------------

def fmt_time(t_ns):
    if t_ns >= 1e6:
        return f"{t_ns / 1e6:.3g} ms"
    if t_ns >= 1e3:
        return f"{t_ns / 1e3:.3g} µs"
    return f"{t_ns:.3g} ns"


def fmt_ratio(r):
    return f"{r:.2f}×" if r < 10 else f"{r:.1f}×"


def md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --- report -----------------------------------------------------------------------------

def peers_section(peers):
    out = []
    for op in ordered(peers, OPS):
        shapes = ordered(peers[op], SHAPE_ORDER)
        present = ordered({p for s in shapes for p in peers[op][s]}, PEER_ORDER)
        others = [p for p in present if p != "microprop"]
        has_ceiling = "ceiling" in present
        header = ["shape", "microprop"] + others + (["microprop, % of ceiling"] if has_ceiling else [])
        rows = []
        for shape in shapes:
            recs = peers[op][shape]
            base = ns(recs["microprop"]) if "microprop" in recs else None
            row = [shape, fmt_time(base) if base else "-"]
            for p in others:
                if p not in recs:
                    row.append("-")
                elif base and p != "ceiling":
                    row.append(f"{fmt_ratio(ns(recs[p]) / base)} ({fmt_time(ns(recs[p]))})")
                else:
                    row.append(fmt_time(ns(recs[p])))
            if has_ceiling:
                row.append(f"{100.0 * ns(recs['ceiling']) / base:.0f} %"
                           if base and "ceiling" in recs else "-")
            rows.append(row)
        out.append(f"`{op}`: peer time / microprop time (above 1: microprop is faster)\n\n"
                   + md_table(header, rows))
    return "\n\n".join(out)


def kernels_section(kernels, size="128x784"):
    tables = ordered({t for k in MATRIX_KERNELS if k in kernels for t in kernels[k]}, TABLE_ORDER)
    rows = []
    for k in MATRIX_KERNELS:
        if k not in kernels:
            continue
        row = [f"`{k}`"]
        for t in tables:
            rec = kernels[k].get(t, {}).get(size)
            if rec is None:
                row.append("-")
            else:
                row.append(f"{rec['ns_per_weight']:.3f} ns/weight, {rec['GFLOP/s']:.1f} GFLOP/s, "
                           f"{rec['bytes_per_second'] / 1e9:.0f} GB/s")
        rows.append(row)
    if not rows:
        return ""
    return (f"Kernels at {size} (the first layer of 784-128-10), every table this CPU runs:\n\n"
            + md_table(["kernel"] + tables, rows))


def parse_ulp(value):
    """The kernel binary's max_ulp context entry: normal | all | zero from | finite."""
    parts = [p.strip() for p in value.split("|")]
    if len(parts) < 4:
        return None
    num = lambda s: float(s.split()[0])
    return {"normal": num(parts[0]), "all": num(parts[1]), "zero_from": float(parts[2]),
            "finite": parts[3] == "yes"}


def sigmoid_section(kernels, ctx):
    ours = kernels.get("sigmoid", {})
    base = kernels.get("sigmoid_xsimd_exp", {})
    tables = ordered([t for t in base if t in ours], TABLE_ORDER)
    if not tables:
        return ""
    sizes = sorted({s for t in tables for s in base[t] if s in ours[t]}, key=int)
    rows = []
    for t in tables:
        for s in sizes:
            if s not in ours[t] or s not in base[t]:
                continue
            a, b = ours[t][s]["ns_per_element"], base[t][s]["ns_per_element"]
            rows.append([t, s, f"{a:.3f}", f"{b:.3f}", fmt_ratio(b / a)])
    speed = md_table(["table", "n", "ours, ns/element", "xsimd exp, ns/element",
                      "our speed: xsimd exp time / our time (target ≥ 2×)"], rows)
    acc_rows = []
    for t in tables + [t for t in ordered(ours, TABLE_ORDER) if t not in tables]:
        for label, fn in (("ours", "sigmoid"), ("1 / (1 + xsimd::exp(-x))", "sigmoid_xsimd_exp")):
            u = ctx.get(f"max_ulp/{fn}/{t}")
            p = parse_ulp(u) if u else None
            if p:
                acc_rows.append([label, t, f"{p['normal']:.3f}", f"{p['all']:.4g}",
                                 f"{p['zero_from']:.9g}", "yes" if p["finite"] else "no"])
    sample = ctx.get("max_ulp_sample", "").split(";")[0]
    acc = ""
    if acc_rows:
        acc = (f"\n\nAccuracy against a double-precision reference ({sample}; the test suite's "
               "exhaustive sweep gives 2.402 ulp for ours, bound 3):\n\n"
               + md_table(["sigmoid", "table", "max ulp, results ≥ FLT_MIN",
                           "max ulp, all sampled floats", "exactly 0 from x ≤ (sampled)",
                           "never NaN/inf"], acc_rows))
    return ("Vector sigmoid against the xsimd 8.1 one-liner `1 / (1 + xsimd::exp(-x))`, "
            "compiled for the same instruction set (inputs uniform in [-4, 4]):\n\n"
            + speed + acc)


def report(kctx, kernels, pctx, peers, commands, images):
    first = None
    for source in (kernels, peers):
        if source:
            for d in source.values():
                for e in d.values():
                    for rec in e.values():
                        first = first or rec
    ctx = kctx or pctx or {}
    parts = ["## Benchmark report (generated)",
             "`cmake --preset host && cmake --build --preset host -j2 --target bench_report` "
             "builds both benchmark binaries, runs them with JSON output "
             "(`tools/run_benchmarks.sh`) and writes the plots and this section "
             "(`tools/plot_benchmarks.py`). Peers, shapes and the equality check that runs "
             "before any timing are described in `bench/bench_peers.cpp`; kernel sizes and "
             "counters in `bench/bench_kernels.cpp`. The kernel binary calls every table "
             "by name (`<kernel>/<table>/<size>`), so `MICROPROP_KERNELS` changes nothing "
             "there. The peer binary's microprop runs the active table (the best one unless "
             "`MICROPROP_KERNELS` names another). "
             "CPU time is reported because the machine is shared (wall time includes waiting "
             "for other jobs); compare ratios from one run only.",
             "Machine: " + machine_text(ctx, first) + "."]
    if kctx and kctx.get("microprop_kernel_tables"):
        parts.append(f"Kernel tables this CPU runs: {kctx['microprop_kernel_tables']}; "
                     f"the peer benchmark uses the best one"
                     + (f" ({pctx['microprop_kernels']})" if pctx and pctx.get("microprop_kernels") else "")
                     + ".")
    if pctx:
        versions = [f"{p} {pctx[p]}" for p in PEER_ORDER
                    if p not in ("microprop", "microprop_pipelined", "ceiling") and p in pctx]
        if versions:
            parts.append("Peers as built: " + "; ".join(versions) + ".")
    for img, alt in images:
        parts.append(f"![{alt}]({img})")
    if peers:
        parts.append(peers_section(peers))
    else:
        parts.append("(No peer results.)")
    if kernels:
        parts.append(kernels_section(kernels))
        sig = sigmoid_section(kernels, kctx or {})
        if sig:
            parts.append(sig)
    if commands:
        parts.append("Commands:\n\n```sh\n" + "\n".join(commands) + "\n```")
    return "\n\n".join(p for p in parts if p) + "\n"


# --- plots ------------------------------------------------------------------------------

def plot_peers(peers, path, plt):
    ops = ordered(peers, OPS)
    fig, axes = plt.subplots(1, len(ops), figsize=(6.2 * len(ops), 5.2), squeeze=False)
    for ax, op in zip(axes[0], ops):
        shapes = ordered(peers[op], SHAPE_ORDER)
        present = ordered({p for s in shapes for p in peers[op][s]}, PEER_ORDER)
        width = 0.8 / max(1, len(present))
        for i, p in enumerate(present):
            xs, ys = [], []
            for j, s in enumerate(shapes):
                if p in peers[op][s]:
                    xs.append(j - 0.4 + width * (i + 0.5))
                    ys.append(ns(peers[op][s][p]) / 1e3)
            ax.bar(xs, ys, width, label=p, color=PEER_COLORS.get(p))
        ax.set_yscale("log")
        ax.set_xticks(range(len(shapes)))
        ax.set_xticklabels(shapes)
        ax.set_title(op)
        ax.set_ylabel("µs per call (CPU time, log scale)")
        ax.grid(axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("microprop against its peers, one call each (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_kernels(kernels, path, plt):
    matrix = [k for k in MATRIX_KERNELS if k in kernels]
    panels = matrix + ["sigmoid", "exp / tanh", "softmax"]
    cols = 4
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 4.3 * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax, k in zip(flat, matrix):
        for t in ordered(kernels[k], TABLE_ORDER):
            pts = [(matrix_size(s), rec) for s, rec in kernels[k][t].items() if matrix_size(s)]
            square = sorted((r * c, rec["GFLOP/s"]) for (r, c), rec in pts if r == c)
            net = sorted(((r, c), rec["GFLOP/s"]) for (r, c), rec in pts if r != c)
            color = TABLE_COLORS.get(t)
            if square:
                ax.plot([x for x, _ in square], [y for _, y in square], "o-", color=color,
                        label=t, ms=4)
            if net:
                ax.plot([r * c for (r, c), _ in net], [y for _, y in net], "D", color=color,
                        mfc="none", ms=6)
                if t == ordered(kernels[k], TABLE_ORDER)[0]:
                    for (r, c), y in net:
                        ax.annotate(f"{r}x{c}", (r * c, y), fontsize=7,
                                    xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("weights (rows x cols); lines: square, ◇: network layers")
        ax.set_ylabel("GFLOP/s")
        ax.set_title(k)
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=8)
    rest = flat[len(matrix):]
    element_panels = [("sigmoid", ["sigmoid", "sigmoid_xsimd_exp"]),
                      ("tanh", ["tanh"]), ("softmax", ["softmax"])]
    styles = {"sigmoid": "o-", "sigmoid_xsimd_exp": "s--", "tanh": "^:",
              "softmax": "o-"}
    for ax, (title, names) in zip(rest, element_panels):
        for name in names:
            for t in ordered(kernels.get(name, {}), TABLE_ORDER):
                pts = sorted((int(s), rec["ns_per_element"]) for s, rec in kernels[name][t].items()
                             if s.isdigit())
                if pts:
                    label = f"{name} {t}" if len(names) > 1 else t
                    ax.plot([x for x, _ in pts], [y for _, y in pts], styles[name],
                            color=TABLE_COLORS.get(t), label=label, ms=4)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("n (elements)")
        ax.set_ylabel("ns per element (log)")
        ax.set_title(title if title != "sigmoid" else "sigmoid: ours (—) vs 1/(1+xsimd::exp(-x)) (--)")
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in flat[len(matrix) + len(element_panels):]:
        ax.axis("off")
    fig.suptitle("microprop kernels, every table this CPU runs (CPU time; higher GFLOP/s, "
                 "lower ns are better)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# --- main -------------------------------------------------------------------------------

def rewrite_doc(path, section):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < b:
        sys.exit(f"plot_benchmarks: {path} has no {BEGIN} ... {END} section")
    new = text[:b + len(BEGIN)] + "\n" + section + text[e:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    print(f"plot_benchmarks: rewrote the bench-report section of {path}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", help="JSON of microprop_bench_kernels")
    ap.add_argument("--peers", help="JSON of microprop_bench_peers")
    ap.add_argument("--out-dir", default="docs", help="where the PNGs go (default docs)")
    ap.add_argument("--image-prefix", default=None,
                    help="path of out-dir as the Markdown links see it (default: out-dir "
                         "relative to the --doc file's folder, else out-dir)")
    ap.add_argument("--doc", "--readme", dest="doc",
                    help="rewrite this file's bench-report section (docs/benchmarks.md)")
    ap.add_argument("--markdown", help="also write the report to this file")
    ap.add_argument("--command", action="append", default=[],
                    help="a command line to list under 'Commands' (repeatable)")
    ap.add_argument("--no-plots", action="store_true", help="tables only")
    args = ap.parse_args()

    k = load(args.kernels)
    p = load(args.peers)
    if k is None and p is None:
        sys.exit("plot_benchmarks: nothing to report (give --kernels and/or --peers)")
    kctx, kernels = (k[0], kernel_data(k[1])) if k else (None, {})
    pctx, peers = (p[0], peer_data(p[1])) if p else (None, {})

    images = []
    prefix = args.image_prefix
    if prefix is None:
        prefix = (os.path.relpath(args.out_dir, os.path.dirname(os.path.abspath(args.doc)))
                  if args.doc else args.out_dir)
    plots = [("bench-peers.png", "time per call, microprop and its peers", peers, plot_peers),
             ("bench-kernels.png", "kernel throughput per table", kernels, plot_kernels)]
    if not args.no_plots:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        os.makedirs(args.out_dir, exist_ok=True)
    for name, alt, data, plot in plots:
        if not data:
            continue
        if not args.no_plots:
            plot(data, os.path.join(args.out_dir, name), plt)
        elif not os.path.exists(os.path.join(args.out_dir, name)):
            continue
        images.append((os.path.normpath(os.path.join(prefix, name)), alt))

    commands = args.command or [" ".join(["/usr/bin/python3"] + sys.argv)]
    section = report(kctx, kernels, pctx, peers, commands, images)
    print(section)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(section)
    if args.doc:
        rewrite_doc(args.doc, section)


if __name__ == "__main__":
    main()
