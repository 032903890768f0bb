#!/usr/bin/env bash
# --limit on a group table that spills (--memory-limit 64K: partitions
# finished one by one, each keeping only its first rows) is the head of the
# full result: by key, by a numeric result column with ties (count), by an
# exact sum, and by a text result column whose partitions may each look
# numeric (first:t: a few groups' first t is not a number, so the whole
# column sorts by bytes)
cd "$TMP" || exit 1
awk 'BEGIN { srand(5); print "k,v,t"; for (i = 0; i < 4000; i++) { k = int(rand() * 2000); printf "%d,%d,%s\n", k, i % 97 - 40, (k % 500 == 7 ? "x" k : i % 1000) } }' >g.csv
for q in "" "--sort count:desc" "--sort t_first"; do
	# shellcheck disable=SC2086
	"$PCSV" aggregate g.csv --by k --agg count,sum:v,first:t $q -q $VARY >full.out || exit
	# shellcheck disable=SC2086
	"$PCSV" aggregate g.csv --by k --agg count,sum:v,first:t $q --limit 9 --memory-limit 64K -q $VARY >lim.out || exit
	head -n 10 full.out | cmp -s - lim.out && r=same || r=DIFFERS
	echo "${q:-key order} --limit 9: $r"
	cat lim.out
done
