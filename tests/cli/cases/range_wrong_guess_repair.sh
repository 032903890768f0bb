#!/usr/bin/env bash
# A wrong speculation, repaired: the range 2000:5000 starts inside a long
# quoted field whose lines look like the file's rows, so the guess
# (unquoted) is wrong. merge sees it against the previous range's end state
# and re-runs that range with --range-state quoted itself (the file is
# readable and unchanged): the single run's bytes. With the file renamed
# away it cannot: exit 1 and the exact command to re-run; the partial that
# command writes merges with the others. With the file changed: exit 1.
MJ=${VARY%%--chunk-size*}
cd "$TMP" || exit 1
{
	echo 'id,note,v'
	for i in 1 2 3 4 5; do echo "$i,plain$i,$i"; done
	printf '3,"begin\n'
	for i in $(seq 1 700); do echo "$((i % 7)),fake$i,$((i * 3))"; done
	printf 'end",11\n'
	for i in 1 2 3 4 5; do echo "$i,after$i,$i"; done
} >in.csv
touch -d '2026-01-01 00:00:00 UTC' in.csv
Q=(--by id --agg count,sum:v,first:note,last:note)
"$PCSV" aggregate in.csv "${Q[@]}" >single.out || exit
# shellcheck disable=SC2086
{
	"$PCSV" aggregate in.csv "${Q[@]}" --partial --range 0:2000 -o a $VARY &&
	"$PCSV" aggregate in.csv "${Q[@]}" --partial --range 2000:5000 -o b $VARY &&
	"$PCSV" aggregate in.csv "${Q[@]}" --partial --range 5000: -o c $VARY
} || exit
# shellcheck disable=SC2086
"$PCSV" merge c b a $MJ >m.out; echo "merge c b a: exit $?"
cmp -s single.out m.out && echo "= single run" || { echo "DIFFERS:"; cat m.out; }
mv in.csv away.csv
# shellcheck disable=SC2086
"$PCSV" merge a b c $MJ; echo "merge a b c, in.csv gone: exit $?"
mv away.csv in.csv
# shellcheck disable=SC2086
"$PCSV" aggregate in.csv "${Q[@]}" --partial --range 2000:5000 --range-state quoted -o b2 $VARY &&
	"$PCSV" merge a b2 c $MJ >m2.out; echo "merge a b2 c (b2 with --range-state quoted): exit $?"
cmp -s single.out m2.out && echo "= single run" || { echo "DIFFERS:"; cat m2.out; }
sed -i 's/fake100,/FAKE100,/' in.csv
# shellcheck disable=SC2086
"$PCSV" merge a b c $MJ; echo "merge a b c, in.csv changed: exit $?"
cat single.out
