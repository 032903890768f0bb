#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# --sort on first/last/min of a column that is numbers but for a few text
# values: some hash partitions see only numbers in their result cells, so
# they sort their run numerically, while the whole column compares as bytes;
# the merge must re-sort those runs (aggradix.c resort_run). Spilled (64K)
# and flushed runs give the in-memory bytes.
cd "$TMP" || exit 1
awk 'BEGIN { srand(5); print "k,c"; for (i = 0; i < 20000; i++) { v = (rand() < 0.002) ? "x" int(rand() * 100) : int(rand() * 1000); print int(rand() * 5000) "," v } }' >rs.csv
for s in c_first c_first:desc c_last c_min:desc; do
	"$PCSV" aggregate rs.csv --by k --agg count,first:c,last:c,min:c --sort $s $VARY >a.out
	"$PCSV" aggregate rs.csv --by k --agg count,first:c,last:c,min:c --sort $s --memory-limit 64K -q $VARY >b.out
	PCSV_AGG_FLUSH_GROUPS=100 PCSV_AGG_FLUSH_SMALL=50 "$PCSV" aggregate rs.csv --by k --agg count,first:c,last:c,min:c --sort $s $VARY >c.out
	cmp -s a.out b.out && cmp -s a.out c.out && echo "--sort $s: spilled and flushed identical" || echo "--sort $s: DIFFERENT"
	head -3 a.out
done
