#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Issue 13: an aggregate that spills (--memory-limit 64K: several flush and
# spill rounds over 128 hash partitions, runs in unnamed temporary files)
# prints byte for byte what the in-memory run prints, for every aggregate
# function. The input (generated, fixed seed) has ~2500 groups of
# k1 (0..999) x k2 (four strings and the empty key) and columns of every kind:
# integers, 2-decimal prices with empty cells, reals in exponent notation,
# quoted text with commas and quotes (some empty), negative integers.
# Every function is compared on its own (so its records alone fill the
# table), then all of them in one run; a few in-memory results are shown so
# the expected output pins real values. The per-function runs take --jobs
# from $VARY but not --chunk-size 1 (1-byte chunks are slow on 180 KB; the
# all-functions runs take $VARY whole). The spill message is checked once,
# its size masked (it depends on --jobs and --chunk-size).
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
# same LABEL VARIATION AGG: the in-memory and the spilled result compared
same() {
	"$PCSV" aggregate in.csv --by k1,k2 --agg "$3" $2 >mem.csv
	echo "exit $?" >>mem.csv
	"$PCSV" aggregate in.csv --by k1,k2 --agg "$3" $2 --memory-limit 64K --tmpdir t -q >spill.csv
	echo "exit $?" >>spill.csv
	cp mem.csv "mem-$1.csv"
	if cmp -s mem.csv spill.csv; then
		echo "$1: identical ($(($(wc -l <mem.csv) - 2)) groups)"
	else
		echo "$1: DIFFERENT"
		diff mem.csv spill.csv | sed -n "1p; /^</{p;q}"; diff mem.csv spill.csv | grep -m1 "^>"
	fi
}
same count "$V1" count
same count:C "$V1" count:qty,count:price,count:sci,count:note
same sum "$V1" sum:qty,sum:price,sum:sci,sum:neg
same mean "$V1" mean:qty,mean:price,mean:sci,mean:neg
same min "$V1" min:qty,min:price,min:sci,min:note,min:neg,min:k2
same max "$V1" max:qty,max:price,max:sci,max:note,max:neg,max:k2
same first "$V1" first:qty,first:price,first:sci,first:note,first:neg
same last "$V1" last:qty,last:price,last:sci,last:note,last:neg
same distinct "$V1" distinct:qty,distinct:price,distinct:note,distinct:k2
same median "$V1" median:qty,median:price,median:sci,median:neg
same p90 "$V1" p90:qty,p90:price,p90:sci,p90:neg
same p12.5 "$V1" p12.5:qty,p12.5:price,p12.5:sci
same var "$V1" var:qty,var:price,var:sci,var:neg
same stddev "$V1" stddev:qty,stddev:price,stddev:sci,stddev:neg
all=count,count:price,sum:price,mean:sci,min:note,max:price,first:note,last:price,distinct:note
all=$all,median:price,p90:sci,p12.5:neg,var:qty,stddev:price,sum:sci,min:sci,max:note
same "all functions in one run" "$VARY" "$all"
echo "--- in memory, first rows"
for f in sum first p12.5 stddev max; do head -4 "mem-$f.csv"; done
"$PCSV" aggregate in.csv --by k2 --agg count,distinct:note,min:note,max:note,sum:sci,median:neg $V1
echo "--- the spill message (without -q)"
"$PCSV" aggregate in.csv --by k1,k2 --agg count,median:price $V1 --memory-limit 64K --tmpdir t 2>err >/dev/null
echo "exit $?, $(grep -c '^pcsv: spilled ' err) line(s): $(sed -E "s|[0-9]+\.[0-9] KiB|N.N KiB|; s|$TMP/||" err)"
echo "tmpdir after all runs: [$(ls -A t | paste -sd ' ' -)]"
