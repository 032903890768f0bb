#!/usr/bin/env bash
# A partial's bytes do not depend on --jobs or --chunk-size (as a result's
# do not): each variation's partial equals the --jobs 1 one, for a whole
# file and for a range.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
Q=(--by region --agg 'count,sum:price,median:qty,distinct:product,first:note,var:price')
# shellcheck disable=SC2086
{
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial -o "$TMP/v" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial -o "$TMP/j1" --jobs 1 &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 100:500 -o "$TMP/rv" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 100:500 -o "$TMP/rj1" --jobs 1
} || exit
cmp -s "$TMP/v" "$TMP/j1" && echo "whole file: identical" || echo "whole file: DIFFERENT"
cmp -s "$TMP/rv" "$TMP/rj1" && echo "range 100:500: identical" || echo "range 100:500: DIFFERENT"
