#!/bin/sh
# Output paths are checked before any simulation (docs/COMMANDS.md): each
# hostile or careless combination exits 2, says "nothing was simulated or
# written", and leaves every file as it was (the scenario, the model, earlier
# outputs). usage: e2e_outpaths.sh COSTSIM SOURCE_DIR
set -u
costsim=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/tests/data/good/basic" "$work/case"
cd "$work/case" || exit 1
mkdir prev
echo "old" > prev/summary.csv
echo "old" > old.html
failures=0

snapshot() { find . -type f -exec md5sum {} + | sort; }

# expect_refused "what it must say" ARGS...
expect_refused() {
    want=$1
    shift
    before=$(snapshot)
    out=$("$costsim" run scenario.csv --quiet "$@" 2>&1)
    status=$?
    after=$(snapshot)
    if [ $status -ne 2 ]; then
        echo "FAIL: run $*: exit $status, expected 2: $out"; failures=$((failures + 1))
    elif ! printf '%s' "$out" | grep -q -- "$want"; then
        echo "FAIL: run $*: message lacks '$want': $out"; failures=$((failures + 1))
    elif [ "$want" != "empty path" ] && [ "$want" != "not to standard output" ] &&
         ! printf '%s' "$out" | grep -q "nothing was simulated or written"; then
        echo "FAIL: run $*: no 'nothing was simulated': $out"; failures=$((failures + 1))
    elif [ "$before" != "$after" ]; then
        echo "FAIL: run $*: files changed"; failures=$((failures + 1))
    fi
}

expect_refused "empty path" --out ""
# A path whose absolute spelling passes PATH_MAX: refused before the trials,
# not after them when the directory cannot be created.
long=$(python3 -c 'print("/".join(["d" * 200] * 22))')
expect_refused "the path is too long" --out "$long/out"
expect_refused "the path is too long" --report "$long.html"
# One name longer than a directory entry holds (255 bytes; 90 Hangul
# syllables are 270): refused before the trials, not at the commit.
longname=$(python3 -c 'print("\ud55c" * 90)')
expect_refused "a name in the path is 275 bytes long" --report "$longname.html"
expect_refused "a name in the path is 275 bytes long" --xlsx "prev/$longname.xlsx"
expect_refused "a name in the path is 270 bytes long" --out "$longname/x"
expect_refused "empty path" --report ""
expect_refused "empty path" --xlsx=
# "-" is not standard output: no file or directory named "-" is made.
expect_refused "not to standard output" --report -
expect_refused "not to standard output" --xlsx=-
expect_refused "not to standard output" --out -
[ ! -e ./- ] || { echo "FAIL: '-' was created"; failures=$((failures + 1)); }
expect_refused "would overwrite the scenario file" --report scenario.csv
expect_refused "would overwrite a model file" --xlsx model/elements.csv
expect_refused "would overwrite a model file" --report ./model/../model/risks.csv
ln -s scenario.csv link.html
expect_refused "would overwrite the scenario file" --report link.html
ln model/currencies.csv hard.xlsx
expect_refused "would overwrite a model file" --xlsx hard.xlsx
expect_refused "--report and --xlsx name the same file" --report x.out --xlsx x.out
expect_refused "--report and --out name the same file" --out prev --report prev/summary.csv
expect_refused "--xlsx and --out name the same file" --out prev --xlsx prev/scurve.csv
expect_refused "cannot be created in '/proc'" --out /proc/nope
expect_refused "directory 'missing' does not exist" --report missing/r.html
expect_refused "directory 'missing' does not exist" --xlsx missing/r.xlsx
expect_refused "directory .missing. does not exist" --out other --xlsx missing/r.xlsx
expect_refused "names a directory" --report prev
expect_refused "not a directory" --out old.html
expect_refused "is the model directory" --out model
# A new .csv in the model directory would be read by its next load.
expect_refused "names a .csv file in the model directory" --xlsx model/risk.csv
expect_refused "names a .csv file in the model directory" --report ./model/notes.CSV
# What is in the way is found before the trials, not after them: a FIFO (or
# a device) named as the report or workbook is refused, not replaced; a
# dangling link as --out; a directory where the run writes a file.
mkfifo fifo.html
expect_refused "names a FIFO, not a regular file" --report fifo.html
expect_refused "names a FIFO, not a regular file" --xlsx fifo.html
[ -p fifo.html ] || { echo "FAIL: the FIFO was replaced"; failures=$((failures + 1)); }
ln -s missing/dir dangling
# A link that stands for standard output (as /dev/stdout does, into
# /proc), or for a FIFO or a device, is refused, not replaced by a file
# (as root, replacing /dev/stdout would change it for the whole machine).
ln -s /proc/self/fd/1 stdout.html
ln -s stdout.html chain.html
ln -s fifo.html tofifo.xlsx
ln -s /dev/null null.html
expect_refused "names a link into /proc" --report stdout.html
expect_refused "names a link into /proc" --report chain.html
expect_refused "names a link to a FIFO, not a regular file" --xlsx tofifo.xlsx
expect_refused "names a link to a device, not a regular file" --report null.html
mkdir linked
ln -s /proc/self/fd/2 linked/summary.csv
expect_refused "this is a link into /proc (.*), but the run writes its summary.csv here" --out linked
for l in stdout.html chain.html tofifo.xlsx null.html linked/summary.csv; do
    [ -L "$l" ] || { echo "FAIL: the link $l was replaced"; failures=$((failures + 1)); }
