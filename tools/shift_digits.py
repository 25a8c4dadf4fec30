#!/usr/bin/env python3
"""Writes a shifted population of the shipped digits (examples/data) for the adaptation demo.

Every 8x8 image is moved one pixel right and one pixel down (the row and column pushed
out are lost, the new ones are blank): a sensor mounted one pixel off. The values are the
k/16 of the originals, moved and never computed, so the files are exact and the same on
every machine. (Drawing the digits thicker, a 3x3 max filter, was tried too: it hurts the
pretrained model less than this shift, and so does both at once.) Pure Python: the build
runs it with any python3.

  digits-train.csv -> adapt-stream.csv   (1,497 images: the adaptation stream, same order)
  digits-test.csv  -> adapt-test.csv     (300 images: the shifted test set, never learned)

Usage: python3 tools/shift_digits.py [--data examples/data] --out DIR
"""
import argparse
import os
import sys

SIDE = 8
FILES = {"digits-train.csv": "adapt-stream.csv", "digits-test.csv": "adapt-test.csv"}


def shift(pixels, right=1, down=1):
    """pixels (64 strings, row by row) moved right and down; blank where nothing moves in."""
    out = ["0"] * (SIDE * SIDE)
    for r in range(SIDE - down):
        for c in range(SIDE - right):
            out[(r + down) * SIDE + c + right] = pixels[r * SIDE + c]
    return out


def transform(row):
    return shift(row[:SIDE * SIDE]) + row[SIDE * SIDE:]


def convert(source, destination):
    with open(source, encoding="ascii") as f:
        lines = f.read().splitlines()
    header, rows = lines[0], [line.split(",") for line in lines[1:] if line]
    text = "\n".join([header] + [",".join(transform(row)) for row in rows]) + "\n"
    with open(destination, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    return len(rows)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(here, "..", "examples", "data"))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for source, destination in FILES.items():
        n = convert(os.path.join(args.data, source), os.path.join(args.out, destination))
        print(f"{os.path.join(args.out, destination)}: {n} images shifted one pixel right and down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
