#!/usr/bin/python3
"""The scikit-learn baseline for the digits demo, side by side with microprop.

Both learn examples/data/digits-train.csv one sample at a time, in the file's order,
with the same network (64 inputs, 32 sigmoid units, 10 softmax outputs with
cross-entropy), plain SGD (no momentum, no L2 penalty), the same learning rate and number
of passes, for several seeds; both are then scored on examples/data/digits-test.csv.

scikit-learn: MLPClassifier(hidden_layer_sizes=(32,), activation="logistic",
solver="sgd", batch_size=1, learning_rate_init=eta, momentum=0, nesterovs_momentum=False,
alpha=0, max_iter=epochs, shuffle=False, random_state=seed). Its held-out accuracy and
training time come from fit(). Its prequential accuracy (each sample predicted before the
model learns it) comes from a second run of the same seed through partial_fit, one
sample per call, checked to end on the same weights; scikit-learn has no weights before
its first partial_fit, so its first prediction counts as wrong (1 of 1,497).

microprop: the command-line tool, `microprop train --data ... --layers 64,32,10 --hidden
sigmoid --output softmax --eta ... --epochs ... --seed ... --test ...`, when it has been
built (build/host/tools/cli/microprop by default); without it only scikit-learn runs.

The two differ in their initial weights: microprop draws every layer from Glorot
uniform, U(-sqrt(6 / (in + out)), +sqrt(6 / (in + out))), biases zero; scikit-learn,
for activation="logistic", uses U(-sqrt(2 / (in + out)), +sqrt(2 / (in + out))) for
every layer (a bound 1/sqrt(3) as large) and draws the biases from the same range.
scikit-learn computes in float64, microprop in float32. Neither is tuned here: each
library runs as it comes.

Usage (Debian: python3-sklearn; run with /usr/bin/python3):
  /usr/bin/python3 tools/sklearn_digits.py [--eta 0.1] [--epochs 3] [--seeds 1,2,3,4,5]
      [--microprop PATH | --no-microprop] [--jobs 2] [--markdown]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "examples", "data")
TRAIN = os.path.join(DATA, "digits-train.csv")
TEST = os.path.join(DATA, "digits-test.csv")
CLI = os.path.join(ROOT, "build", "host", "tools", "cli", "microprop")
HIDDEN = 32
CLASSES = 10

# docs/demos.md's command: microprop within 1 point of scikit-learn with these (see there).
DEFAULT_ETA = 0.1
DEFAULT_EPOCHS = 3
DEFAULT_SEEDS = "1,2,3,4,5"


def load(path):
    import numpy as np

    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1].astype(int)


def window_curve(hits, every):
    """(samples seen, accuracy % of the last `every` predictions) every `every` samples."""
    return [(end, 100.0 * sum(hits[end - every:end]) / every)
            for end in range(every, len(hits) + 1, every)]


def sklearn_model(eta, epochs, seed, hidden=HIDDEN):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(hidden,), activation="logistic", solver="sgd",
                         batch_size=1, learning_rate_init=eta, momentum=0,
                         nesterovs_momentum=False, alpha=0, max_iter=epochs, shuffle=False,
                         random_state=seed)


def run_sklearn(eta, epochs, seed, every=100, train=TRAIN, test=TEST, prequential=True):
    """Held-out accuracy and fit() time; with `prequential`, the test-then-train run too."""
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: what we asked
    x_train, y_train = load(train)
    x_test, y_test = load(test)

    model = sklearn_model(eta, epochs, seed)
    start = time.perf_counter()
    model.fit(x_train, y_train)
    seconds = time.perf_counter() - start
    result = {"held_out": 100.0 * model.score(x_test, y_test), "seconds": seconds}
    if not prequential:
        return result

    # The same run, one partial_fit per sample, each sample predicted first. The forward
    # pass is written out (argmax of the output layer's input equals the softmax's).
    stream = sklearn_model(eta, 1, seed)
    classes = np.arange(CLASSES)
    hits = []
    for _ in range(epochs):
        for i in range(len(y_train)):
            if hasattr(stream, "coefs_"):
                hidden = 1.0 / (1.0 + np.exp(-(x_train[i] @ stream.coefs_[0] + stream.intercepts_[0])))
                logits = hidden @ stream.coefs_[1] + stream.intercepts_[1]
                hits.append(int(np.argmax(logits)) == y_train[i])
            else:
                hits.append(False)  # no weights before the first call
            stream.partial_fit(x_train[i:i + 1], y_train[i:i + 1], classes=classes)
    same = all(np.array_equal(a, b) for a, b in zip(model.coefs_ + model.intercepts_,
                                                     stream.coefs_ + stream.intercepts_))
    if not same:
        raise RuntimeError(f"seed {seed}: partial_fit one sample at a time did not reproduce fit()")
    n = len(y_train)
    result.update(prequential_first=100.0 * sum(hits[:n]) / n,
                  prequential_all=100.0 * sum(hits) / len(hits),
                  curve=window_curve(hits, every))
    return result


def run_microprop(binary, eta, epochs, seed, every=100, train=TRAIN, test=TEST):
    """Runs `microprop train` and reads its summary (and its progress lines, every `every`)."""
    command = [binary, "train", "--data", train, "--layers", f"64,{HIDDEN},{CLASSES}",
               "--hidden", "sigmoid", "--output", "softmax", "--eta", str(eta),
               "--epochs", str(epochs), "--seed", str(seed), "--test", test,
               "--progress-every", str(every)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def number(pattern):
        found = re.search(pattern, out, re.MULTILINE)
        if not found:
            raise RuntimeError(f"no match for {pattern!r} in the output of {' '.join(command)}:\n{out}")
        return float(found.group(1))

    overall = number(r"^prequential \(predict, then learn\): accuracy ([\d.]+)%")
    first = number(r"^\s*epoch 1: prequential accuracy ([\d.]+)%") if epochs > 1 else overall
    per_sample_us = number(r"^time per sample: ([\d.]+) us")
    # Progress lines (stdout is a pipe): "N samples  accuracy A%  loss L  (last K: accuracy B%, ...)";
    # the first has no window part: its window is everything so far.
    curve = []
    for line in re.finditer(r"^\s*(\d+) samples\s+accuracy\s+([\d.]+)%[^(\n]*(?:\(last \d+: accuracy\s+([\d.]+)%)?",
                            out, re.MULTILINE):
        curve.append((int(line.group(1)), float(line.group(3) or line.group(2))))
    return {"held_out": number(r"^held-out .*: accuracy ([\d.]+)%"),
            "prequential_first": first, "prequential_all": overall,
            "seconds": per_sample_us * 1e-6 * epochs * len(load(train)[1]), "curve": curve}


def mean_spread(values):
    """Mean and sample standard deviation."""
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eta", type=float, default=DEFAULT_ETA)
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    parser.add_argument("--seeds", default=DEFAULT_SEEDS, help="comma-separated, e.g. 1,2,3,4,5")
    parser.add_argument("--microprop", default=CLI, help="the microprop command-line tool")
    parser.add_argument("--no-microprop", action="store_true", help="scikit-learn only")
    parser.add_argument("--no-prequential", action="store_true",
                        help="skip scikit-learn's slow test-then-train run (partial_fit per sample)")
    parser.add_argument("--jobs", type=int, default=2, help="seeds run in parallel (scikit-learn)")
    parser.add_argument("--markdown", action="store_true", help="also print the table of docs/demos.md")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    with_microprop = not args.no_microprop and os.access(args.microprop, os.X_OK)
    if not args.no_microprop and not with_microprop:
        print(f"({args.microprop} not built: scikit-learn only; "
              f"build it with cmake --build --preset host --target microprop_cli)")

    print(f"digits: {os.path.relpath(TRAIN)} (stream), {os.path.relpath(TEST)} (held out); 64-{HIDDEN}-{CLASSES} "
          f"sigmoid/softmax, SGD one sample at a time, eta {args.eta}, {args.epochs} epoch(s)")
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(run_sklearn, args.eta, args.epochs, seed,
                            prequential=not args.no_prequential) for seed in seeds]
        sk = [job.result() for job in jobs]
    mp = [run_microprop(args.microprop, args.eta, args.epochs, seed) for seed in seeds] if with_microprop else []

    columns = [("held_out", "held-out"), ("prequential_first", "prequential, 1st pass"),
               ("prequential_all", "prequential, all passes"), ("seconds", "training time")]
    if args.no_prequential:
        columns = [columns[0], columns[3]]
    peers = [("sklearn", sk)] + ([("microprop", mp)] if mp else [])
    width = 11 * len(peers)
    print(f"{'':>6}" + "".join(f"  {label:<{width}}" for _, label in columns))
    print(f"{'seed':>6}" + "".join(f"  " + "".join(f"{name:>11}" for name, _ in peers) for _ in columns))

    def cell(key, value):
        return f"{value:>10.3f}s" if key == "seconds" else f"{value:>10.2f}%"

    for i, seed in enumerate(seeds):
        print(f"{seed:>6}" + "".join("  " + "".join(cell(key, runs[i][key]) for _, runs in peers)
                                     for key, _ in columns))
    for label, pick in (("mean", 0), ("spread", 1)):
        print(f"{label:>6}" + "".join("  " + "".join(cell(key, mean_spread([r[key] for r in runs])[pick])
                                                     for _, runs in peers) for key, _ in columns))
    print("(spread: sample standard deviation over the seeds)")
    if mp:
        delta = statistics.mean(r["held_out"] for r in mp) - statistics.mean(r["held_out"] for r in sk)
        print(f"held-out: microprop - scikit-learn = {delta:+.2f} points (the issue's target: >= -1)")

    if args.markdown:
        print()
        print("| library | held-out accuracy | prequential, first pass | prequential, all passes | training time |")
        print("|---|---|---|---|---|")
        for name, runs in peers:
            name = "scikit-learn" if name == "sklearn" else name
            cells = [("%.2f ± %.2f %%" % mean_spread([r[key] for r in runs])) if key in runs[0] else "-"
                     for key in ("held_out", "prequential_first", "prequential_all")]
            cells.append("%.3f s" % statistics.mean(r["seconds"] for r in runs))
            print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
