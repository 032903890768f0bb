#!/usr/bin/env bash
# pcsv dump prints a partial as text: the facts (format version, command,
# query, header, sources and ranges), then the groups. A small file with a
# fixed modification time (part of the source's identity), whole and as
# a range, an aggregate with every kind of state, a count, and a merged
# partial (of two ranges that leave the first row uncovered: no warning
# from merge --partial, whose result is not the final one; merging it
# would warn).
# The partials do not depend on --jobs or --chunk-size, so neither
# does the text.
cd "$TMP" || exit 1
printf 'k,x,t\r\na,1.5,"p\nq"\r\nb,2,\r\na,,z\r\n,7,y\n' >s.csv
touch -d '2026-01-01 00:00:00 UTC' s.csv
# shellcheck disable=SC2086
{
	"$PCSV" aggregate s.csv --by k --agg 'count,sum:x,mean:x,min:t,max:t,first:t,last:t,distinct:t,median:x,p90:x,var:x' --where 'k != "zz"' --partial -o all $VARY &&
	"$PCSV" aggregate s.csv --by k --agg count,sum:x --partial --range 12:30 -o r1 $VARY &&
	"$PCSV" aggregate s.csv --by k --agg count,sum:x --partial --range 30: -o r2 $VARY &&
	"$PCSV" count s.csv --partial -o c $VARY &&
	"$PCSV" merge --partial r1 r2 -o m
} || exit
for p in all r1 c m; do
	echo "=== pcsv dump $p"
	"$PCSV" dump "$p" || echo "exit $?"
done
