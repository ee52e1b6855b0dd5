#!/usr/bin/env python3
"""check_embed: the embedding example agrees with the program.

Usage: check_embed.py EMBED COSTSIM SCENARIO

Runs `EMBED SCENARIO` (which prints "nominal P50 X" and "nominal P80 Y")
and `COSTSIM run SCENARIO --trials 10000 --format json`, and checks that
X and Y are exactly the nominal total's p50 and p80 of the JSON summary.
"""
import json
import subprocess
import sys


def main():
    embed, costsim, scenario = sys.argv[1:4]
    out = subprocess.run([embed, scenario], check=True, capture_output=True, text=True).stdout
    got = {}
    for line in out.splitlines():
        measure, stat, value = line.split()
        got[(measure, stat.lower())] = float(value)
    doc = json.loads(subprocess.run([costsim, "run", scenario, "--trials", "10000", "--format",
                                     "json", "--quiet"], check=True, capture_output=True,
                                    text=True).stdout)
    row = next(r for r in doc["summary"] if r["measure"] == "nominal" and r["level"] == "total")
    bad = 0
    for stat in ("p50", "p80"):
        if got.get(("nominal", stat)) != row[stat]:
            print(f"nominal {stat}: embed {got.get(('nominal', stat))}, costsim {row[stat]}")
            bad += 1
    if not got:
        print("embed printed nothing")
        bad += 1
    print("embed and costsim agree" if not bad else "embed and costsim differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
