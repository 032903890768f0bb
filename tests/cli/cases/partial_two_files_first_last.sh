#!/usr/bin/env bash
# Two FILEs: partials written one file at a time (--file-index 1 and 2)
# merge, in either order, to the single run `aggregate part1.csv part2.csv`
# (first/last follow the file order, not the merge order); so does one
# partial of both files on one command line.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/part1.csv" "$TD/part2.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
Q=(--by region --agg 'count,sum:qty,first:price,last:price,min:price,median:qty')
# shellcheck disable=SC2086
{
	"$PCSV" aggregate part1.csv "${Q[@]}" --partial --file-index 1 -o "$TMP/1.part" $VARY &&
	"$PCSV" aggregate part2.csv "${Q[@]}" --partial --file-index 2 -o "$TMP/2.part" $VARY &&
	"$PCSV" aggregate part1.csv part2.csv "${Q[@]}" --partial -o "$TMP/12.part" $VARY &&
	"$PCSV" aggregate part1.csv part2.csv "${Q[@]}" >"$TMP/single.out"
} || exit
cd "$TMP" || exit
# shellcheck disable=SC2086
for order in "1.part 2.part" "2.part 1.part" "12.part"; do
	"$PCSV" merge $order $MJ >m.out || exit
	cmp -s single.out m.out && echo "merge $order = single run" || { echo "merge $order DIFFERS:"; cat m.out; }
done
cat single.out
