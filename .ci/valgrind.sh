#!/bin/sh
# .ci/valgrind.sh [BUILD_DIR]: runs every unit test program of a build
# (BUILD_DIR/tests/test_*, default build/) under valgrind memcheck:
#
#   valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
#
# and prints one line per program and a summary; exits 1 if any program
# has a memory error, a definite leak or a failing test. Programs named
# *heavy* or labelled "heavy" in ctest are skipped (too slow under
# valgrind). Use a build without sanitizers (valgrind and ASan don't mix).
# Runs $VALGRIND_JOBS programs at once (default: the number of processors,
# at most 4); each gets $VALGRIND_TIMEOUT seconds (default 240).
# The costsim processes that some tests start are not traced: the program
# itself is covered by the sanitizer build and the fuzzer.
set -eu
build=$(cd "${1:-build}" && pwd)
jobs=${VALGRIND_JOBS:-$(nproc)}
[ "$jobs" -gt 4 ] && jobs=4
timeout_s=${VALGRIND_TIMEOUT:-240}
logs=$(mktemp -d "${TMPDIR:-/tmp}/costsim-valgrind-XXXXXX")

command -v valgrind >/dev/null 2>&1 || { echo "valgrind.sh: valgrind not found" >&2; exit 1; }
[ -d "$build/tests" ] || { echo "valgrind.sh: no $build/tests; build first" >&2; exit 1; }
if grep -q '^COSTSIM_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "valgrind.sh: $build is a sanitizer build; use a plain one" >&2
    exit 1
fi

# Tests labelled heavy in ctest, by name.
heavy=$(cd "$build" && ctest -N -L heavy 2>/dev/null | sed -n 's/^ *Test *#[0-9]*: *//p' | tr '\n' ' ')

programs=
for p in "$build"/tests/test_*; do
    [ -x "$p" ] && [ -f "$p" ] || continue
    name=$(basename "$p")
    case "$name" in *heavy*) echo "skip $name (heavy)"; continue ;; esac
    case " $heavy " in *" $name "*) echo "skip $name (label heavy)"; continue ;; esac
    programs="$programs $p"
done
[ -n "$programs" ] || { echo "valgrind.sh: no test programs in $build/tests" >&2; exit 1; }

echo "valgrind.sh: $(echo $programs | wc -w) programs, $jobs at a time, logs in $logs"
start=$(date +%s)
# One program: writes NAME.log and NAME.status (exit status of valgrind).
export logs timeout_s
printf '%s\n' $programs | xargs -P "$jobs" -I{} sh -c '
    p={}; name=$(basename "$p")
    cd "$(dirname "$p")"
    CMOCKA_MESSAGE_OUTPUT=stdout timeout "$timeout_s" valgrind -q --error-exitcode=1 \
        --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
        --track-origins=yes --child-silent-after-fork=yes "$p" >"$logs/$name.log" 2>&1
    echo $? >"$logs/$name.status"'

failed=0
for p in $programs; do
    name=$(basename "$p")
    status=$(cat "$logs/$name.status" 2>/dev/null || echo missing)
    case $status in
    0) verdict=ok ;;
    124) verdict="TIMEOUT after ${timeout_s}s"; failed=$((failed + 1)) ;;
    *) if grep -q '^==[0-9]*==' "$logs/$name.log"; then verdict="MEMORY ERROR or LEAK (status $status)"
       else verdict="TEST FAILED (status $status)"; fi
       failed=$((failed + 1)) ;;
    esac
    printf '  %-22s %s\n' "$name" "$verdict"
done
echo "valgrind.sh: $failed failing of $(echo $programs | wc -w) in $(( $(date +%s) - start ))s"
if [ "$failed" -ne 0 ]; then
    for p in $programs; do
        name=$(basename "$p")
        [ "$(cat "$logs/$name.status" 2>/dev/null)" = 0 ] && continue
        echo "---- $name ($logs/$name.log, last 40 lines)"
        tail -n 40 "$logs/$name.log"
    done
    exit 1
fi
rm -rf "$logs"
