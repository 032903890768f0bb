#!/usr/bin/env bash
# merge --limit: the first rows of the merged result, after --sort; a
# partial of count takes no --limit
# shellcheck disable=SC2086
"$PCSV" aggregate part1.csv --by region --agg count,sum:qty --partial -o "$TMP/p1" $VARY || exit
# shellcheck disable=SC2086
"$PCSV" aggregate part2.csv --by region --agg count,sum:qty --partial -o "$TMP/p2" $VARY || exit
"$PCSV" merge "$TMP/p2" "$TMP/p1"
"$PCSV" merge "$TMP/p2" "$TMP/p1" --limit 2
"$PCSV" merge "$TMP/p2" "$TMP/p1" --sort count:desc --limit 2 --format jsonl
"$PCSV" merge "$TMP/p2" "$TMP/p1" --limit 0
"$PCSV" merge "$TMP/p2" "$TMP/p1" --limit 2 --partial -o "$TMP/p3"; echo "merge --partial --limit: exit $?"
# shellcheck disable=SC2086
"$PCSV" count part1.csv --partial -o "$TMP/c1" $VARY || exit
"$PCSV" merge "$TMP/c1" --limit 1; echo "merge of count partials --limit: exit $?"
