#!/usr/bin/python3
"""Writes examples/data/digits-train.csv and digits-test.csv from scikit-learn's copy of
the UCI optical recognition of handwritten digits data set (1,797 8x8 images, pixels
0..16; Debian package python3-sklearn, run with /usr/bin/python3).

The split is fixed and independent of numpy's generators:
  1. shuffle the 1,797 samples with a Fisher-Yates pass driven by SplitMix64 (the
     generator microprop uses, include/microprop/random.hpp), seed 2026;
  2. walk the shuffled order: the first 30 samples of each digit are held out (300 in
     all, a balanced test set), every other sample joins the training stream (1,497);
  3. shuffle the training stream once more with the same generator (without it, the
     stream would open with the digits whose 30 held-out samples came first).

Each row is the 64 pixels, row by row, scaled to [0, 1] as k/16, then the label. Every
k/16 is exact in binary, so the shortest decimals ("0.0625", "0.5", "1") lose nothing.
The header row is p0,...,p63,label.

Usage: /usr/bin/python3 tools/make_digits_data.py [--out examples/data] [--check]
  --check  regenerate in memory and fail if the committed files differ.
"""
import argparse
import os
import sys

SEED = 2026
HELD_OUT_PER_CLASS = 30
MASK = (1 << 64) - 1


class SplitMix64:
    """The same sequence as microprop::splitmix64."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform in [0, n) by rejection, no modulo bias."""
        limit = (1 << 64) - (1 << 64) % n
        while True:
            r = self.next()
            if r < limit:
                return r % n


def shuffle(items, rng):
    for i in range(len(items) - 1, 0, -1):
        j = rng.below(i + 1)
        items[i], items[j] = items[j], items[i]


def split(labels, seed=SEED, held_out_per_class=HELD_OUT_PER_CLASS):
    """Returns (training stream, held-out set) as lists of indices into labels."""
    order = list(range(len(labels)))
    rng = SplitMix64(seed)
    shuffle(order, rng)
    taken = {}
    train, test = [], []
    for i in order:
        c = int(labels[i])
        if taken.get(c, 0) < held_out_per_class:
            taken[c] = taken.get(c, 0) + 1
            test.append(i)
        else:
            train.append(i)
    shuffle(train, rng)
    return train, test


def pixel(k):
    k = int(k)
    if not 0 <= k <= 16:
        raise ValueError(f"pixel {k} outside 0..16")
    if k in (0, 16):
        return str(k // 16)
    return repr(k / 16)  # shortest round-trip decimal of an exact binary fraction


def render(images, labels, indices):
    lines = [",".join([f"p{i}" for i in range(64)] + ["label"])]
    for i in indices:
        lines.append(",".join([pixel(v) for v in images[i]] + [str(int(labels[i]))]))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "examples", "data"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    from sklearn.datasets import load_digits  # python3-sklearn

    digits = load_digits()
    images, labels = digits.data, digits.target
    train, test = split(labels)
    files = {"digits-train.csv": render(images, labels, train),
             "digits-test.csv": render(images, labels, test)}
    status = 0
    for name, text in files.items():
        path = os.path.join(args.out, name)
        if args.check:
            with open(path, encoding="ascii") as f:
                same = f.read() == text
            print(f"{path}: {'up to date' if same else 'DIFFERS'}")
            status |= not same
        else:
            os.makedirs(args.out, exist_ok=True)
            with open(path, "w", encoding="ascii", newline="\n") as f:
                f.write(text)
            print(f"{path}: {text.count(chr(10)) - 1} samples, {len(text):,} bytes")
    return status


if __name__ == "__main__":
    sys.exit(main())
