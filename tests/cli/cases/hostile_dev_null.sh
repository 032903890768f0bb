#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# /dev/null (a character device, empty) as FILE and as stdin: an empty input.
for c in "count" "aggregate" "filter" "select 1" "head" "headers" "aggregate --by a"; do
	"$PCSV" $c /dev/null $VARY
	echo "$c: exit $?"
done
"$PCSV" count sales.csv /dev/null $VARY
echo "count sales.csv /dev/null: exit $?"
"$PCSV" count $VARY </dev/null
echo "count from stdin: exit $?"
