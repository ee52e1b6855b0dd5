#!/usr/bin/env python3
"""Regenerates tests/data/good/* and tests/data/bad/* and tests/e2e_check.cmake.

Each bad case is the good base model with one fault; the table below names
the fault, how to make it, and the `path:line:column:` prefix that
`costsim check` must print for it. Run from anywhere:
    python3 tests/data/gen_corpus.py
The generated files are committed; this script is only for maintainers.
"""
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

BASE = {
    "scenario.csv": """key,value
name,Base test
model,model
trials,1000
seed,42
base_year,2025
base_currency,CAD
units,4
first_delivery,2032
delivery_interval,1.5
build_years,3
service_life,20
""",
    "model/elements.csv": """id,name,phase,currency,basis,dist,low,likely,high,start,end,profile,learning,notes
design,Design,acquisition,CAD,once,pert,80,100,150,2026,2029,front,,
hull,Hull,acquisition,USD,per_unit,triangular,900,1000,1300,,,,0.95,
office,Program office,acquisition,CAD,per_year,uniform,10,,14,2026,last_delivery,,,
crew,Crew,sustainment,CAD,per_unit_year,normal,20,25,30,,,,,
infra,Jetty,infrastructure,EUR,once,fixed,,50,,2027,2028,,,
""",
    "model/currencies.csv": """currency,rate,fx_model,drift,volatility,reversion,hedge_ratio,hedge_rate,inflation.dist,inflation.low,inflation.likely,inflation.high,notes
CAD,,,,,,,,fixed,,0.02,,
USD,1.35,gbm,0,0.08,,0.5,1.33,triangular,0.01,0.025,0.04,
EUR,1.5,ou,,0.07,0.2,,,,,0.02,,
""",
    "model/risks.csv": """id,name,probability,phase,currency,dist,low,likely,high,year,slip,notes
weld,Weld defects,0.2,,CAD,triangular,10,20,50,first_delivery-1,1,
""",
    "model/correlations.csv": """a,b,rho
design,hull,0.5
hull,crew,0.3
""",
    "model/fx_correlations.csv": """a,b,rho
USD,EUR,0.4
""",
}

E = "model/elements.csv"
C = "model/currencies.csv"
R = "model/risks.csv"
K = "model/correlations.csv"
F = "model/fx_correlations.csv"
S = "scenario.csv"


def sub(name, old, new):
    """Edit: replace text `old` by `new` in file `name` (must occur)."""
    def edit(files):
        assert old in files[name], (name, old)
        files[name] = files[name].replace(old, new, 1)
    return edit


def add(name, text):
    def edit(files):
        files[name] += text
    return edit


def drop(name):
    def edit(files):
        del files[name]
    return edit


def put(name, text):
    def edit(files):
        files[name] = text
    return edit


