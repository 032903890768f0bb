#!/usr/bin/env bash
# The parallel merge of runs in memory (aggradix.c merge_runs): each run is
# cut at sample quantiles and the ranges are merged by --jobs threads. With
# long rows every run spans several segments, so some cuts fall on the first
# record of a segment: a reader must stop there, not print it twice (a bug
# found at --jobs 8 on 2M groups). PCSV_AGG_PMERGE_ROWS=1 merges in parallel
# however small the result; PCSV_AGG_FLUSH_* send every group through the
# partitions. Compared with the plain run, for 1, 2, 4 and 7 jobs (run once:
# the case picks its own --jobs).
cd "$TMP" || exit 1
awk 'BEGIN { srand(9); print "k,n"; pad = sprintf("%900s", ""); gsub(/ /, "z", pad);
	for (i = 0; i < 20000; i++) print i "," pad int(rand() * 1e6) }' >long.csv
"$PCSV" aggregate long.csv --by k --agg count,first:n --jobs 1 >a.out
for j in 1 2 4 7; do
	PCSV_AGG_PMERGE_ROWS=1 PCSV_AGG_FLUSH_GROUPS=1000 PCSV_AGG_FLUSH_SMALL=500 \
		"$PCSV" aggregate long.csv --by k --agg count,first:n --jobs $j >b.out
	cmp -s a.out b.out && echo "jobs $j: identical ($(wc -l <b.out) lines)" || echo "jobs $j: DIFFERENT ($(wc -l <b.out) lines)"
done
