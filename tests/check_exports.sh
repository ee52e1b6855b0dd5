#!/usr/bin/env bash
# check_exports: every symbol the core library exports is named
# cs_<module>_<name>, where <module> is the name of the folder of the source
# file that defines it (src/<folder>/<file>.c) or the base name of a .c or .h
# file in that folder (so cs_engine_run may live in sim/run.c beside
# sim/engine.h), or is a function of the public API (include/costsim.h). Lists the
# strays and fails when there are any.
# Usage: check_exports.sh LIBRARY SOURCE_DIR
set -euo pipefail
lib=$1 src=$2
declare -A folder modules
while IFS= read -r f; do
  b=$(basename "$f"); b=${b%.*}
  d=$(basename "$(dirname "$f")")
  [[ $f == *.c ]] && folder[$b]=$d
  modules[$d]+=" $b "
done < <(cd "$src" && find src -name '*.[ch]')
public=()
if [[ -f $src/include/costsim.h ]]; then
  mapfile -t public < <(grep -oE '\bcs_[a-z0-9_]+\s*\(' "$src/include/costsim.h" | tr -d '( ' | sort -u)
fi
strays=0 total=0
while read -r obj name; do
  # Names the toolchain makes (e.g. AddressSanitizer's __odr_asan.*) are
  # not ours.
  [[ $name == __* ]] && continue
  total=$((total + 1))
  mod=${obj%.c.o}
  dir=${folder[$mod]:-}
  [[ -n $dir && $name == cs_"$dir"_* ]] && continue
  ok=0
  # An object whose source is not under src/ (no folder) has only its own name.
  if [[ -n $dir ]]; then candidates=${modules[$dir]}; else candidates=$mod; fi
  for m in $candidates; do
    [[ $name == cs_"$m"_* ]] && { ok=1; break; }
  done
  ((ok)) && continue
  [[ " ${public[*]:-} " == *" $name "* ]] && continue
  echo "stray export: $name (defined in $mod.c, folder ${dir:-?})"
  strays=$((strays + 1))
done < <(nm -g --defined-only -A "$lib" | awk '{split($1, p, ":"); print p[2], $NF}')
echo "$total exports, $strays outside the cs_<module>_<name> scheme"
((strays == 0))
