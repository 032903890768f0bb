#!/usr/bin/env bash
# count --partial of two files (and of ranges of one, with --where) merges
# to the bare number the single count prints.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/part1.csv" "$TD/part2.csv" "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
# shellcheck disable=SC2086
{
	"$PCSV" count part1.csv --partial -o "$TMP/c1" --file-index 1 $VARY &&
	"$PCSV" count part2.csv --partial -o "$TMP/c2" --file-index 2 $VARY &&
	"$PCSV" count sales.csv --where 'qty > 4' --partial --range 0:200 -o "$TMP/w1" $VARY &&
	"$PCSV" count sales.csv --where 'qty > 4' --partial --range 200: -o "$TMP/w2" $VARY
} || exit
echo "single: $("$PCSV" count part1.csv part2.csv) and $("$PCSV" count sales.csv --where 'qty > 4')"
cd "$TMP" || exit
# shellcheck disable=SC2086
echo "merged: $("$PCSV" merge c2 c1 $MJ) and $("$PCSV" merge w2 w1 $MJ)"
