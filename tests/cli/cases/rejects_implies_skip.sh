#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# --rejects without --on-bad-row means skip (as DuckDB's store_rejects
# implies ignore_errors): ragged.csv, which fails by default, now succeeds.
"$PCSV" aggregate ragged.csv --by name --agg count,sum:qty --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
