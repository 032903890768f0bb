#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# head: only the bad rows before its last row out are dropped (the rest
# were never needed), in the summary and in the rejects file alike.
"$PCSV" head -n 2 head_then_bad.csv --on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
echo "--- -n 3: one bad row before the third row"
"$PCSV" head -n 3 head_then_bad.csv --on-bad-row skip --rejects "$TMP/r.csv" $VARY
cat "$TMP/r.csv"
echo "--- on a pipe"
cat head_then_bad.csv | "$PCSV" head -n 4 --on-bad-row skip --rejects "$TMP/r.csv" $VARY
cat "$TMP/r.csv"
