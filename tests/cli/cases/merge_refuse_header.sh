#!/usr/bin/env bash
# The same query over files with different headers: exit 2 naming the file.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/other_header.csv" "$TD/part1.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
# shellcheck disable=SC2086
{
	"$PCSV" aggregate part1.csv --by region --agg count,sum:price --partial -o "$TMP/p1" $VARY &&
	"$PCSV" aggregate other_header.csv --by region --agg count,sum:price --partial --file-index 2 -o "$TMP/oh" $VARY
} || exit
cd "$TMP" || exit
# shellcheck disable=SC2086
"$PCSV" merge p1 oh $MJ