done
expect_refused "symbolic link to something that does not exist" --out dangling
mkdir -p blocked/summary.csv
expect_refused "this is a directory, but the run writes its summary.csv here" --out blocked
# The lock file of --out is taken only once the results are ready: a
# directory or a link in its place is refused before the trials instead.
mkdir -p locked/.costsim-lock
expect_refused "locked/.costsim-lock: this is a directory, but the run locks the --out directory" --out locked
mkdir linklock
ln -s ../old.html linklock/.costsim-lock
expect_refused "this is a symbolic link, but the run locks the --out directory" --out linklock
# compare checks both scenarios' files
before=$(snapshot)
out=$("$costsim" compare scenario.csv scenario.csv --quiet --report model/correlations.csv 2>&1)
[ $? -eq 2 ] && [ "$before" = "$(snapshot)" ] || {
    echo "FAIL: compare --report model file: $out"; failures=$((failures + 1)); }

# compare writes into DIR/a and DIR/b: a file there, or a model directory
# (scenario A's model is ./a here), is refused before the trials.
mkdir cmpout
echo "old" > cmpout/a
cp -r model a
sed 's/^model,model$/model,a/' scenario.csv > on_a.csv
for args in "scenario.csv scenario.csv --out cmpout|this is not a directory, but compare writes scenario A" \
            "on_a.csv scenario.csv --out .|this is the model directory of scenario A"; do
    want=${args#*|}
    before=$(snapshot)
    # shellcheck disable=SC2086 # the arguments are split on purpose
    out=$("$costsim" compare ${args%|*} --quiet --trials 100 2>&1)
    status=$?
    if [ $status -ne 2 ] || ! printf '%s' "$out" | grep -q -- "$want" ||
       [ "$before" != "$(snapshot)" ]; then
        echo "FAIL: compare ${args%|*}: exit $status: $out"; failures=$((failures + 1))
    fi
done

# An input that is a FIFO with no writer is read as empty, at once: open()
# must not wait for a writer for ever.
cp -r model fifo_model
rm fifo_model/risks.csv
mkfifo fifo_model/risks.csv
sed 's/^model,model$/model,fifo_model/' scenario.csv > on_fifo.csv
out=$(timeout 60 "$costsim" check on_fifo.csv 2>&1)
status=$?
if [ $status -ne 2 ] || ! printf '%s' "$out" | grep -q "risks.csv: empty file"; then
    echo "FAIL: FIFO model file: exit $status: $out"; failures=$((failures + 1))
fi

# The workbook's limits, before the simulation: a Trials sheet with a
# column per phase cannot hold 16 400 phases.
mkdir wide wide/model
printf 'key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\ntrials,10\n' > wide/scenario.csv
awk 'BEGIN { print "id,name,phase,currency,basis,dist,likely,start,end";
             for (i = 0; i < 10000; i++) printf "e%d,E,p%d,CAD,once,fixed,1,2026,2026\n", i, i }' \
    > wide/model/elements.csv
awk 'BEGIN { print "id,probability,phase,dist,likely,year";
             for (i = 0; i < 6400; i++) printf "r%d,0.5,q%d,fixed,1,2026\n", i, i }' \
    > wide/model/risks.csv
mkdir wide/out
out=$("$costsim" run wide/scenario.csv --quiet --trials-out --out wide/out --xlsx wide/w.xlsx 2>&1)
status=$?
if [ $status -ne 2 ] || ! printf '%s' "$out" | grep -q "16400 phases" ||
   [ -e wide/w.xlsx ] || [ -n "$(ls wide/out)" ]; then
    echo "FAIL: workbook limit: exit $status: $out"; failures=$((failures + 1))
fi

# A run with good paths still works, also with the report and workbook in
# the --out directory that the run creates.
"$costsim" run scenario.csv --quiet --trials 200 --out new/dir --report new/dir/r.html \
    --xlsx new/dir/r.xlsx > /dev/null || { echo "FAIL: outputs in a new --out refused"; failures=$((failures + 1)); }
[ -f new/dir/summary.csv ] && [ -f new/dir/r.html ] && [ -f new/dir/r.xlsx ] ||
    { echo "FAIL: outputs in a new --out missing"; failures=$((failures + 1)); }

"$costsim" run scenario.csv --quiet --trials 200 --out good --report good.html --xlsx good.xlsx \
    > /dev/null || { echo "FAIL: good paths refused"; failures=$((failures + 1)); }
[ -f good/summary.csv ] && [ -f good.html ] && [ -f good.xlsx ] ||
    { echo "FAIL: good outputs missing"; failures=$((failures + 1)); }

# An append-only directory (chattr +a, where the file system and the user
# allow it): a run could not replace its files there, so it is refused
# before the trials, and leaves no probe behind; a new --out inside it is
# fine (created there, then an ordinary directory).
if mkdir appendonly && chattr +a appendonly 2> /dev/null; then
    expect_refused "append-only" --out appendonly
    [ -z "$(ls -A appendonly)" ] ||
        { echo "FAIL: the check left $(ls -A appendonly)"; failures=$((failures + 1)); }
    "$costsim" run scenario.csv --quiet --trials 200 --out appendonly/new > /dev/null 2>&1 ||
        { echo "FAIL: a new --out in an append-only directory"; failures=$((failures + 1)); }
    chattr -a appendonly
fi

# Standard output closed (a pipe whose reader, true, has long exited when
# the results come): exit 1 with a message, not a silent death by SIGPIPE;
# the files are written all the same.
status=$( { "$costsim" run scenario.csv --quiet --trials 2000 --format json --out piped \
    2> pipe.err; echo $? > pipe.status; } | true; cat pipe.status)
[ "$status" = 1 ] && grep -q "cannot write to standard output" pipe.err &&
    [ -f piped/summary.csv ] ||
    { echo "FAIL: closed pipe: exit $status: $(cat pipe.err)"; failures=$((failures + 1)); }

[ $failures -eq 0 ] && echo "all output-path checks passed"
exit $failures
