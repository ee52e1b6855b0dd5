#!/bin/sh
# --no-drivers (docs/COMMANDS.md): the run skips sensitivity, attribution and
# tornado and nothing else. Under --out their files are absent (a previous
# run's are removed), every other file is byte-identical to the same run with
# the drivers, JSON keeps the three keys as empty arrays, the table says the
# drivers were not measured; compare and sweep accept the option.
# usage: e2e_no_drivers.sh COSTSIM SOURCE_DIR
set -u
costsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
s="$src/scenarios/cpsp-hanwha-base.csv"
t="$src/scenarios/cpsp-tkms-base.csv"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
drivers="sensitivity.csv attribution.csv tornado.csv"
others="summary.csv by_year.csv scurve.csv allocation.csv schedule.csv jcl.csv budget.csv"
common="--trials 3000 --budget 120000000 --quiet"

"$costsim" run --help | grep -q -- '--no-drivers' || fail "run --help does not name --no-drivers"

# With and without the drivers, the same run.
"$costsim" run "$s" $common --out "$work/with" > "$work/with.txt" || fail "run with drivers"
"$costsim" run "$s" $common --out "$work/without" --no-drivers > "$work/without.txt" ||
    fail "run --no-drivers"
for f in $drivers; do
    [ -e "$work/with/$f" ] || fail "the run with drivers did not write $f"
    [ ! -e "$work/without/$f" ] || fail "--no-drivers wrote $f"
done
for f in $others; do
    [ -e "$work/without/$f" ] || fail "--no-drivers did not write $f"
    cmp -s "$work/with/$f" "$work/without/$f" || fail "$f differs with --no-drivers"
done
grep -q '^Drivers: *not measured (--no-drivers)$' "$work/without.txt" ||
    fail "the table does not say the drivers were not measured"
grep -q 'Top drivers\|Tornado' "$work/without.txt" && fail "the table shows drivers"
grep -q 'Top drivers' "$work/with.txt" || fail "the table with drivers lost them"

# A previous run's driver files in the same directory do not survive.
"$costsim" run "$s" $common --out "$work/with" --no-drivers > /dev/null ||
    fail "second run --no-drivers"
for f in $drivers; do
    [ ! -e "$work/with/$f" ] || fail "a previous run's $f survived --no-drivers"
done

# More trials than the drivers use: the Trials line does not mention them.
"$costsim" run "$s" --trials 100001 --quiet --no-drivers > "$work/big.txt" ||
    fail "run --no-drivers --trials 100001"
grep -q 'drivers measured on the first' "$work/big.txt" &&
    fail "the Trials line says drivers were measured"

# JSON: the keys stay, as empty arrays.
"$costsim" run "$s" --trials 500 --quiet --no-drivers --format json > "$work/r.json" ||
    fail "run --no-drivers --format json"
for k in sensitivity attribution tornado; do
    grep -q "^  \"$k\": \[\]," "$work/r.json" || fail "JSON $k is not an empty array"
done

# Compare: neither side's driver files, compare.csv and streams.csv as with them.
"$costsim" compare "$s" "$t" --trials 1000 --quiet --out "$work/cw" > /dev/null || fail "compare"
"$costsim" compare "$s" "$t" --trials 1000 --quiet --out "$work/cn" --no-drivers \
    --xlsx "$work/c.xlsx" > /dev/null || fail "compare --no-drivers"
for f in $drivers; do
    [ ! -e "$work/cn/a/$f" ] && [ ! -e "$work/cn/b/$f" ] || fail "compare --no-drivers wrote $f"
done
for f in compare.csv streams.csv a/summary.csv b/summary.csv; do
    cmp -s "$work/cw/$f" "$work/cn/$f" || fail "compare --no-drivers: $f differs"
done
[ "$(head -c 2 "$work/c.xlsx")" = PK ] || fail "compare --no-drivers --xlsx"

# Sweep: accepted, the same rows.
"$costsim" sweep "$s" --vary units=8,9 --trials 500 --quiet --format csv > "$work/sw.csv" ||
    fail "sweep"
"$costsim" sweep "$s" --vary units=8,9 --trials 500 --quiet --format csv --no-drivers \
    > "$work/sn.csv" || fail "sweep --no-drivers"
cmp -s "$work/sw.csv" "$work/sn.csv" || fail "sweep --no-drivers rows differ"

[ $failures -eq 0 ] || exit 1
echo "no-drivers: all checks passed"
