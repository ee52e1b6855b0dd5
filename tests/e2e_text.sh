#!/bin/sh
# Text in outputs and messages (docs/LIMITS.md): a name cut to a length is cut
# on a UTF-8 character boundary (workbook title, HTML labels, terminal table),
# a scenario file whose name is not UTF-8 gives valid UTF-8 outputs, and
# control characters from input files reach the terminal escaped.
# usage: e2e_text.sh COSTSIM SOURCE_DIR
set -u
costsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/tests/data/good/basic" "$work/case"
cd "$work/case" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

utf8_ok() { python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$1"; }

# 300 bytes of two-byte characters in the name, 150 in an element's name.
long=$(python3 -c 'print("\u00e9" * 150)')
grep -v '^name,' scenario.csv > long.csv
echo "name,$long" >> long.csv
sed -i "s/^design,Design,/design,$long,/" model/elements.csv
"$costsim" run long.csv --quiet --trials 200 --xlsx long.xlsx --report long.html --out out \
    > long.txt || fail "run with a long name"
mkdir x && (cd x && python3 -c 'import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extractall()' ../long.xlsx)
for f in x/docProps/core.xml x/docProps/app.xml long.html long.txt out/report.html; do
    utf8_ok "$f" 2>/dev/null || fail "$f is not valid UTF-8"
done
for f in x/xl/worksheets/*.xml x/xl/sharedStrings.xml; do
    [ -f "$f" ] && { utf8_ok "$f" 2>/dev/null || fail "$f is not valid UTF-8"; }
done

# A scenario file name that is not UTF-8, without a name key.
bad=$(printf 'sc\377\376.csv')
grep -v '^name,' scenario.csv > "$bad"
"$costsim" run "$bad" --quiet --trials 200 --format json --out badout --report bad.html \
    > bad.json 2> bad.err || fail "run of a non-UTF-8 file name"
for f in bad.json bad.html badout/summary.csv badout/report.html; do
    utf8_ok "$f" 2>/dev/null || fail "$f is not valid UTF-8"
done
grep -q "sc\xef\xbf\xbd\xef\xbf\xbd" bad.json 2>/dev/null ||
    python3 -c 'import sys; t = open("bad.json", encoding="utf-8").read(); sys.exit(0 if "sc\ufffd\ufffd" in t else 1)' ||
    fail "the name is not shown with replacement characters"

"$costsim" run "$bad" --quiet --trials 200 > bad.txt 2>&1 || fail "table run of a non-UTF-8 file name"
grep -q '^Scenario file:  sc??\.csv$' bad.txt ||
    fail "the table does not show the file name's invalid bytes as ?: $(grep 'Scenario file' bad.txt)"

# A model directory whose path is not UTF-8 (it is shown in every report).
baddir=$(printf 'dir\377')
mkdir "$baddir"
cp -r model "$baddir/model"
grep -v '^name,' scenario.csv > "$baddir/s.csv"
"$costsim" run "$baddir/s.csv" --quiet --trials 200 --format json --report dir.html \
    --xlsx dir.xlsx > dir.json 2> dir.err || fail "run in a non-UTF-8 directory: $(cat dir.err)"
"$costsim" run "$baddir/s.csv" --quiet --trials 200 > dir.txt 2>&1 || fail "table run"
utf8_ok dir.txt 2>/dev/null || fail "the terminal table carries bytes that are not UTF-8"
mkdir y && (cd y && python3 -c 'import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extractall()' ../dir.xlsx)
for f in dir.json dir.html y/xl/sharedStrings.xml; do
    [ -f "$f" ] && { utf8_ok "$f" 2>/dev/null || fail "$f is not valid UTF-8"; }
done
for f in y/xl/worksheets/*.xml; do
    utf8_ok "$f" 2>/dev/null || fail "$f is not valid UTF-8"
done

# Control characters from an input file: escaped in diagnostics.
printf 'key,value\nmodel,model\ntrials,"12\033[31m"\n' > esc.csv
"$costsim" check esc.csv 2> esc.err
if python3 -c 'import sys; sys.exit(0 if b"\x1b" in open("esc.err", "rb").read() else 1)'; then
    fail "a raw ESC byte reached the terminal"
fi
grep -q '\\x1b\[31m' esc.err || fail "ESC not shown as \\x1b: $(cat esc.err)"

# Control characters from the command line: escaped in usage errors and in
# the output-path checks, whichever part of the message names them.
esc=$(printf '\033')
nl='
'
: > "f${esc}le"
for args in "run scenario.csv --report no${nl}dir${esc}[31m/x.html" \
    "run scenario.csv --tr${esc}ials 5" "r${esc}un" "run scenario.csv --trials 1${esc}[2J" \
    "run scenario.csv --no-drivers=${esc}" "check --set a${esc} scenario.csv" \
    "run scenario.csv --out f${esc}le/sub"; do
    old_ifs=$IFS; IFS=' '
    # shellcheck disable=SC2086 # split on spaces only: the newline stays in its argument
    "$costsim" $args > /dev/null 2> arg.err
    IFS=$old_ifs
    python3 -c 'import sys; b = open("arg.err", "rb").read(); sys.exit(0 if b and not any(c < 32 and c != 10 for c in b) and b.count(b"\n") <= 3 else 1)' ||
        fail "a control character of the command line reached the terminal: $(od -c arg.err | head -3)"
done

# --format csv and json on a terminal (script(1) gives one): a name's
# ESC, BEL and C1 CSI do not reach it; through a pipe the text is exact.
printf 'x1,Evil\033[31mRED\007\302\233name,acquisition,CAD,once,fixed,,1,,2026,2026,,,\n' \
    >> model/elements.csv
for format in csv json; do
    script -qec "\"$costsim\" run scenario.csv --quiet --trials 50 --format $format" /dev/null \
        > tty.$format 2>&1 || fail "--format $format on a terminal: $(cat tty.$format)"
    if python3 -c 'import sys; b = open(sys.argv[1], "rb").read(); sys.exit(0 if b"\x1b" in b or b"\x07" in b or b"\xc2\x9b" in b else 1)' tty.$format; then
        fail "--format $format put a control character on the terminal"
    fi
    grep -q 'Evil' tty.$format || fail "--format $format on a terminal lost the name"
    "$costsim" run scenario.csv --quiet --trials 50 --format $format > pipe.$format 2>/dev/null ||
        fail "--format $format into a pipe"
    python3 -c 'import sys, json
b = open(sys.argv[1], "rb").read()
ok = b"Evil\x1b[31mRED\x07\xc2\x9bname" in b if sys.argv[2] == "csv" else \
     any(r["name"] == "Evil\x1b[31mRED\x07\u009bname" for r in json.loads(b)["summary"])
sys.exit(0 if ok else 1)' pipe.$format $format || fail "--format $format into a pipe changed the name"
done

# Bidirectional formatting characters (U+202E and kin) reorder a terminal's
# line around them: the table shows them as ?, messages as \u202e.
rlo=$(printf '\342\200\256')
grep -v '^name,' scenario.csv > bidi.csv
echo "name,Bid ${rlo}A" >> bidi.csv
"$costsim" run bidi.csv --quiet --trials 50 > bidi.txt 2>&1 || fail "run with U+202E in the name"
grep -q '^Scenario: *Bid ?A$' bidi.txt || fail "U+202E not shown as ?: $(grep Scenario: bidi.txt)"
printf 'key,value\nmodel,model\ntrials,"12%s"\n' "$rlo" > bidi2.csv
"$costsim" check bidi2.csv 2> bidi2.err
grep -q '\\u202e' bidi2.err || fail "U+202E not escaped in a message: $(cat bidi2.err)"
if python3 -c 'import sys; sys.exit(0 if any(b"\xe2\x80\xae" in open(f, "rb").read() for f in sys.argv[1:]) else 1)' bidi.txt bidi2.err; then
    fail "a raw U+202E reached the terminal"
fi

# Invisible characters a spreadsheet leaves in a cell (a no-break space
# from a French locale, a zero-width space, a byte order mark inside the
# text) are written as \uXXXX in messages, so that '400\u00a0' shows why
# it is not a number where '400 ' would not.
nbsp=$(printf '\302\240'); zwsp=$(printf '\342\200\213'); bom=$(printf '\357\273\277')
printf 'key,value\nmodel,model\ntrials,400%s\nseed,1%s\nunits,%s4\n' "$nbsp" "$zwsp" "$bom" > invisible.csv
"$costsim" check invisible.csv 2> invisible.err
for want in "'400\\u00a0'" "'1\\u200b'" "'\\ufeff4'"; do
    grep -qF "$want" invisible.err || fail "$want not in: $(cat invisible.err)"
done

[ $failures -eq 0 ] && echo "all text checks passed"
exit $failures
