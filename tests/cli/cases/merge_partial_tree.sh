#!/usr/bin/env bash
# merge --partial writes a partial again: four ranges reduced as a tree
# ((1 3) (4 2)) and as a chain merge to the single run's bytes; a merged
# partial also merges with plain ones. The intermediate merges have gaps
# (1 and 3 are not adjacent): no warning, since a merge --partial is not
# the final result; the final merges have none.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
Q=(--by product --agg 'count,sum:qty,var:price,median:price,distinct:region,first:note,last:note,min:region,max:price')
i=0
for r in 0:130 130:290 290:400 400:; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range $r -o "$TMP/$i" $VARY || exit
done
"$PCSV" aggregate sales.csv "${Q[@]}" >"$TMP/single.out" || exit
cd "$TMP" || exit
# shellcheck disable=SC2086
{
	"$PCSV" merge --partial 1 3 -o 13 $MJ &&
	"$PCSV" merge --partial 4 2 -o 42 $MJ &&
	"$PCSV" merge 42 13 $MJ >tree.out &&
	"$PCSV" merge --partial 2 -o c2 $MJ &&
	"$PCSV" merge --partial c2 3 -o c23 $MJ &&
	"$PCSV" merge --partial 4 c23 -o c234 $MJ &&
	"$PCSV" merge 1 c234 $MJ >chain.out &&
	"$PCSV" merge 13 4 2 $MJ >mixed.out
} || exit
for f in tree chain mixed; do
	cmp -s single.out $f.out && echo "$f: = single run" || { echo "$f: DIFFERS"; cat $f.out; }
done
cat tree.out
