#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Issue 13: a large result in key order is not merged from the partitions'
# sorted runs but cut into key-range buckets at splitters from the first
# partition finished, each bucket sorted alone by a radix sort on the keys'
# 8-byte images (aggradix.c, "buckets"). PCSV_AGG_BUCKET_ROWS=1 takes that
# path for any size, PCSV_AGG_FLUSH_* send every group through the
# partitions; the result must be the plain run's, byte for byte. The keys
# are chosen so that the images tie and the whole comparison must decide:
# numbers written several ways ("7", "07", "7.0", "-0", "0", "1e3",
# integers past 2^53 that are the same double), strings that share their
# first 8 bytes or pad with NULs' places, bytes 0xff (the image of an empty
# key), empty keys. Whether the bucket path ran is seen from PCSV_AGG_TIMES
# (its last phase is named "buckets").
cd "$TMP" || exit 1
awk 'BEGIN { srand(21); print "n,s,t,v"
	split("7,07,7.0,-0,0,0.0,1e3,1000,-12,-12.5,9007199254740993,9007199254740992,,3,30,300,-7", N, ",")
	split("customer_0001,customer_0002,customer_00010,abcdefgh,abcdefg,abcdefgh1,\377\377\377\377\377\377\377\377,\377\377\377\377\377\377\377\377\377,,x,P001,P0010", S, ",")
	for (i = 0; i < 6000; i++) {
		n = N[1 + int(rand() * 17)]; s = S[1 + int(rand() * 12)]
		t = rand() < 0.5 ? int(rand() * 400) : "id" int(rand() * 400)
		print n "," s "," t "," int(rand() * 1000) / 10 } }' >in.csv
# same LABEL ARGS...: the plain and the bucketed stdout compared
same() {
	local label=$1
	shift
	"$PCSV" aggregate in.csv "$@" $VARY >plain.out 2>/dev/null
	echo "exit $?" >>plain.out
	PCSV_AGG_TIMES=1 PCSV_AGG_BUCKET_ROWS=1 PCSV_AGG_FLUSH_GROUPS=7 PCSV_AGG_FLUSH_SMALL=3 \
		PCSV_AGG_FINISH_GROUPS=1 "$PCSV" aggregate in.csv "$@" $VARY >b.out 2>times.txt
	echo "exit $?" >>b.out
	local path="not bucketed"
	grep -q "^aggradix: buckets" times.txt && path="bucketed"
	if cmp -s plain.out b.out; then
		echo "$label: identical, $path ($(($(wc -l <plain.out) - 2)) groups)"
	else
		echo "$label: DIFFERENT, $path"
		diff plain.out b.out | head -5
	fi
}
same "--by n" --by n --agg count,sum:v
same "--by s" --by s --agg count,mean:v,first:t
same "--by t (numbers and text)" --by t --agg count,max:v
same "--by n,s" --by n,s --agg count,sum:v,median:v
same "--by s,n" --by s,n --agg count,distinct:t
same "--by s,t,n" --by s,t,n --agg count,last:v
same "--by t,n --sort t" --by t,n --agg count --sort t
same "--by t,n --sort t:desc (not bucketed)" --by t,n --agg count --sort t:desc
same "--by n,s --sort count:desc (not bucketed)" --by n,s --agg count --sort count:desc
same "--by n,s --limit 5 (not bucketed)" --by n,s --agg count --limit 5
same "--format tsv" --by n,s --agg count,sum:v --format tsv
same "--format jsonl" --by s,n --agg count,p90:v --format jsonl
same "--format table" --by n,t --agg count --format table
# one group: the first partition with rows gives no splitter at all
head -2 in.csv >one.csv
PCSV_AGG_BUCKET_ROWS=1 PCSV_AGG_FLUSH_GROUPS=1 PCSV_AGG_FLUSH_SMALL=1 PCSV_AGG_FINISH_GROUPS=1 \
	"$PCSV" aggregate one.csv --by n,s --agg count,sum:v $VARY
echo "exit $?"
echo "--- plain, --by n"
"$PCSV" aggregate in.csv --by n --agg count,sum:v $VARY
