#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# -o FILE: the result goes to FILE, stdout stays empty, and nothing else
# appears in FILE's directory.
mkdir "$TMP/o"
out=$("$PCSV" aggregate sales.csv --by region --agg count,sum:price -o "$TMP/o/result.csv" $VARY)
echo "exit: $?"
echo "stdout bytes: ${#out}"
echo "directory: $(ls -A "$TMP/o")"
echo "--- result.csv"
cat "$TMP/o/result.csv"
