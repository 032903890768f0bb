#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# filter: rows out in input order, dropped rows in the rejects file; a
# misplaced quote makes lines 3-5 one bad row (raw text across three lines).
"$PCSV" filter ragged.csv --where 'qty >= 20' --on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
echo "--- misplaced quote"
"$PCSV" filter misplaced_quote.csv --on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
