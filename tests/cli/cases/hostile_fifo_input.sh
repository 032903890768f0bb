#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A FIFO named as FILE (mkfifo, with a writer) is read as a stream, by every
# command, alone and after a regular file; the results equal the file's.
mkfifo "$TMP/f"
for c in "count" "aggregate --by region --agg sum:qty" "filter --where qty>10" "select 2,1" "head -n 2" "headers"; do
	cat sales.csv >"$TMP/f" &
	"$PCSV" $c "$TMP/f" $VARY | cmp - <("$PCSV" $c sales.csv $VARY) && echo "$c: same as the file"
	wait
done
cat sales.csv >"$TMP/f" &
"$PCSV" count sales.csv "$TMP/f" $VARY
wait
