#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Several inputs are one table: the file column says where each dropped row
# came from, lines and offsets are those of that file, in argument order.
"$PCSV" aggregate part1.csv part3_bad.csv rejects_part.csv part2.csv --by region --agg count,sum:price \
	--on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
echo "--- the same file twice"
"$PCSV" count part3_bad.csv part3_bad.csv --rejects "$TMP/r.csv" $VARY
cat "$TMP/r.csv"
