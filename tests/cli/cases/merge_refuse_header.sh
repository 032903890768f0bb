#!/usr/bin/env bash
# The same query over files with different headers: exit 2 naming the file.
MJ=${VARY%%--chunk-size*}
# shellcheck disable=SC2086
{
	"$PCSV" aggregate part1.csv --by region --agg count,sum:price --partial -o "$TMP/p1" $VARY &&
	"$PCSV" aggregate other_header.csv --by region --agg count,sum:price --partial --file-index 2 -o "$TMP/oh" $VARY
} || exit
cd "$TMP" || exit
# shellcheck disable=SC2086
"$PCSV" merge p1 oh $MJ
