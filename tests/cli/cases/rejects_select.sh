#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# select, with jsonl output: the rejects file is CSV whatever --format says,
# and keeps the whole raw row, not only the selected columns.
"$PCSV" select 'qty,id' ragged.csv --format jsonl --on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
