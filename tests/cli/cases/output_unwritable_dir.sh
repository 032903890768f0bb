#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# -o into a directory that does not exist is an I/O failure (exit 1) with a
# "pcsv: " message, and creates nothing. The message wording is not pinned.
"$PCSV" aggregate sales.csv --by region -o "$TMP/missing/result.csv" $VARY 2>"$TMP/err" >"$TMP/out"
echo "exit: $?"
echo "stdout bytes: $(wc -c <"$TMP/out")"
echo "stderr lines starting with 'pcsv: ': $(grep -c '^pcsv: ' "$TMP/err")"
rm -f "$TMP/err" "$TMP/out"
echo "directory: [$(ls -A "$TMP")]"
