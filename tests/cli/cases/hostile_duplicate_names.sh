#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A header with a duplicate name (a, twice) and two empty names. Decision
# (README): such a header is fine and every column is still there, in
# headers, filter and select output; naming a duplicated column by name is a
# usage error (exit 2) that names both indexes, since picking one would be a
# silent guess; by index every column is reachable, the empty ones too.
# Two output columns are never named alike (SPEC 3).
"$PCSV" headers dup_names.csv $VARY
"$PCSV" filter dup_names.csv $VARY | cmp - dup_names.csv && echo "filter: byte-identical"
for c in "aggregate dup_names.csv --by a" "aggregate dup_names.csv --by id --agg sum:a" \
	"count dup_names.csv --where a>1" "select a dup_names.csv"; do
	"$PCSV" $c $VARY
	echo "$c: exit $?"
done
# sums of both a columns would both be named a_sum: a usage error until
# one is named (NAME=SPEC)
"$PCSV" aggregate dup_names.csv --by id --agg sum:2,sum:4,max:5 $VARY 2>&1
echo "two a_sum: exit $?"
"$PCSV" aggregate dup_names.csv --by id --agg sum:2,a4_sum=sum:4,max:5 $VARY
"$PCSV" select 4,2,6,5 dup_names.csv $VARY
"$PCSV" count dup_names.csv --where '`4` > 150' $VARY
"$PCSV" head -n 1 dup_names.csv --format jsonl $VARY
