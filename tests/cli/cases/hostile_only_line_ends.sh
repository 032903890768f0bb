#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A file of only line ends (\n and \r\n) is an empty input: no header, no
# rows. count says 0, the row commands print nothing, headers nothing; naming
# a column is a usage error that says the input is empty. Same from a pipe.
for c in "count" "aggregate" "filter" "select 1" "head" "headers" "aggregate --by a"; do
	"$PCSV" $c only_eol.csv $VARY
	echo "$c: exit $?"
done
"$PCSV" count $VARY <only_eol.csv
echo "count from stdin: exit $?"
