#!/bin/bash
# Runs `fit --format json` of one jar on every case of cases.tsv (name, data file relative to the repository, formula,
# options; tab-separated) and, given a directory written by `bench --suite --write-data DIR`, on its data sets
# (formulas in bench-formulas.tsv). Writes OUTDIR/NAME.json (stdout), NAME.err (stderr) and exit.txt.
# Usage: docs/pipeline-compare/run-fits.sh JAR OUTDIR [BENCHDIR]     (from the repository's root)
# Used to show that a refactor leaves every fit byte-identical: run it with the jar before and after, then compare.sh.
JAR=$1; OUT=$2; BENCH=$3; HERE=$(dirname "$0")
mkdir -p "$OUT"; : > "$OUT/exit.txt"
grep -v '^#' "$HERE/cases.tsv" | while IFS=$'\t' read -r name data formula extra; do
  [ -z "$name" ] && continue
  java -jar "$JAR" fit --data "$data" --formula "$formula" $extra --format json > "$OUT/$name.json" 2> "$OUT/$name.err"
  echo "$? $name" >> "$OUT/exit.txt"
done
[ -z "$BENCH" ] && exit 0
while IFS=$'\t' read -r b formula extra; do
  java -jar "$JAR" fit --data "$BENCH/$b.csv" --formula "$formula" $extra --format json > "$OUT/bench_$b.json" 2> "$OUT/bench_$b.err"
  echo "$? bench_$b" >> "$OUT/exit.txt"
done < "$HERE/bench-formulas.tsv"
