#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# count: the ragged rows it skips are the rows in the rejects file.
"$PCSV" count ragged.csv --on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
echo "--- with --where: a structural bad row is dropped whatever --where says"
"$PCSV" count ragged.csv --where 'qty > 30' --on-bad-row skip --rejects "$TMP/r.csv" $VARY
cat "$TMP/r.csv"
