#!/usr/bin/env bash
# --range offsets with K suffixes (powers of 1024) and an empty END; an
# empty range (S:S) and a range past the end of the file are ranges of no
# rows: merged with the rest they change nothing. The file is 3000 bytes.
MJ=${VARY%%--chunk-size*}
cd "$TMP" || exit 1
awk 'BEGIN { print "k,v"; for (i = 0; i < 500; i++) printf "%d,%d\n", i % 7, i }' | head -c 3000 >f.csv
"$PCSV" aggregate f.csv --by k --agg count,sum:v,last:v >single.out || exit
# shellcheck disable=SC2086
{
	"$PCSV" aggregate f.csv --by k --agg count,sum:v,last:v --partial --range 0:1K -o a $VARY &&
	"$PCSV" aggregate f.csv --by k --agg count,sum:v,last:v --partial --range 1K:1024 -o empty $VARY &&
	"$PCSV" aggregate f.csv --by k --agg count,sum:v,last:v --partial --range 1024:2K -o b $VARY &&
	"$PCSV" aggregate f.csv --by k --agg count,sum:v,last:v --partial --range 2048: -o c $VARY &&
	"$PCSV" merge c empty b a $MJ >m.out
} || exit
cmp -s single.out m.out && echo "0:1K 1K:1024 1024:2K 2048: = single run" || { echo "DIFFERS:"; cat m.out; }
# shellcheck disable=SC2086
"$PCSV" aggregate f.csv --by k --agg count --partial --range 3000: -o end $VARY; echo "3000: (at the end): exit $?"
# shellcheck disable=SC2086
"$PCSV" aggregate f.csv --by k --agg count --partial --range 5000:6000 -o past $VARY; echo "5000:6000 (past the end): exit $?"
