#!/usr/bin/env python3
"""check_reference: costsim against a second implementation of its
semantics, written from the file contract (docs/FORMAT.md, docs/METHOD.md)
and sharing no code with the program.

Usage: check_reference.py COSTSIM WORKDIR [CASES [FIRST_SEED]]

Writes CASES (default 150) random models in which every input is `fixed`
and every risk occurs (probability 1), so one trial is the whole answer:
random units, fractional delivery intervals (thousandths), build years,
service lives, slips with halves and negatives, year expressions with
markers and offsets, `if_empty zero`, flat, front and back profiles,
learning curves, up to four currencies with `fixed`, `gbm` and `ou` paths
(volatility 0), hedges, inflation, a report currency other than the base,
discount rates, element and phase scales. For each it computes the three
measures of the total and of every phase, element and risk, each year's
constant and nominal amounts, the point estimate and the delivery years,
runs `COSTSIM run --format json`, and compares them to 1e-9 relative. A
model whose ranges are invalid without slip must be refused (exit 2), one
that becomes invalid at the drawn slip must stop (exit 1).

Exit status 0 when every case agrees, 1 otherwise (each difference is
printed).
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys

BASE = 2026
# Base-currency (CAD) units per unit of each currency: illustrative values.
RATES = {"CAD": 1.0, "KRW": 0.00098, "EUR": 1.52, "USD": 1.37}
MARKERS = ("first_delivery", "last_delivery", "end_of_service")


def round_half_away(x):
    return math.copysign(math.floor(abs(x) + 0.5), x)


def cell(v):
    return "" if v is None else repr(v)


def generate(rng, path):
    """A random model and scenario under path; returns their description."""
    currencies = {}
    rows = []
    for code in ["CAD"] + rng.sample(["KRW", "EUR", "USD"], rng.randint(0, 3)):
        base = code == "CAD"
        fx = "fixed" if base else rng.choice(["fixed", "gbm", "ou"])
        drift = round(rng.uniform(-0.03, 0.03), 4) if fx == "gbm" else None
        reversion = round(rng.uniform(0, 1), 3) if fx == "ou" else None
        hedge = 0 if base else rng.choice([0, 0, 0.3, 1])
        hedge_rate = round(RATES[code] * rng.uniform(0.8, 1.2), 6) if hedge and rng.random() < 0.7 else None
        inflation = round(rng.uniform(-0.01, 0.06), 4) if rng.random() < 0.8 else None
        currencies[code] = {
            "rate": RATES[code], "fx": fx, "drift": drift or 0.0, "hedge": hedge,
            "hedge_rate": RATES[code] if hedge_rate is None else hedge_rate,
            "inflation": inflation or 0.0,
        }
        rows.append([code, "" if base and rng.random() < 0.5 else repr(RATES[code]), fx,
                     cell(drift), "0" if fx != "fixed" else "", cell(reversion),
                     repr(hedge) if hedge else "", cell(hedge_rate),
                     "fixed" if inflation is not None else "", cell(inflation)])

    def year_expression():
        if rng.random() < 0.5:
            return str(BASE + rng.randint(0, 15))
        marker, offset = rng.choice(MARKERS), rng.randint(-6, 6)
        return marker if offset == 0 else f"{marker}{offset:+d}"

    elements = []
    for i in range(rng.randint(1, 12)):
        basis = rng.choice(["once", "per_year", "per_unit", "per_unit_year"])
        e = {"id": f"e{i}", "phase": rng.choice(["acq", "sus", "infra"]),
             "currency": rng.choice(list(currencies)), "basis": basis,
             "amount": round(rng.uniform(-50, 2000), 3), "start": "", "end": "",
             "profile": "", "learning": "", "if_empty": ""}
        if basis in ("once", "per_year"):
            e["start"], e["end"] = year_expression(), year_expression()
            e["if_empty"] = "zero" if rng.random() < 0.4 else ""
            if basis == "once":
                e["profile"] = rng.choice(["", "flat", "front", "back"])
        if basis == "per_unit":
            e["learning"] = rng.choice(["", "0.9", "0.85", "1", "0.95"])
        elements.append(e)
    risks = [{"id": f"r{i}", "phase": rng.choice(["", "risk", "acq"]),
              "currency": rng.choice([""] + list(currencies)),
              "amount": round(rng.uniform(0, 500), 3), "year": year_expression(),
              "slip": rng.choice(["", "0", "1", "2"])} for i in range(rng.randint(0, 4))]
    used = {e["phase"] for e in elements} | {r["phase"] or "risk" for r in risks}
    model = {
        "report": rng.choice(list(currencies)), "units": rng.randint(1, 12),
        "interval": rng.choice([0, 500, 1000, 1000, 2000, 1500, 2333, 750]),
        "first_delivery": BASE + rng.randint(3, 12), "build_years": rng.randint(1, 6),
        "service_life": rng.randint(1, 30), "slip": rng.choice([0, 0, 1, 1.5, 2.5, -1, 0.49, -2.5, 3]),
        "discount": rng.choice([0, 0, 0.03, 0.07, -0.02]), "currencies": currencies,
        "elements": elements, "risks": risks,
        "element_scale": {e["id"]: rng.choice([0.5, 2, 0]) for e in elements if rng.random() < 0.2},
        "phase_scale": {p: rng.choice([0.5, 3]) for p in sorted(used) if rng.random() < 0.2},
    }

    os.makedirs(os.path.join(path, "m"))
    with open(os.path.join(path, "m", "currencies.csv"), "w") as f:
        f.write("currency,rate,fx_model,drift,volatility,reversion,hedge_ratio,hedge_rate,"
                "inflation.dist,inflation.likely\n")
        f.writelines(",".join(r) + "\n" for r in rows)
    with open(os.path.join(path, "m", "elements.csv"), "w") as f:
        f.write("id,phase,currency,basis,dist,likely,start,end,profile,learning,if_empty\n")
        for e in elements:
            f.write(",".join([e["id"], e["phase"], e["currency"], e["basis"], "fixed",
                              repr(e["amount"]), e["start"], e["end"], e["profile"],
                              e["learning"], e["if_empty"]]) + "\n")
    if risks:
        with open(os.path.join(path, "m", "risks.csv"), "w") as f:
            f.write("id,probability,phase,currency,dist,likely,year,slip\n")
            for r in risks:
                f.write(",".join([r["id"], "1", r["phase"], r["currency"], "fixed",
                                  repr(r["amount"]), r["year"], r["slip"]]) + "\n")
    with open(os.path.join(path, "s.csv"), "w") as f:
        f.write(f"key,value\nmodel,m\nbase_year,{BASE}\nbase_currency,CAD\n"
                f"report_currency,{model['report']}\nunits,{model['units']}\n"
                f"first_delivery,{model['first_delivery']}\n"
                f"delivery_interval,{model['interval'] / 1000!r}\n"
                f"build_years,{model['build_years']}\nservice_life,{model['service_life']}\n"
                f"slip.dist,fixed\nslip.likely,{model['slip']}\n"
                f"discount_rate,{model['discount']}\ntrials,3\n")
        for k, v in model["element_scale"].items():
            f.write(f"element.{k}.scale,{v}\n")
        for k, v in model["phase_scale"].items():
            f.write(f"phase.{k}.scale,{v}\n")
    return model


def evaluate(model, with_risks, slip=None):
    """The model's flows at its slip (or at `slip`), valued in the three
    measures; None when a range is invalid there."""
    cur = model["currencies"]
    units, interval, life, build = (model["units"], model["interval"], model["service_life"],
                                    model["build_years"])
    s = max(0, int(round_half_away(model["slip"]))) if slip is None else slip
    if with_risks and slip is None:
        s += sum(int(r["slip"] or 0) for r in model["risks"])
    delivery = [model["first_delivery"] + s + (k - 1) * interval // 1000 for k in range(1, units + 1)]
    marker = {"first_delivery": delivery[0], "last_delivery": delivery[-1],
              "end_of_service": delivery[-1] + life - 1}

    def year(expression):
        if expression.isdigit():
            return int(expression)
        name = next(m for m in sorted(MARKERS, key=len, reverse=True) if expression.startswith(m))
        rest = expression[len(name):]
        return marker[name] + (int(rest) if rest else 0)

    flows = []  # (currency, year, base-year amount, (level, id), phase)
    for e in model["elements"]:
        a = e["amount"] * model["element_scale"].get(e["id"], 1) * model["phase_scale"].get(e["phase"], 1)
        tag = (e["currency"], ("element", e["id"]), e["phase"])
        if e["basis"] in ("once", "per_year"):
            first, last = year(e["start"]), year(e["end"])
            if last < first:
                if e["if_empty"] == "zero":
                    continue
                return None
            n = last - first + 1
            if e["basis"] == "per_year":
                shares = [1.0] * n  # the whole amount in every year
            elif e["profile"] == "front":
                shares = [(n - i) / (n * (n + 1) / 2) for i in range(n)]
            elif e["profile"] == "back":
                shares = [(i + 1) / (n * (n + 1) / 2) for i in range(n)]
            else:
                shares = [1 / n] * n
            flows += [(tag[0], first + i, a * w, tag[1], tag[2]) for i, w in enumerate(shares)]
        elif e["basis"] == "per_unit":
            b = math.log2(float(e["learning"] or 1))
            for k in range(1, units + 1):
                flows += [(tag[0], y, a * k ** b / build, tag[1], tag[2])
                          for y in range(delivery[k - 1] - build, delivery[k - 1])]
        else:
            for d in delivery:
                flows += [(tag[0], y, a, tag[1], tag[2]) for y in range(d, d + life)]
    for r in model["risks"] if with_risks else []:
        phase = r["phase"] or "risk"
        flows.append((r["currency"] or "CAD", year(r["year"]), r["amount"] * model["phase_scale"].get(phase, 1),
                      ("risk", r["id"]), phase))
    if any(not BASE <= f[1] <= 2300 for f in flows):
        return None

    def spot(code, t):
        c = cur[code]
        return c["rate"] * math.exp(c["drift"] * t) if c["fx"] == "gbm" else c["rate"]

    report = model["report"]
    rows, years = {}, {}
    for code, y, a, key, phase in flows:
        c, t = cur[code], y - BASE
        converted = c["hedge"] * c["hedge_rate"] + (1 - c["hedge"]) * spot(code, t)
        nominal = a * (1 + c["inflation"]) ** t * converted / spot(report, t)
        value = (a * c["rate"] / cur[report]["rate"], nominal, nominal / (1 + model["discount"]) ** t)
        for k in (("total", "total"), key, ("phase", phase)):
            rows[k] = [u + v for u, v in zip(rows.get(k, (0.0, 0.0, 0.0)), value)]
        years[y] = [u + v for u, v in zip(years.get(y, (0.0, 0.0)), value[:2])]
    return {"rows": rows, "years": years, "first": delivery[0], "last": delivery[-1]}


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def compare(doc, want, point):
    """The differences between costsim's JSON and the reference."""
    out = []
    measures = ("constant", "nominal", "pv")
    for row in doc["summary"]:
        m = measures.index(row["measure"])
        key = (row["level"], row["id"])
        mean = want["rows"].get(key, (0.0, 0.0, 0.0))[m]
        if not close(row["mean"], mean):
            out.append(f"{row['measure']} {key} mean {row['mean']!r}, reference {mean!r}")
        if row["level"] == "total":
            p = point["rows"].get(key, (0.0, 0.0, 0.0))[m]
            if not close(row["point"], p):
                out.append(f"{row['measure']} total point {row['point']!r}, reference {p!r}")
    got = {r["year"]: (r["constant_mean"], r["nominal_mean"]) for r in doc["by_year"]}
    span = range(min(want["years"]), max(want["years"]) + 1) if want["years"] else range(0)
    if sorted(got) != list(span):
        out.append(f"by_year years {min(got, default=None)}..{max(got, default=None)}, reference {span}")
    for y in span:
        w, g = want["years"].get(y, (0.0, 0.0)), got.get(y)
        if g and not (close(g[0], w[0]) and close(g[1], w[1])):
            out.append(f"by_year {y}: {g}, reference {tuple(w)}")
    for row in doc.get("schedule", []):
        w = want["first"] if row["marker"] == "first_delivery" else want["last"]
        if row["mean"] != w:
            out.append(f"schedule {row['marker']} {row['mean']}, reference {w}")
    return out


