#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A directory as FILE: exit 1 "Is a directory" for every command, before any
# output, also after a good file.
for c in "count" "aggregate" "filter" "select 1" "head" "headers"; do
	"$PCSV" $c . $VARY
	echo "$c: exit $?"
done
"$PCSV" filter sales.csv . $VARY
echo "filter sales.csv .: exit $?"
