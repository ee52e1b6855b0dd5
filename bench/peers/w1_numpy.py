#!/usr/bin/python3
"""W1 peer for costsim_bench: the sum of the 40 triangular elements of
bench/w1/model/elements.csv, drawn with numpy (Debian's python3-numpy).

Usage: w1_numpy.py [TRIALS] [SEED]   (defaults 1000000 and 2026)

Draws TRIALS independent triangular variates per element (numpy's own
generator, PCG64), sums them per trial and prints the total's mean and P80
(numpy's default, linearly interpolated quantile). This is what a plain
numpy script does for the same work; costsim_bench times it against
`costsim run bench/w1/w1.csv`.
"""
import csv
import os
import sys

import numpy as np


def read_elements(path):
    """(low, likely, high) of every triangular element in path."""
    rows = []
    with open(path, newline="") as f:
        lines = (line for line in f if not line.lstrip().startswith("#"))
        for row in csv.DictReader(lines):
            if row["dist"] != "triangular":
                sys.exit(f"{path}: element {row['id']} is {row['dist']}; W1 is all triangular")
            rows.append((float(row["low"]), float(row["likely"]), float(row["high"])))
    return rows


def main():
    trials = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    here = os.path.dirname(os.path.abspath(__file__))
    elements = read_elements(os.path.join(here, "..", "w1", "model", "elements.csv"))
    rng = np.random.default_rng(seed)
    total = np.zeros(trials)
    for low, likely, high in elements:
        total += rng.triangular(low, likely, high, trials)
    print(f"elements {len(elements)} trials {trials} "
          f"mean {total.mean():.4f} p80 {np.quantile(total, 0.8):.4f}")


if __name__ == "__main__":
    main()
