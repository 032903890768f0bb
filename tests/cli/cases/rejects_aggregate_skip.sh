#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# --on-bad-row skip --rejects FILE: the result as without --rejects, and FILE
# holds every dropped row (file,line,offset,column,reason,row) in input
# order: a non-number and a ragged row after multi-line quoted fields, the
# raw row CSV-quoted with its quoted line break.
"$PCSV" aggregate quoted_lines_bad.csv --agg count,sum:v --on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
echo "directory: [$(ls -A "$TMP")]"
