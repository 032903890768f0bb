#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# -o FILE over an existing FILE: a successful run replaces it completely.
mkdir "$TMP/o"
printf 'OLD CONTENT THAT IS LONGER THAN THE NEW RESULT\n%.0s' 1 2 3 4 5 6 7 8 >"$TMP/o/result.csv"
"$PCSV" count sales.csv -o "$TMP/o/result.csv" $VARY
echo "exit: $?"
echo "directory: $(ls -A "$TMP/o")"
echo "--- result.csv"
cat "$TMP/o/result.csv"
