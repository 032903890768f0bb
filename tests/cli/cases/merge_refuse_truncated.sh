#!/usr/bin/env bash
# A truncated partial is refused: exit 1, the file named, with the byte
# offset where it ends; nothing on stdout. Cut in its middle, one byte
# short, inside the first section's block header (20 bytes), and inside
# the magic (5 bytes: truncated too, the magic so far). b, the other half of the
# file, is whole. (The partials are written at --jobs 1, so
# the offsets do not depend on the variation; merge runs at each --jobs.)
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . && touch -d @1700000000 sales.csv || exit 1
# (a fixed modification time: it is in the partial, so its length does not
# vary with when the file was copied)
MJ=${VARY%%--chunk-size*}
Q=(--by region --agg count,sum:price,median:qty)
"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 0:300 -o a --jobs 1 || exit
"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 300: -o b --jobs 1 || exit
n=$(wc -c <a)
head -c $((n / 2)) a >half
head -c $((n - 1)) a >short1
head -c 20 a >twenty
head -c 5 a >five
# shellcheck disable=SC2086
for t in half short1 twenty five; do
	"$PCSV" merge b $t $MJ
	echo "$t: exit $?"
done
