#!/bin/bash
# Byte comparison of two run-fits.sh outputs: every case's JSON and the exit codes.
# Usage: docs/pipeline-compare/compare.sh BEFOREDIR AFTERDIR
A=$1; B=$2; same=0; diff=0
for f in "$A"/*.json; do n=$(basename "$f")
  if cmp -s "$f" "$B/$n"; then same=$((same+1)); else diff=$((diff+1)); echo "DIFFERS: $n"; fi
done
cmp -s "$A/exit.txt" "$B/exit.txt" && echo "exit codes: identical" || echo "exit codes: DIFFER"
echo "identical: $same, different: $diff (of $(ls "$A"/*.json | wc -l))"
