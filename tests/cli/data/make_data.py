"""Writes the small data sets of the CLI tests (run from this folder; output is checked in).

blobs.csv / blobs_test.csv: 4 inputs, 3 classes, each class a Gaussian blob around its
own centre (separable), header row, label in the last column.
linear.csv: 3 inputs and 2 targets, each target a linear function of the inputs plus a
little noise, no header (regression).
"""
import random

rng = random.Random(20261127)
centres = [(1.0, 0.0, -1.0, 0.5), (-1.0, 1.0, 0.0, -0.5), (0.0, -1.0, 1.0, 1.0)]


def blobs(path, count):
    with open(path, "w") as f:
        f.write("x1,x2,x3,x4,label\n")
        for _ in range(count):
            label = rng.randrange(3)
            x = [c + rng.gauss(0.0, 0.35) for c in centres[label]]
            f.write(",".join("%.4f" % v for v in x) + ",%d\n" % label)


def linear(path, count):
    with open(path, "w") as f:
        for _ in range(count):
            x = [rng.uniform(-1.0, 1.0) for _ in range(3)]
            y1 = 0.5 * x[0] - 0.3 * x[1] + 0.2 + rng.gauss(0.0, 0.01)
            y2 = -0.4 * x[2] + 0.1 * x[0] + rng.gauss(0.0, 0.01)
            f.write(",".join("%.4f" % v for v in x + [y1, y2]) + "\n")


blobs("blobs.csv", 600)
blobs("blobs_test.csv", 200)
linear("linear.csv", 800)
