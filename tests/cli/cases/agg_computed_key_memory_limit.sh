#!/usr/bin/env bash
# A computed key under --memory-limit: 3000 days of timestamps, grouped by
# date_trunc("day", ts) and a plain column, spill (64K) and print the bytes
# of the unlimited run; -o writes them too.
cd "$TMP" || exit 1
awk 'BEGIN { srand(5); print "ts,c,v"; for (i = 0; i < 6000; i++) { d = int(rand() * 3000); printf "%04d-%02d-%02dT%02d:%02d:00,%s,%d\n", 2000 + int(d / 300), 1 + int(d / 25) % 12, 1 + d % 25, i % 24, i % 60, (i % 3 ? "a" : "b"), i } }' >t.csv
Q=(--by 'day=date_trunc("day", ts),c' --agg count,sum:v,median:v)
"$PCSV" aggregate t.csv "${Q[@]}" >single.out || exit
mkdir spill
# shellcheck disable=SC2086
"$PCSV" aggregate t.csv "${Q[@]}" --memory-limit 64K --tmpdir spill -q -o lim.out $VARY; echo "--memory-limit 64K: exit $?"
cmp -s single.out lim.out && echo "= unlimited run ($(wc -l <lim.out) lines)" || echo "DIFFERS"
head -3 lim.out
echo "left in --tmpdir: $(ls -A spill | wc -l)"
