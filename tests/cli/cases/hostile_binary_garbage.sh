#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# 4 KiB of random bytes (garbage.bin) through every command, from the file
# and from a pipe: a "pcsv: FILE:LINE: ..." message and exit 1 (headers reads
# its first line as a header and succeeds); control bytes of the input that
# a message quotes are printed as \xNN, never raw to the terminal.
# With --on-bad-row skip the rows that parse are counted.
for c in "aggregate --by 1 --agg count,sum:2" "count" "filter --where 1" "select 2,1" "head" "headers"; do
	"$PCSV" $c garbage.bin $VARY | wc -c | sed "s/^/$c: stdout bytes /"
	echo "$c: exit ${PIPESTATUS[0]}"
done
"$PCSV" count $VARY <garbage.bin
echo "count from stdin: exit $?"
"$PCSV" count garbage.bin --on-bad-row skip $VARY
echo "count --on-bad-row skip: exit $?"
