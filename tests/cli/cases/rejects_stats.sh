#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# stats: the rows it drops are in the rejects file; on a pipe and on zstd
# too (the CRLF file with quoted line breaks).
"$PCSV" stats stats_bad.csv --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
echo "--- zstd on a pipe, warn"
"$PCSV" stats --on-bad-row warn --rejects "$TMP/z.csv" $VARY <rejects_crlf.csv.zst | cut -d, -f1-4
sed 's/\r/<CR>/g' "$TMP/z.csv"
