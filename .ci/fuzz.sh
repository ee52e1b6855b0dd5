#!/bin/sh
# .ci/fuzz.sh [SECONDS]: builds a libFuzzer target (tests/fuzz/; the
# loader's, or FUZZ_TARGET=fuzz_engine for loader, engine and writers) with
# clang in build-fuzz/ of this checkout and runs it for SECONDS (default 60)
# on
# the seed corpus from tests/fuzz/make_corpus.sh. Exits non-zero on any
# crash, leak or sanitizer report (the input is saved under $FUZZ_WORK/
# artifacts; add it as a regression test under tests/data/hostile/).
# Without clang it prints a note and exits 0.
#
# Environment: FUZZ_WORK (default /tmp/costsim-fuzz) keeps the corpus and
# the artifacts between runs (the build stays with the checkout, so two
# checkouts never share a CMake cache); FUZZ_JOBS (default 1) parallel
# fuzzing processes; CC (default clang).
set -eu
seconds=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
work=${FUZZ_WORK:-/tmp/costsim-fuzz}
jobs=${FUZZ_JOBS:-1}
cc=${CC:-clang}
target=${FUZZ_TARGET:-fuzz_loader}
case $target in
fuzz_loader | fuzz_engine) ;;
*) echo "fuzz.sh: FUZZ_TARGET must be fuzz_loader or fuzz_engine" >&2; exit 2 ;;
esac

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz.sh: $cc not found; skipping the fuzz run (install clang to fuzz)"
    exit 0
fi
case $("$cc" --version 2>/dev/null) in
*clang*) ;;
*) echo "fuzz.sh: $cc is not clang; skipping the fuzz run (set CC=clang)"; exit 0 ;;
esac

mkdir -p "$work/corpus" "$work/artifacts"
build=$src/build-fuzz
CC=$cc cmake -S "$src" -B "$build" -DCOSTSIM_FUZZ=ON -DBUILD_TESTING=OFF -DCOSTSIM_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
cmake --build "$build" --target "$target" -j"$(nproc)" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; exit 1; }
"$src/tests/fuzz/make_corpus.sh" "$work/seeds"

fuzzer=$build/tests/fuzz/$target
echo "fuzz.sh: running $target for ${seconds}s ($jobs job(s)); corpus $work/corpus"
status=0
cd "$work" # -jobs writes fuzz-N.log into the working directory
parallel=
if [ "$jobs" -gt 1 ]; then parallel="-jobs=$jobs -workers=$jobs"; fi
# -timeout: one loader call on a 64 KiB input must not take 10 s.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict="$src/tests/fuzz/loader.dict" -artifact_prefix="$work/artifacts/" \
    -print_final_stats=1 $parallel \
    "$work/corpus" "$work/seeds" >"$work/fuzz.log" 2>&1 || status=$?
if [ -n "$parallel" ]; then cat fuzz-*.log >>"$work/fuzz.log" 2>/dev/null || true; rm -f fuzz-*.log; fi
grep -E '^#[0-9]+ +(DONE|pulse)|^stat::|SUMMARY|ERROR' "$work/fuzz.log" | tail -n 15 || true
crashes=$(find "$work/artifacts" -type f | wc -l)
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    echo "fuzz.sh: FAILED (status $status); inputs in $work/artifacts:" >&2
    ls -l "$work/artifacts" >&2
    tail -n 60 "$work/fuzz.log" >&2
    echo "replay one with: FUZZ_LOADER_VERBOSE=1 $fuzzer FILE" >&2
    exit 1
fi
echo "fuzz.sh: no crash in ${seconds}s"
