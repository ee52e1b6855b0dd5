#!/bin/sh
# make_corpus.sh OUTDIR: writes fuzz_loader seeds, one blob per scenario,
# from tests/data/{good,bad}/*/scenario.csv, tests/data/hostile/*/scenario.csv
# and scenarios/*.csv (with the model each one names). Blob format: see
# tests/fuzz/fuzz_loader.c ("##costsim-file NAME" marker lines). The
# scenario's model key is rewritten to "model", where the fuzzer puts it.
set -eu
out=${1:?usage: make_corpus.sh OUTDIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
count=0

# blob NAME SCENARIO MODELDIR
blob() {
    dest="$out/$1"
    {
        echo "##costsim-file scenario.csv"
        # Point the model key at the fuzzer's model directory.
        sed 's/^model,.*/model,model/' "$2"
        for f in elements currencies risks correlations fx_correlations; do
            if [ -n "$3" ] && [ -f "$3/$f.csv" ]; then
                echo "##costsim-file model/$f.csv"
                cat "$3/$f.csv"
            fi
        done
    } > "$dest"
    count=$((count + 1))
}

for s in "$src"/tests/data/good/*/scenario.csv "$src"/tests/data/bad/*/scenario.csv \
         "$src"/tests/data/hostile/*/scenario.csv; do
    [ -f "$s" ] || continue
    dir=$(dirname "$s")
    kind=$(basename "$(dirname "$dir")")
    blob "$kind-$(basename "$dir")" "$s" "$dir/model"
done
for s in "$src"/scenarios/*.csv; do
    [ -f "$s" ] || continue
    model=$(sed -n 's/^model,//p' "$s" | tr -d '\r' | head -n 1)
    blob "scenario-$(basename "$s" .csv)" "$s" "$src/scenarios/$model"
done

# A few hand-made ones: --set settings, and markers with odd offsets.
{
    cat "$out/good-basic"
    echo "##costsim-file set"
    echo "units=8"
    echo "element.hull.learning=0.9"
    echo "slip.dist=triangular"
    echo "slip.low=0"
    echo "slip.likely=1"
    echo "slip.high=4"
} > "$out/hand-sets"
count=$((count + 1))
echo "make_corpus.sh: $count seeds in $out"
