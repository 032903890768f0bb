#!/usr/bin/env bash
# A truncated partial (cut in its middle, and cut to its first 5 bytes) is
# refused: exit 1, the file named, with the byte offset; nothing on stdout.
# (The partials are written at the default options, so the offsets do not
# depend on the variation; merge runs at each --jobs.)
MJ=${VARY%%--chunk-size*}
"$PCSV" aggregate sales.csv --by region --agg count,sum:price,median:qty --partial -o "$TMP/a" || exit
"$PCSV" aggregate part1.csv --by region --agg count,sum:price,median:qty --partial -o "$TMP/b" || exit
cd "$TMP" || exit
n=$(wc -c <a)
head -c $((n / 2)) a >half
head -c 5 a >five
head -c $((n - 1)) a >short1
# shellcheck disable=SC2086
for t in half five short1; do
	"$PCSV" merge b $t $MJ
	echo "$t: exit $?"
done
