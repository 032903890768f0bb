#!/usr/bin/env bash
# merge under --memory-limit (its group table spills to --tmpdir and
# finishes partition by partition, as aggregate's does): four ranges of a
# file of 3000 groups, merged with --memory-limit 64K, print the single
# run's bytes, and leave nothing in the --tmpdir; so does merge --partial
# under the limit followed by a plain merge. (-q: the spill note's sizes
# are not the point here.)
MJ=${VARY%%--chunk-size*}
cd "$TMP" || exit 1
awk 'BEGIN { srand(3); print "k,v,t"; for (i = 0; i < 6000; i++) printf "%d,%d,x%d\n", int(rand() * 3000), i, i % 13 }' >g.csv
Q=(--by k --agg count,sum:v,median:v,distinct:t,last:t)
"$PCSV" aggregate g.csv "${Q[@]}" >single.out || exit
size=$(wc -c <g.csv)
for i in 0 1 2 3; do
	# shellcheck disable=SC2086
	"$PCSV" aggregate g.csv "${Q[@]}" --partial --range $((size * i / 4)):$((size * (i + 1) / 4)) -o p$i $VARY || exit
done
mkdir spill
# shellcheck disable=SC2086
"$PCSV" merge p3 p1 p0 p2 --memory-limit 64K --tmpdir spill -q $MJ >m.out; echo "merge --memory-limit 64K: exit $?"
cmp -s single.out m.out && echo "= single run ($(wc -l <m.out) lines)" || echo "DIFFERS"
# shellcheck disable=SC2086
"$PCSV" merge --partial p2 p0 -o p02 --memory-limit 64K --tmpdir spill -q $MJ; echo "merge --partial --memory-limit 64K: exit $?"
# shellcheck disable=SC2086
"$PCSV" merge p1 p02 p3 $MJ >m2.out; echo "merge p1 p02 p3: exit $?"
cmp -s single.out m2.out && echo "= single run" || echo "DIFFERS"
echo "left in --tmpdir: $(ls -A spill | wc -l)"
