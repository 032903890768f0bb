#!/usr/bin/env bash
# merge repairs several mis-guessed ranges among eight partials: the ranges
# 1000:2000 ... 6000:7000 start inside one long quoted field whose lines
# look like rows (each guesses "outside quotes", wrongly) and 7000: reaches
# its closing quote. Every repair adds a re-run's partial to the ones merge
# holds (eight, then more): the result is the single run's, for count and
# for aggregate.
MJ=${VARY%%--chunk-size*}
cd "$TMP" || exit 1
{
	echo 'id,note,v'
	printf '3,"begin\n'
	for i in $(seq 1 1000); do echo "$((i % 7)),fake$i,$i"; done
	printf 'end",11\n1,after,1\n'
} >in.csv
for cmd in count aggregate; do
	Q=()
	[ $cmd = aggregate ] && Q=(--by id --agg count,sum:v,last:v)
	"$PCSV" $cmd in.csv "${Q[@]}" >single.out || exit
	i=0 parts=()
	for r in 0:1000 1000:2000 2000:3000 3000:4000 4000:5000 5000:6000 6000:7000 7000:; do
		# shellcheck disable=SC2086
		"$PCSV" $cmd in.csv "${Q[@]}" --partial --range $r -o p$i $VARY || exit
		parts+=(p$i)
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	"$PCSV" merge "${parts[@]}" $MJ >m.out; echo "$cmd: merge of 8: exit $?"
	cmp -s single.out m.out && echo "$cmd: = single run" || { echo "$cmd: DIFFERS"; cat m.out; }
done
cat single.out
