#!/usr/bin/env bash
# Two partials that cover the same bytes of one file are refused: exit 1,
# "counted twice", the files named: overlapping ranges, the same partial
# twice (once on stdin), a whole-file partial with a range of it, and a
# merged partial with one of its own parts.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
Q=(--by region --agg count)
# shellcheck disable=SC2086
{
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 0:300 -o "$TMP/a" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 200: -o "$TMP/b" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 300: -o "$TMP/c" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial -o "$TMP/whole" $VARY
} || exit
cd "$TMP" || exit
# shellcheck disable=SC2086
{
	"$PCSV" merge a b $MJ; echo "merge a b (0:300, 200:): exit $?"
	"$PCSV" merge a - $MJ <a; echo "merge a - (a on stdin): exit $?"
	"$PCSV" merge whole c $MJ; echo "merge whole c: exit $?"
	"$PCSV" merge --partial a c -o ac $MJ && "$PCSV" merge ac c $MJ; echo "merge ac c: exit $?"
	"$PCSV" merge a c $MJ; echo "merge a c (0:300, 300:): exit $?"
}
