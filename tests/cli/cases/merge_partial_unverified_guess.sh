#!/usr/bin/env bash
# merge --partial of a mis-guessed range without its predecessor: b
# (2000:5000) starts inside a quoted field of lines that look like rows and
# guesses "outside quotes" (wrong); c (5000:) reaches the closing quote, so
# its own run found its true start state (known). Nothing in {b, c} tells
# merge that b's guess is wrong, and c's start is known: merge --partial
# must keep the facts for the final merge (which has a, the predecessor,
# and repairs b), not re-run c from b's guessed end state. Then the final
# merge prints the single run's bytes, whichever way it is grouped.
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
Q=(--by id --agg count,sum:v,first:note,last:note)
"$PCSV" aggregate in.csv "${Q[@]}" >single.out || exit
# shellcheck disable=SC2086
{
	"$PCSV" aggregate in.csv "${Q[@]}" --partial --range 0:2000 -o a $VARY &&
	"$PCSV" aggregate in.csv "${Q[@]}" --partial --range 2000:5000 -o b $VARY &&
	"$PCSV" aggregate in.csv "${Q[@]}" --partial --range 5000: -o c $VARY
} || exit
"$PCSV" dump b | grep -o 'quote state at start [a-z]* ([a-z]*)' | sed 's/^/b: /'
"$PCSV" dump c | grep -o 'quote state at start [a-z]* ([a-z]*)' | sed 's/^/c: /'
# shellcheck disable=SC2086
"$PCSV" merge --partial b c -o bc $MJ; echo "merge --partial b c: exit $?"
# shellcheck disable=SC2086
"$PCSV" merge a bc $MJ >m.out; echo "merge a bc: exit $?"
cmp -s single.out m.out && echo "= single run" || echo "DIFFERS"
