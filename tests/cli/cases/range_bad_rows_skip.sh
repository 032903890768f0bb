#!/usr/bin/env bash
# --on-bad-row skip and warn: the merged ranges print the single run's
# result and the single run's bad-row summary (counts added up, the first
# bad row of the whole input), in any merge order.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/ragged.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
for mode in skip warn; do
	Q=(--agg count,sum:qty --on-bad-row "$mode")
	# shellcheck disable=SC2086
	{
		"$PCSV" aggregate ragged.csv "${Q[@]}" --partial --range 0:35 -o "$TMP/a" $VARY &&
		"$PCSV" aggregate ragged.csv "${Q[@]}" --partial --range 35: -o "$TMP/b" $VARY
	} || exit
	echo "--- $mode, single run:"
	"$PCSV" aggregate ragged.csv "${Q[@]}" 2>&1
	echo "--- $mode, merge b a:"
	# shellcheck disable=SC2086
	"$PCSV" merge b a $MJ 2>&1
done
