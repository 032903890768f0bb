#!/usr/bin/env bash
# merge's output options: -o FILE (stdout empty), -o FILE.zst (zstd; the
# decompressed bytes equal the single run's), --format tsv and jsonl, and
# --sort, each compared with the single run given the same options.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
Q=(--by region --agg 'count,sum:price,mean:qty,first:note')
# shellcheck disable=SC2086
{
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 0:250 -o "$TMP/1.part" $VARY &&
	"$PCSV" aggregate sales.csv "${Q[@]}" --partial --range 250: -o "$TMP/2.part" $VARY
} || exit
cd "$TMP" || exit
same() { cmp -s "$1" "$2" && echo "$3: = single run" || { echo "$3: DIFFERS"; cat "$2"; }; }
# shellcheck disable=SC2086
{
	"$PCSV" merge 2.part 1.part -o out.csv $MJ >stdout.txt && echo "-o out.csv: exit 0, stdout $(wc -c <stdout.txt) bytes"
	"$PCSV" aggregate sales.csv "${Q[@]}" >single.csv
	same single.csv out.csv "-o out.csv"
	"$PCSV" merge 1.part 2.part -o out.csv.zst $MJ && zstd -q -dc out.csv.zst >zst.csv
	same single.csv zst.csv "-o out.csv.zst (zstd -dc)"
	for f in tsv jsonl; do
		"$PCSV" merge 1.part 2.part --format $f $MJ >m.$f
		"$PCSV" aggregate sales.csv "${Q[@]}" --format $f >s.$f
		same s.$f m.$f "--format $f"
		cat m.$f
	done
	"$PCSV" merge 2.part 1.part --sort price_sum:desc $MJ >m.sort
	"$PCSV" aggregate sales.csv "${Q[@]}" --sort price_sum:desc >s.sort
	same s.sort m.sort "--sort price_sum:desc"
	cat m.sort
}