# (fault, edits, expected prefix (a path under the case dir or literal), extra args)
BAD = [
    ("unknown_column", [sub(E, ",high,", ",hihg,")], E + ":1:hihg: unknown column 'hihg'; did you mean 'high'?"),
    ("duplicate_id", [add(E, "design,Again,acquisition,CAD,once,fixed,,1,,2026,2026,,,\n")], E + ":7:id: duplicate element id 'design' (first at line 2)"),
    ("unknown_currency", [sub(E, "Hull,acquisition,USD", "Hull,acquisition,USX")], E + ":3:currency: unknown currency USX; did you mean USD?"),
    ("number_thousands", [sub(E, "triangular,900,1000,1300", "triangular,900,\"1,000\",1300")], E + ":3:likely: likely '1,000' is not a number"),
    ("number_percent", [sub(E, "uniform,10,,14", "uniform,10%,,14")], E + ":4:low: low '10%' is not a number"),
    ("number_nan", [sub(E, "normal,20,25,30", "normal,NaN,25,30")], E + ":5:low: low 'NaN' is not a number"),
    ("number_inf", [sub(E, "normal,20,25,30", "normal,20,25,inf")], E + ":5:high: high 'inf' is not a number"),
    ("number_hex", [sub(E, "fixed,,50,", "fixed,,0x10,")], E + ":6:likely: likely '0x10' is not a number"),
    ("pert_order", [sub(E, "pert,80,100,150", "pert,80,200,150")], E + ":2:likely: likely 200 is above high 150"),
    ("unused_param", [sub(E, "fixed,,50,", "fixed,40,50,")], E + ":6:low: low is not used by dist fixed"),
    ("normal_p10_ge_p90", [sub(E, "normal,20,25,30", "normal,30,25,30")], E + ":5:high: high 30 is not above low 30"),
    ("lognormal_nonpositive", [sub(E, "normal,20,25,30", "lognormal,0,25,30")], E + ":5:low: low 0 is not positive"),
    ("bad_dist", [sub(E, "pert,80", "pret,80")], E + ":2:dist: unknown distribution 'pret'; did you mean 'pert'?"),
    ("bad_basis", [sub(E, "per_year,uniform", "yearly,uniform")], E + ":4:basis: unknown basis 'yearly'"),
    ("bad_year_expr", [sub(E, "2026,last_delivery", "2026,\"last_delivery + 2\"")], E + ":4:end: end 'last_delivery + 2' is not a year expression"),
    ("bad_year_decimal", [sub(E, "2027,2028", "2027.0,2028")], E + ":6:start: start '2027.0' is not a year expression"),
    ("year_out_of_range", [sub(E, "2027,2028", "2027,2400")], E + ":6:end: end 2400 is out of range; allowed: years 1900 to 2300"),
    ("start_after_end", [sub(E, "2026,2029,front", "2029,2026,front")], E + ":2:end: end 2026 is before start 2029; allowed: start <= end"),
    ("before_base_year", [sub(E, "2027,2028", "2020,2028")], E + ":6:start: element infra starts in 2020 without slip, before base_year 2025"),
    ("marker_before_base_year", [sub(E, "10,,14,2026,last_delivery", "10,,14,first_delivery-9,last_delivery")], E + ":4:start: element office starts in 2023 without slip, before base_year 2025"),
    ("build_before_base_year", [sub(S, "build_years,3", "build_years,8")], E + ":3:basis: element hull starts in 2024 without slip, before base_year 2025"),
    ("per_unit_without_first_delivery", [sub(S, "first_delivery,2032\n", ""), sub(R, "first_delivery-1", "2031"), sub(E, "2026,last_delivery", "2026,2036")], E + ":3:basis: basis per_unit needs the scenario key first_delivery"),
    ("marker_without_first_delivery", [sub(S, "first_delivery,2032\n", ""), sub(E, "hull,Hull,acquisition,USD,per_unit,triangular,900,1000,1300,,,,0.95,\n", ""), sub(E, "crew,Crew,sustainment,CAD,per_unit_year,normal,20,25,30,,,,,\n", ""), drop(K)], R + ":2:year: year 'first_delivery-1' uses a delivery marker but the scenario sets no first_delivery"),
    ("start_on_per_unit", [sub(E, "triangular,900,1000,1300,,", "triangular,900,1000,1300,2030,")], E + ":3:start: start must be empty for basis per_unit"),
    ("profile_wrong_basis", [sub(E, "2026,last_delivery,,", "2026,last_delivery,flat,")], E + ":4:profile: profile must be empty unless basis is once"),
    ("bad_profile", [sub(E, "front", "early")], E + ":2:profile: unknown profile 'early'"),
    ("learning_zero", [sub(E, ",0.95,", ",0,")], E + ":3:learning: learning 0 is out of range; allowed: 0 < learning <= 1"),
    ("learning_above_one", [sub(E, ",0.95,", ",1.2,")], E + ":3:learning: learning 1.2 is out of range"),
    ("learning_wrong_basis", [sub(E, "2026,2029,front,,", "2026,2029,front,0.9,")], E + ":2:learning: learning must be empty unless basis is per_unit"),
    ("bad_phase", [sub(E, "infrastructure", "infra structure")], E + ":6:phase: phase 'infra structure' is not valid"),
    ("missing_required_column", [put(E, "id,phase,currency,dist,likely,start,end\ndesign,acquisition,CAD,fixed,100,2026,2029\n"), drop(K)], E + ":1:basis: missing required column 'basis'"),
    ("extra_field", [sub(E, ",0.95,\n", ",0.95,,surplus\n")], E + ":3:15: row has 15 fields but the header has 14"),
    ("quoted_newline", [sub(E, "front,,\n", "front,,\"first line\nsecond line\"\n"), sub(E, ",0.95,", ",7,")], E + ":4:learning: learning 7 is out of range"),
    ("missing_elements", [drop(E)], E + ": cannot open: "),
    ("empty_elements", [put(E, "id,name,phase,currency,basis,dist,low,likely,high,start,end,profile,learning,notes\n")], E + ": no elements; allowed: a header and at least one row"),
    ("empty_file", [put(E, "")], E + ": empty file; a header row is needed"),
    ("probability_zero", [sub(R, "Weld defects,0.2", "Weld defects,0")], R + ":2:probability: probability 0 is out of range; allowed: 0 < probability <= 1"),
    ("probability_above_one", [sub(R, "Weld defects,0.2", "Weld defects,1.01")], R + ":2:probability: probability 1.01 is out of range"),
    ("risk_slip_negative", [sub(R, "first_delivery-1,1,", "first_delivery-1,-1,")], R + ":2:slip: slip -1 is out of range; allowed: a whole number 0 to 400"),
    ("risk_slip_fraction", [sub(R, "first_delivery-1,1,", "first_delivery-1,1.5,")], R + ":2:slip: slip 1.5 is not a whole number"),
    ("risk_duplicate_id", [add(R, "weld,Again,0.1,,,fixed,,0,,2030,,\n")], R + ":3:id: duplicate risk id 'weld' (first at line 2)"),
    ("hedge_ratio_above_one", [sub(C, ",0.5,1.33,", ",1.2,1.33,")], C + ":3:hedge_ratio: hedge_ratio 1.2 is out of range; allowed: 0 <= hedge_ratio <= 1"),
    ("base_hedged", [sub(C, "CAD,,,,,,,,fixed", "CAD,,,,,,0.5,,fixed")], C + ":2:hedge_ratio: the base currency CAD cannot be hedged"),
    ("base_rate_not_one", [sub(C, "CAD,,", "CAD,1.3,")], C + ":2:rate: rate 1.3 of the base currency CAD is not 1"),
    ("base_not_fixed", [sub(C, "CAD,,,", "CAD,,gbm,")], C + ":2:fx_model: the base currency CAD is always fixed at 1"),
    ("fx_param_unused", [sub(C, "EUR,1.5,ou,,", "EUR,1.5,ou,0.01,")], C + ":4:drift: drift must be empty for fx_model ou"),
    ("volatility_out_of_range", [sub(C, "0,0.08,", "0,3,")], C + ":3:volatility: volatility 3 is out of range; allowed: 0 <= volatility <= 2"),
    ("reversion_out_of_range", [sub(C, "0.07,0.2,", "0.07,1.5,")], C + ":4:reversion: reversion 1.5 is out of range"),
    ("rate_zero", [sub(C, "USD,1.35,", "USD,0,")], C + ":3:rate: rate 0 is out of range; allowed: 0 < rate <= 1e15"),
    ("inflation_out_of_range", [sub(C, "0.01,0.025,0.04", "0.01,0.025,1.5")], C + ":3:inflation.high: inflation.high 1.5 is out of range"),
    ("duplicate_currency", [add(C, "USD,1.4,,,,,,,,,,,\n")], C + ":5:currency: duplicate currency USD (first at line 3)"),
    ("bad_currency_code", [sub(E, "Jetty,infrastructure,EUR", "Jetty,infrastructure,eur")], E + ":6:currency: currency 'eur' is not valid; allowed: three uppercase letters"),
    ("missing_currencies", [drop(C), drop(F)], C + ": missing; currencies.csv is required because currency USD is used"),
    ("rho_above_one", [sub(K, "design,hull,0.5", "design,hull,1.2")], K + ":2:rho: rho 1.2 is out of range; allowed: -1 <= rho <= 1"),
    ("self_pair", [add(K, "crew,crew,0.2\n")], K + ":4:b: self pair crew-crew"),
    ("duplicate_pair_reversed", [add(K, "hull,design,0.2\n")], K + ":4:a: pair design-hull is listed twice (first at line 2)"),
    ("unknown_id_correlation", [sub(K, "design,hull", "desgin,hull")], K + ":2:a: unknown element 'desgin'; did you mean 'design'?"),
    ("non_psd", [put(K, "a,b,rho\ndesign,hull,0.9\nhull,crew,0.9\ndesign,crew,-0.9\n")], K + ": correlation matrix is not positive semi-definite: smallest eigenvalue -"),
    ("default_correlation_alone", [add(S, "default_correlation,-0.9\n"), put(K, "a,b,rho\n")], S + ":13:value: default_correlation -0.9 alone makes the matrix of the 4 non-fixed elements not positive semi-definite"),
    ("fx_unknown_currency", [sub(F, "USD,EUR", "USD,JPY")], F + ":2:b: unknown currency 'JPY'"),
    ("fx_non_psd", [add(C, "GBP,1.7,gbm,,0.09,,,,,,,,\n"), put(F, "a,b,rho\nUSD,EUR,0.9\nEUR,GBP,0.9\nUSD,GBP,-0.9\n")], F + ": FX shock correlation matrix is not positive semi-definite: smallest eigenvalue -"),
    ("missing_key_model", [sub(S, "model,model\n", "")], S + ": missing key 'model'"),
    ("missing_key_base_year", [sub(S, "base_year,2025\n", "")], S + ": missing key 'base_year'"),
    ("unknown_key", [add(S, "trails,100\n")], S + ":13:key: unknown key 'trails'; did you mean 'trials'?"),
    ("duplicate_key", [add(S, "seed,7\n")], S + ":13:key: duplicate key 'seed' (first at line 5)"),
    ("bad_seed", [sub(S, "seed,42", "seed,-1")], S + ":5:value: seed '-1' is not valid; allowed: digits only"),
    ("trials_zero", [sub(S, "trials,1000", "trials,0")], S + ":4:value: trials 0 is out of range; allowed: a whole number 1 to 1000000000"),
    ("units_over_limit", [sub(S, "units,4", "units,5000")], S + ":8:value: units 5000 is out of range; allowed: a whole number 1 to 1000 (costsim's limit on units)"),
    ("delivery_interval_fine", [sub(S, "delivery_interval,1.5", "delivery_interval,0.0005")], S + ":10:value: delivery_interval 0.0005 is not a whole number of thousandths"),
    ("discount_rate_minus_one", [add(S, "discount_rate,-1\n")], S + ":13:value: discount_rate -1 is out of range; allowed: -1 < discount_rate <= 1"),
    ("bad_correlation_repair", [add(S, "correlation_repair,maybe\n")], S + ":13:value: correlation_repair 'maybe' is not valid; allowed: yes or no"),
    ("report_currency_unknown", [add(S, "report_currency,JPY\n")], S + ":13:value: unknown currency JPY; allowed: the base currency CAD or one in currencies.csv"),
    ("model_dir_missing", [sub(S, "model,model", "model,nowhere")], S + ":3:value: model directory 'nowhere'"),
    ("override_unknown_id", [add(S, "element.hul.low,5\n")], S + ":13:key: unknown element 'hul' in key 'element.hul.low'; did you mean 'hull'?"),
    ("override_unknown_column", [add(S, "element.hull.hihg,5\n")], S + ":13:key: unknown column 'hihg' in key 'element.hull.hihg'; did you mean 'element.hull.high'?"),
    ("override_bad_value", [add(S, "element.hull.high,800\n")], S + ":13:value: high 800 is not above low 900"),
    ("override_unknown_currency", [add(S, "currency.GBP.rate,1.7\n")], S + ":13:key: unknown currency 'GBP' in key 'currency.GBP.rate'"),
    ("phase_scale_negative", [add(S, "phase.acquisition.scale,-1\n")], S + ":13:value: phase.acquisition.scale -1 is out of range; allowed: 0 <= scale <= 1e15"),
    ("phase_scale_unknown", [add(S, "phase.acquisiton.scale,2\n")], S + ":13:key: unknown phase 'acquisiton' in key 'phase.acquisiton.scale'; did you mean 'acquisition'?"),
    ("slip_params", [add(S, "slip.dist,triangular\nslip.low,0\nslip.likely,3\n")], S + ":13:value: high is missing"),
    ("bad_set", [], "--set trials: trials 'abc' is not a number", ["--set", "trials=abc"]),
    ("bad_set_key", [], "--set trails: unknown key 'trails'; did you mean 'trials'?", ["--set", "trails=5"]),
]

