#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Issue 13: a spilled aggregate (--memory-limit 64K) is byte-identical to the
# in-memory run whatever orders, formats and writes the result: --sort on a
# result column (numeric, descending), on a key (descending), on a text
# result column (first/last); --format jsonl and tsv; -o FILE and -o
# FILE.zst (compared decompressed); several --by keys, one of them with an
# empty value; and no --by at all (one group: the median over every row,
# spilled as a value set). Same generated input as spill_every_function.
# --chunk-size 1 from $VARY becomes 64 but for the first combination (1-byte
# chunks are slow on 180 KB); --jobs is varied as usual.
cd "$TMP" || exit 1
awk 'BEGIN { srand(13); print "k1,k2,qty,price,sci,note,neg"
	split("alpha,beta,gamma,,delta", K, ",")
	for (i = 0; i < 3500; i++) {
		k1 = int(rand() * 1000); k2 = K[1 + int(rand() * 5)]
		q = int(rand() * 200) - 20
		p = rand() < 0.15 ? "" : sprintf("%.2f", rand() * 1000)
		s = sprintf("%.3e", (rand() - 0.5) * 10 ^ (int(rand() * 12) - 4))
		n = sprintf("\"note %d, \"\"q%d\"\"\"", int(rand() * 50), int(rand() * 7))
		if (rand() < 0.1) n = ""
		g = -int(rand() * 100000)
		print k1 "," k2 "," q "," p "," s "," n "," g } }' >in.csv
mkdir t
V1=$VARY
[[ $VARY == *"--chunk-size 1" ]] && V1=${VARY%1}64
agg="count,sum:price,first:note,last:note,median:qty,distinct:k2,max:sci"
# same LABEL VARIATION ARGS...: the in-memory and the spilled stdout compared
same() {
	local label=$1 v=$2
	shift 2
	"$PCSV" aggregate in.csv "$@" $v >mem.out
	echo "exit $?" >>mem.out
	"$PCSV" aggregate in.csv "$@" $v --memory-limit 64K --tmpdir t -q >spill.out
	echo "exit $?" >>spill.out
	cp mem.out "mem-$label.out"
	if cmp -s mem.out spill.out; then
		echo "$label: identical ($(($(wc -l <mem.out) - 1)) lines)"
	else
		echo "$label: DIFFERENT"
		diff mem.out spill.out | sed -n "1p; /^</{p;q}"; diff mem.out spill.out | grep -m1 "^>"
	fi
}
same "--sort count:desc" "$VARY" --by k1,k2 --agg "$agg" --sort count:desc
same "--sort k1:desc" "$V1" --by k1,k2 --agg "$agg" --sort k1:desc
same "--sort note_first:asc" "$V1" --by k1,k2 --agg "$agg" --sort note_first:asc
same "--sort note_last:desc" "$V1" --by k1,k2 --agg "$agg" --sort note_last:desc
same "--format jsonl" "$V1" --by k1,k2 --agg "$agg" --format jsonl
same "--format tsv" "$V1" --by k1,k2 --agg "$agg" --format tsv
same "--by k2,k1 (empty k2 values)" "$V1" --by k2,k1 --agg "$agg"
same "--by note,k2 (empty notes)" "$V1" --by note,k2 --agg count,sum:qty,median:neg
same "no --by" "$V1" --agg "count,median:price,p90:neg,distinct:note,distinct:k1,first:note,var:sci"
echo "--- in memory: --sort count:desc, no --by"
head -4 "mem---sort count:desc.out"
cat "mem-no --by.out"
echo "--- -o"
for o in x.csv x.csv.zst; do
	"$PCSV" aggregate in.csv --by k1,k2 --agg "$agg" $V1 -o "m-$o"
	echo "in memory -o $o: exit $?"
	"$PCSV" aggregate in.csv --by k1,k2 --agg "$agg" $V1 --memory-limit 64K --tmpdir t -q -o "s-$o"
	echo "spilled -o $o: exit $?"
done
zstd -qdc s-x.csv.zst >s-x.zst.csv && zstd -qdc m-x.csv.zst >m-x.zst.csv
cmp -s m-x.csv s-x.csv && echo "-o x.csv: identical"
cmp -s m-x.zst.csv s-x.zst.csv && echo "-o x.csv.zst: identical (decompressed)"
cmp -s m-x.csv s-x.zst.csv && echo "-o x.csv.zst: same rows as -o x.csv"
echo "hidden files left: [$(find . -maxdepth 1 -name '.?*' -printf '%f ')], tmpdir: [$(ls -A t | paste -sd ' ' -)]"
