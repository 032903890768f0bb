#!/usr/bin/env bash
# Rows whose quoted field runs more than 1 MiB past the chunk that owns
# them are scanned in the mapping instead of the worker's buffer
# (pipeline.c, WINDOW_LONG_ROW); shorter ones grow the buffer. The same
# answer at every jobs and chunk size, equal to the libcsv reference; an
# unclosed quote before 2 MB of rows is the unterminated-field error at its
# line (those 2 MB are scanned in the mapping, never copied to the heap).
cd "$TMP" || exit 1
awk 'BEGIN {
    print "k,v,t"
    for (i = 1; i <= 12; i++) {
        n = (i % 4 == 0) ? 1200000 : (i % 4 == 1) ? 70000 : 20
        s = ""; for (j = 0; j < 40; j++) s = s "ab,\n\"\"c"
        t = ""; while (length(t) < n) t = t s
        printf "%s,%d,\"%s\"\n", (i % 2 ? "x" : "y"), i, t
    }
}' > long.csv
echo "$(wc -c < long.csv) bytes"
"$PCSV" aggregate long.csv --by k --agg count,sum:v --parser libcsv
for j in 1 2 4; do
    for cs in 4K 64K 1M 8M; do
        "$PCSV" aggregate long.csv --by k --agg count,sum:v,first:v,last:v,max:t --jobs $j --chunk-size $cs | md5sum
    done
done | sort | uniq -c | sed 's/^ *//'
"$PCSV" filter long.csv --where 'v >= 11' --jobs 2 --chunk-size 64K | md5sum
"$PCSV" filter long.csv --where 'v >= 11' --jobs 1 --chunk-size 8M | md5sum
awk 'BEGIN { print "k,v,t"; print "x,1,\"never closed"; for (i = 0; i < 200000; i++) print "y,2,plain" }' > open.csv
"$PCSV" count open.csv --jobs 2 --chunk-size 64K
echo "exit $?"