GOOD = {}


def good_cases():
    cases = {}
    cases["basic"] = dict(BASE)
    crlf = {}
    for name, text in BASE.items():
        crlf[name] = "\ufeff" + text.replace("\n", "\r\n")
    cases["bom_crlf"] = crlf
    notes = dict(BASE)
    notes[E] = ("# cost breakdown structure, amounts in millions\n"
                + BASE[E].replace("front,,\n", "front,,\"Source: study, 2024\nsecond line, \"\"quoted\"\"\"\n")
                + "\n# end of file\n")
    notes[S] = "# a scenario with comments\n\n" + BASE[S] + "# trailing comment\n"
    cases["notes_comments"] = notes
    odd = dict(BASE)
    odd[E] = """basis,id,dist,high,low,likely,currency,phase,end,start,learning
once,design,pert,150,80,100,CAD,acquisition,2029,2026,
per_unit,hull,triangular,1300,900,1000,USD,acquisition,,,0.95
per_year,office,uniform,14,10,,CAD,acquisition,last_delivery,2026,
per_unit_year,crew,normal,30,20,25,CAD,sustainment,,,
once,infra,fixed,,,50,EUR,infrastructure,2028,2027,
"""
    odd[C] = """inflation.likely,rate,currency,fx_model,volatility,reversion
0.02,,CAD,,,
0.025,1.35,USD,gbm,0.08,
0.02,1.5,EUR,ou,0.07,0.2
"""
    cases["odd_order"] = odd
    ov = dict(BASE)
    # CAD absent from currencies.csv; an override creates its row.
    ov[C] = BASE[C].replace("CAD,,,,,,,,fixed,,0.02,,\n", "")
    ov[S] = BASE[S] + ("element.design.low,\nelement.design.high,\nelement.design.dist,fixed\n"
                       "currency.CAD.inflation.likely,0.021\nelement.hull.scale,0.5\n"
                       "phase.sustainment.scale,1.1\ncorrelation_repair,yes\n")
    cases["overrides"] = ov
    return cases


