#!/usr/bin/env bash
# Computed keys through --partial and merge: two ranges of dates.csv, each
# written as a partial with a computed key and named results, merge to the
# bytes of the single run (also -o and jsonl); a partial of another
# expression, or another name, does not merge with them (the query
# fingerprint holds the expressions and names). dump shows the --by text.
MJ=${VARY%%--chunk-size*}
cd "$TMP" && cp "$TD/dates.csv" . || exit 1
Q=(--by 'month=substr(ts, 1, 7),country' --agg 'n=count,total=sum:price')
"$PCSV" aggregate dates.csv "${Q[@]}" >single.out || exit
size=$(wc -c <dates.csv)
# shellcheck disable=SC2086
{
	"$PCSV" aggregate dates.csv "${Q[@]}" --partial --range 0:$((size / 2)) -o a $VARY &&
	"$PCSV" aggregate dates.csv "${Q[@]}" --partial --range $((size / 2)): -o b $VARY &&
	"$PCSV" aggregate dates.csv --by 'month=substr(ts, 1, 4),country' --agg 'n=count,total=sum:price' --partial --range $((size / 2)): -o c $VARY &&
	"$PCSV" aggregate dates.csv --by 'mon=substr(ts, 1, 7),country' --agg 'n=count,total=sum:price' --partial --range $((size / 2)): -o d $VARY
} || exit
# shellcheck disable=SC2086
"$PCSV" merge b a $MJ >m.out; echo "merge b a: exit $?"
cmp -s single.out m.out && echo "= single run ($(wc -l <m.out) lines)" || echo "DIFFERS"
cat m.out
# shellcheck disable=SC2086
"$PCSV" merge a b -o m.jsonl --format jsonl $MJ; echo "merge -o --format jsonl: exit $?"
cat m.jsonl
"$PCSV" dump a | grep -E '^--(by|agg):'
# shellcheck disable=SC2086
"$PCSV" merge a c $MJ >/dev/null 2>err; echo "merge a c (other expression): exit $?"
sed 's/[0-9a-f]\{16\}/FP/g' err | head -3
# shellcheck disable=SC2086
"$PCSV" merge a d $MJ >/dev/null 2>err; echo "merge a d (other key name): exit $?"
sed 's/[0-9a-f]\{16\}/FP/g' err | head -3
