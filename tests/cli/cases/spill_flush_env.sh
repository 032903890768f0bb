#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Issue 13: PCSV_AGG_FLUSH_GROUPS=7 PCSV_AGG_FLUSH_SMALL=3 make every worker
# flush its groups into the 128 partitions after a handful of groups (many
# flushes, no memory limit, nothing written to disk), and the partitions
# are finished and merged as after a spill: the result is byte-identical
# to the plain run for every function mix, --sort and --format. That the
# flush path was taken is seen from PCSV_AGG_TIMES=1 (aggradix's phase
# times on stderr, a measuring hook: only whether a "finish" line appears
# is used). Same generated input as spill_every_function.
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
V1=$VARY
[[ $VARY == *"--chunk-size 1" ]] && V1=${VARY%1}64
# same LABEL VARIATION ARGS...: the plain and the many-flushes stdout compared
same() {
	local label=$1 v=$2
	shift 2
	"$PCSV" aggregate in.csv "$@" $v >plain.out
	echo "exit $?" >>plain.out
	PCSV_AGG_TIMES=1 PCSV_AGG_FLUSH_GROUPS=7 PCSV_AGG_FLUSH_SMALL=3 \
		"$PCSV" aggregate in.csv "$@" $v >flush.out 2>times.txt
	echo "exit $?" >>flush.out
	local path="flushed"
	grep -q "^aggradix: finish" times.txt || path="not flushed"
	if cmp -s plain.out flush.out; then
		echo "$label: identical, $path ($(($(wc -l <plain.out) - 1)) lines)"
	else
		echo "$label: DIFFERENT, $path"
		diff plain.out flush.out | sed -n "1p; /^</{p;q}"
		diff plain.out flush.out | grep -m1 "^>"
	fi
}
same "count,sum,mean,min,max" "$VARY" --by k1,k2 --agg count,sum:price,sum:sci,mean:qty,min:note,max:price,min:sci
same "first,last,distinct" "$V1" --by k1,k2 --agg first:note,last:note,first:price,distinct:note,distinct:k2
same "median,pN,var,stddev" "$V1" --by k1,k2 --agg median:qty,p90:price,p12.5:sci,var:neg,stddev:price
same "--by k2 (5 groups: under 7, no flush)" "$V1" --by k2 --agg count,median:price,distinct:note,first:note,sum:sci
same "no --by (1 group, no flush)" "$V1" --agg count,median:price,distinct:k1,last:note,mean:sci
same "--sort price_sum:desc" "$V1" --by k1 --agg count,sum:price,last:note --sort price_sum:desc
same "--format tsv" "$V1" --by k1,k2 --agg count,max:note,p90:neg --format tsv
same "--format jsonl" "$V1" --by k1,k2 --agg count,max:note,p90:neg --format jsonl
echo "--- plain, --by k2"
"$PCSV" aggregate in.csv --by k2 --agg count,median:price,distinct:note,first:note,sum:sci $V1