def write_case(root, files):
    if os.path.isdir(root):
        shutil.rmtree(root)
    for name, text in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)


def cmake_regex(text):
    # A regex escape is a backslash, written doubled inside a CMake string.
    out = re.sub(r"([][.*+?^$()|\\{}])", r"\\\\\1", text)
    return out.replace('"', '\\"')


def main():
    lines = ["# Generated by tests/data/gen_corpus.py: costsim check on each good and",
             "# bad input; a bad one must exit 2 and name the exact path:line:column.", ""]
    for name, files in good_cases().items():
        write_case(os.path.join(HERE, "good", name), files)
        lines.append(f'costsim_expect(check_good_{name} 0 "tests/data/good/{name}/scenario\\\\.csv: ok: " '
                     f"check tests/data/good/{name}/scenario.csv)")
    names = set()
    for case in BAD:
        fault, edits, expect = case[0], case[1], case[2]
        args = case[3] if len(case) > 3 else []
        assert fault not in names, fault
        names.add(fault)
        files = dict(BASE)
        for edit in edits:
            edit(files)
        rel = f"tests/data/bad/{fault}"
        if edits:
            write_case(os.path.join(HERE, "bad", fault), files)
            scenario = f"{rel}/scenario.csv"
            prefix = f"{rel}/{expect}" if not expect.startswith("--set") else expect
        else:
            scenario = "tests/data/good/basic/scenario.csv"
            prefix = expect
        argv = " ".join(["check", scenario] + args)
        lines.append(f'costsim_expect(check_bad_{fault} 2 "{cmake_regex(prefix)}" {argv})')
    lines += ["",
              "# Usage errors and help.",
              'costsim_expect(check_usage_no_scenario 2 "no scenario given" check)',
              'costsim_expect(check_usage_bad_option 2 "unknown option \'--frobnicate\'" check --frobnicate)',
              'costsim_expect(check_usage_set_without_equals 2 "--set \'units\' has no \'=\'" check tests/data/good/basic/scenario.csv --set units)',
              'costsim_expect(check_help 0 "--set KEY=VALUE" check --help)',
              "# Several scenarios: each reported, exit 2 when any is bad.",
              'costsim_expect(check_many 2 "tests/data/good/basic/scenario\\\\.csv: ok: 5 elements, 1 risk, 3 currencies, 4 units, years 2026-2055" '
              "check tests/data/good/basic/scenario.csv tests/data/bad/trials_zero/scenario.csv)",
              "# --set wins over the file.",
              'costsim_expect(check_set_units 0 "ok: 5 elements, 1 risk, 3 currencies, 2 units" '
              "check tests/data/good/basic/scenario.csv --set units=2)",
              'costsim_expect(check_set_fixes_file 0 "ok: " check tests/data/bad/trials_zero/scenario.csv --set trials=5)',
              "# The repair warning goes to stderr.",
              'costsim_expect(check_repair_warning 0 "warning: .*correlations\\\\.csv: correlation matrix was not positive semi-definite" '
              "check tests/data/bad/non_psd/scenario.csv --set correlation_repair=yes)",
              ""]
    with open(os.path.join(ROOT, "tests", "e2e_check.cmake"), "w") as f:
        f.write("\n".join(lines))
    print(f"{len(BAD)} bad cases, {len(good_cases())} good cases")


if __name__ == "__main__":
    main()
