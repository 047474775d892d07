#!/bin/sh
# run_inputs.sh FUZZER DIR: runs FUZZER once on every regular file in DIR (none: passes).
# Exits non-zero when any input crashes; libFuzzer prints which one.
set -eu
fuzzer=$1
dir=$2
[ -d "$dir" ] || { echo "no inputs: $dir does not exist"; exit 0; }
set --
for f in "$dir"/* "$dir"/.[!.]*; do
  [ -f "$f" ] || continue
  case "$(basename "$f")" in .gitkeep|README*) continue ;; esac
  set -- "$@" "$f"
done
[ $# -gt 0 ] || { echo "no inputs in $dir"; exit 0; }
echo "running $# input(s) from $dir"
exec "$fuzzer" -runs=1 "$@"
