#!/usr/bin/python3
"""Renders the demo plots of docs/demos.md (python3-matplotlib; run with /usr/bin/python3).

docs/demo-digits.png: the digits stream (examples/data) learned one sample at a time for
  the settings of docs/demos.md, prequential accuracy (each sample predicted before it is
  learned) over the last 100 samples, mean of the seeds with their range as a band;
  microprop from its command-line tool's progress lines, scikit-learn from
  tools/sklearn_digits.py (test-then-train through partial_fit); the held-out
  accuracies as dashed lines.
docs/demo-drift.png: examples/drift_stream.cpp's windowed accuracy through the drift,
  from its --csv output.
docs/demo-adapt.png: the adaptation demo of docs/fine-tuning.md, accuracy on the shifted
  test set and RAM for training of each way, from the results.json the test adapt_demo
  (tools/adapt_demo.py) wrote into the build.

Usage: /usr/bin/python3 tools/plot_demos.py [--only digits|drift|adapt] [--no-sklearn]
           [--microprop build/host/tools/cli/microprop] [--drift build/host/examples/microprop_drift]
Both binaries come from `cmake --build --preset host`.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sklearn_digits as digits  # noqa: E402

ROOT = digits.ROOT
DRIFT = os.path.join(ROOT, "build", "host", "examples", "microprop_drift")
ADAPT = os.path.join(ROOT, "build", "host", "examples", "adapt", "results.json")
EVERY = 100  # samples per point of the digits curves (and the window of each point)
COLOURS = {"microprop": "#1f6fb4", "scikit-learn": "#e07b1a"}


def band(curves):
    """Mean, lowest and highest of several curves sampled at the same points."""
    xs = [x for x, _ in curves[0]]
    ys = list(zip(*[[y for _, y in c] for c in curves]))
    return xs, [sum(v) / len(v) for v in ys], [min(v) for v in ys], [max(v) for v in ys]


def plot_digits(args, out):
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = {"microprop": [digits.run_microprop(args.microprop, args.eta, args.epochs, s, every=EVERY)
                          for s in seeds]}
    if not args.no_sklearn:
        with ProcessPoolExecutor(max_workers=2) as pool:
            jobs = [pool.submit(digits.run_sklearn, args.eta, args.epochs, s, EVERY) for s in seeds]
            runs["scikit-learn"] = [j.result() for j in jobs]

    n = len(digits.load(digits.TRAIN)[1])
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    for name, results in runs.items():
        xs, mean, low, high = band([r["curve"] for r in results])
        held_out = sum(r["held_out"] for r in results) / len(results)
        colour = COLOURS[name]
        ax.fill_between(xs, low, high, color=colour, alpha=0.18, linewidth=0)
        ax.plot(xs, mean, color=colour, linewidth=1.8,
                label=f"{name}: prequential, last {EVERY} samples")
        ax.axhline(held_out, color=colour, linestyle="--", linewidth=1.1,
                   label=f"{name}: held-out accuracy after training, {held_out:.1f}%")
    for epoch in range(1, args.epochs):
        ax.axvline(epoch * n, color="0.6", linestyle=":", linewidth=1)
        ax.text(epoch * n, 50, f" pass {epoch + 1}", color="0.4", fontsize=8)
    ax.set_xlim(0, args.epochs * n)
    ax.set_ylim(0, 100)
    ax.set_xlabel("samples learned (1,497 per pass over the stream)")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"Handwritten digits learned one sample at a time: 64-32-10, eta {args.eta}, "
                 f"mean of {len(seeds)} seeds (band: range)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    print(f"wrote {os.path.relpath(out)}")


def plot_drift(args, out):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "drift.csv")
        run = subprocess.run([args.drift, "--csv", path], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"{args.drift} failed:\n{run.stdout}{run.stderr}")
        with open(path, newline="") as f:
            rows = [(int(r["sample"]), float(r["window_accuracy"])) for r in csv.DictReader(f)]
    summary = run.stdout.strip().splitlines()[-1]
    drift_at = int(run.stdout.split("after sample ")[1].split()[0])

    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    ax.plot([x for x, _ in rows], [y for _, y in rows], color=COLOURS["microprop"], linewidth=1.6,
            label="prequential accuracy, last 100 samples")
    ax.axvline(drift_at, color="#c0392b", linestyle="--", linewidth=1.2)
    ax.text(drift_at, 8, " sensor remounted a quarter turn:\n every direction now reads like its neighbour",
            color="#c0392b", fontsize=8)
    ax.set_xlim(0, rows[-1][0])
    ax.set_ylim(0, 102)
    ax.set_xlabel("samples (each predicted, then learned)")
    ax.set_ylabel("accuracy (%)")
    ax.set_title("Concept drift: an 8-16-4 network learning online (examples/drift_stream.cpp)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.text(0.5, 0.01, summary, ha="center", fontsize=8, color="0.3")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(out)
    plt.close(fig)
    print(f"wrote {os.path.relpath(out)}")


def plot_adapt(args, out):
    with open(args.adapt, encoding="utf-8") as f:
        r = json.load(f)
    ways = [("before\nadaptation", r["before"], None), ("full\nfine-tuning", r["full"], r["ram"]["full"]),
            ("head only\n(layer 1 in flash)", r["head"], r["ram"]["head"]),
            ("bias-only", r["bias-only"], r["ram"]["bias-only"])]
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    bars = ax.bar([w[0] for w in ways], [w[1] for w in ways], color=["0.6"] + [COLOURS["microprop"]] * 3)
    for bar, (_, acc, ram) in zip(bars, ways):
        label = f"{acc:.1f}%" + (f"\n{ram:,} B of RAM" if ram is not None else "")
        ax.text(bar.get_x() + bar.get_width() / 2, acc + 1, label, ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 118)
    ax.set_ylabel("accuracy on the shifted test set (%)")
    ax.set_title("A digits model adapts to digits shifted one pixel: 64-32-10, SGD "
                 f"(eta {r['settings']['eta']}, {r['settings']['epochs']} passes)", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    print(f"wrote {os.path.relpath(out)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["digits", "drift", "adapt"])
    parser.add_argument("--microprop", default=digits.CLI)
    parser.add_argument("--drift", default=DRIFT)
    parser.add_argument("--adapt", default=ADAPT, help="results.json of the test adapt_demo")
    parser.add_argument("--no-sklearn", action="store_true", help="the digits plot without scikit-learn")
    parser.add_argument("--eta", type=float, default=digits.DEFAULT_ETA)
    parser.add_argument("--epochs", type=int, default=digits.DEFAULT_EPOCHS)
    parser.add_argument("--seeds", default=digits.DEFAULT_SEEDS)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs"))
    args = parser.parse_args()
    if args.only in (None, "drift"):
        plot_drift(args, os.path.join(args.out, "demo-drift.png"))
    if args.only in (None, "adapt"):
        plot_adapt(args, os.path.join(args.out, "demo-adapt.png"))
    if args.only in (None, "digits"):
        plot_digits(args, os.path.join(args.out, "demo-digits.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