def main():
    costsim, work = sys.argv[1], sys.argv[2]
    cases = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    failures = compared = 0
    for seed in range(first, first + cases):
        path = os.path.join(work, f"case{seed}")
        shutil.rmtree(path, ignore_errors=True)
        model = generate(random.Random(seed), path)
        run = subprocess.run([costsim, "run", os.path.join(path, "s.csv"), "--format", "json",
                              "--no-drivers", "--quiet"], capture_output=True, text=True)
        want, point = evaluate(model, True), evaluate(model, False)
        # Ranges are checked where they hold without slip (refused, exit 2);
        # one that fails only at the trial's slip stops the run (exit 1).
        status = 2 if evaluate(model, True, slip=0) is None else 1 if want is None or point is None else 0
        if run.returncode != status:
            print(f"case {seed}: exit {run.returncode}, reference {status}: {run.stderr.strip()[:300]}")
            failures += 1
            continue
        if status:
            continue
        compared += 1
        problems = compare(json.loads(run.stdout), want, point)
        if problems:
            failures += 1
            print(f"case {seed} ({path}): " + "; ".join(problems[:4]))
    print(f"check_reference: {cases} models, {compared} compared, {failures} differ")
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures or compared < cases // 4 else 0


if __name__ == "__main__":
    sys.exit(main())
