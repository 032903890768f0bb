#!/usr/bin/env bash
# shellcheck disable=SC2086 # $V is split on purpose
# 100,000 columns (c1..c100000, 3 rows, generated here), through every
# command; then a row one field short is reported with both counts.
# Runs once (.once) at two settings of its own: at --chunk-size 1 a run
# takes seconds (1.8 M chunks), too slow for the nine standard variations.
awk 'BEGIN { n = 100000; for (i = 1; i <= n; i++) printf "c%d%s", i, i < n ? "," : "\n";
             for (r = 0; r < 3; r++) for (i = 1; i <= n; i++) printf "%d%s", r * 10 + i % 7, i < n ? "," : "\n" }' >"$TMP/wide.csv"
cd "$TMP" || exit 1
for V in "--jobs 1" "--jobs 4 --chunk-size 4096"; do
"$PCSV" headers wide.csv $V | sed -n '1p;$p'
"$PCSV" count wide.csv --where 'c100000 > 10' $V
"$PCSV" aggregate wide.csv --by c100000 --agg count,sum:c99999,max:c1 $V
"$PCSV" select c100000,c1,50000 wide.csv $V
"$PCSV" filter wide.csv $V | cmp - wide.csv && echo "filter: byte-identical"
"$PCSV" head -n 1 wide.csv --format jsonl $V | wc -c
done
awk 'BEGIN { for (i = 1; i < 100000; i++) printf "%d%s", i, i < 99999 ? "," : "\n" }' >>wide.csv
"$PCSV" count wide.csv $V
echo "one field short: exit $?"
rm -f wide.csv
