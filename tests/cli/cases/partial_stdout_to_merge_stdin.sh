#!/usr/bin/env bash
# --partial with no -o writes the partial to stdout (not a terminal), and
# merge reads one PART from stdin as `-`, in any position: both print the
# single run's result (printed once, then compared).
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
Q=(--by product --agg count,sum:price,last:note)
"$PCSV" aggregate sales.csv "${Q[@]}" >"$TMP/single.out" || exit
# shellcheck disable=SC2086
"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 0:300 $VARY >"$TMP/a" || exit
# shellcheck disable=SC2086
"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 300: $VARY >"$TMP/b" || exit
# shellcheck disable=SC2086
"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 300: $VARY |
	"$PCSV" merge "$TMP/a" - $MJ >"$TMP/m1.out" || exit
# shellcheck disable=SC2086
"$PCSV" merge - "$TMP/b" $MJ <"$TMP/a" >"$TMP/m2.out" || exit
cmp -s "$TMP/single.out" "$TMP/m1.out" && echo "a - (b on stdin): = single run" || echo "a - (b on stdin): DIFFERS"
cmp -s "$TMP/single.out" "$TMP/m2.out" && echo "- b (a on stdin): = single run" || echo "- b (a on stdin): DIFFERS"
cat "$TMP/m1.out"
