#!/usr/bin/env bash
# Partials of different queries never merge (SPEC 6): exit 2 with a message
# naming the file; so for a different --by, --where, --agg and a count
# partial given to an aggregate merge.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
# shellcheck disable=SC2086
{
	"$PCSV" aggregate sales.csv --by region --agg count --partial -o "$TMP/a" $VARY &&
	"$PCSV" aggregate sales.csv --by region --agg count,sum:qty --partial -o "$TMP/agg" $VARY &&
	"$PCSV" aggregate sales.csv --by product --agg count --partial -o "$TMP/by" $VARY &&
	"$PCSV" aggregate sales.csv --by region --agg count --where 'qty > 1' --partial -o "$TMP/where" $VARY &&
	"$PCSV" count sales.csv --partial -o "$TMP/count" $VARY
} || exit
cd "$TMP" || exit
for b in agg by where count; do
	# shellcheck disable=SC2086
	"$PCSV" merge a $b $MJ
	echo "merge a $b: exit $?"
done
