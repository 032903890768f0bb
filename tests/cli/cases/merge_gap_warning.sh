#!/usr/bin/env bash
# Gaps between the ranges of one file are a warning naming them (stderr,
# `pcsv: warning: ...`), and the result of what was given is still printed
# (exit 0); -q silences the warning. Ranges 0:120 and 400: leave a gap; so
# does a missing last range (only 0:120 and 120:400).
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
Q=(--by region --agg count,sum:qty)
# shellcheck disable=SC2086
{
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 0:120 -o "$TMP/a" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 120:400 -o "$TMP/b" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 400: -o "$TMP/c" $VARY
} || exit
cd "$TMP" || exit
# shellcheck disable=SC2086
{
	"$PCSV" merge c a $MJ; echo "merge c a: exit $?"
	"$PCSV" merge a b $MJ; echo "merge a b: exit $?"
	"$PCSV" merge c b $MJ; echo "merge c b: exit $?"
	"$PCSV" merge c a -q $MJ; echo "merge c a -q: exit $?"
}
