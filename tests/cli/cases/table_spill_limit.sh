#!/usr/bin/env bash
# --format table through a spilled group table (runs rendered in
# partitions, merged) with --limit: the same text as in memory
cd "$TMP" || exit 1
awk 'BEGIN { srand(9); print "k,v,t"; for (i = 0; i < 3000; i++) { k = int(rand() * 1500); printf "%d,%d,%s\n", k, i % 89 - 30, (k % 7 ? "w" k % 11 : "") } }' >g.csv
# shellcheck disable=SC2086
"$PCSV" aggregate g.csv --by k --agg count,sum:v,first:t --sort v_sum:desc --limit 6 --format table -q $VARY >mem.out || exit
# shellcheck disable=SC2086
"$PCSV" aggregate g.csv --by k --agg count,sum:v,first:t --sort v_sum:desc --limit 6 --format table --memory-limit 64K -q $VARY >spill.out || exit
cmp -s mem.out spill.out && echo "spilled: same text" || echo DIFFERS
cat spill.out
