#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# --format jsonl writes a value as a JSON number only when its text already
# is one by RFC 8259's grammar; 02134, .5, 5., +5, -.5, inf, nan, 007, 0x1F
# and 1e stay strings (issue 11: {"zip":02134,"amt_first":.5} was written).
# -0, -0.00, 1e5 and 1E+5 are JSON numbers as they are.
printf 'zip,amt\n02134,.5\n' | "$PCSV" aggregate --by zip --agg first:amt --format jsonl $VARY
printf 'k,v\n' >"$TMP/n.csv"
i=0
for v in 02134 .5 5. +5 -.5 inf -inf nan NaN Infinity 1e5 1E+5 1e-5 1e 1e+ .5e3 -0 -0.00 0.0 \
	007 -05 0x1F 12 -12.5 1.5e300; do
	i=$((i + 1))
	printf '%s,%s\n' "$i" "$v" >>"$TMP/n.csv"
done
for cmd in "select v" "filter" "head -n 100"; do
	echo "--- $cmd"
	"$PCSV" $cmd "$TMP/n.csv" --format jsonl $VARY
done
echo "--- aggregate"
"$PCSV" aggregate "$TMP/n.csv" --by v --agg count,first:k,first:v,last:v,sum:k --format jsonl $VARY
echo "--- stats"
"$PCSV" stats "$TMP/n.csv" --format jsonl $VARY
