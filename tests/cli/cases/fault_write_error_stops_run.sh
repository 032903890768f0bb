#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A write that fails (here /dev/full) stops a row command at once and is what
# pcsv reports, with the OS reason, not a bad row the run would have met
# later (found here: pcsv read on to the end and reported the ragged last
# row instead of the full disk).
cd "$TMP" || exit 1
{ echo k,v; yes 1,2 | head -n 300000; echo ragged; } >late_bad.csv
for c in "filter late_bad.csv" "select v,k late_bad.csv" "filter late_bad.csv --format jsonl"; do
	"$PCSV" $c $VARY >/dev/full
	echo "$c: exit $?"
done
rm -f late_bad.csv
