#!/bin/sh
# Bounded, linear reading (docs/LIMITS.md): a model file that never ends (a link
# to /dev/zero) is refused at once, not read into memory, and so is a header
# of 400 000 columns (more than 256 fields), with one message.
# usage: e2e_bounded.sh COSTSIM SOURCE_DIR
set -u
costsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/tests/data/good/basic" "$work/case"
cd "$work/case" || exit 1
failures=0

rm model/risks.csv
ln -s /dev/zero model/risks.csv
# An unbounded reader would run until the timeout (and fill the memory).
out=$(timeout 10 "$costsim" check scenario.csv 2>&1)
status=$?
if [ $status -ne 2 ] || ! printf '%s' "$out" | grep -q "field is longer than 4096 bytes"; then
    echo "FAIL: /dev/zero as risks.csv: exit $status: $out"; failures=$((failures + 1))
fi

rm model/risks.csv
awk 'BEGIN { printf "id"; for (i = 0; i < 400000; i++) printf ",c%d", i; print "" }' \
    > model/risks.csv
start=$(date +%s)
timeout 60 "$costsim" check scenario.csv > /dev/null 2> wide.err
status=$?
elapsed=$(( $(date +%s) - start ))
lines=$(wc -l < wide.err)
if [ $status -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q "record has more than 256 fields" wide.err; then
    echo "FAIL: 400 000 columns: exit $status, $lines messages, ${elapsed}s"
    failures=$((failures + 1))
fi
[ $failures -eq 0 ] && echo "bounded reading: ok (400 000 columns in ${elapsed}s)"
exit $failures
