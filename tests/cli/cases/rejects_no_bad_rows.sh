#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A run without bad rows still writes the rejects file (the header only),
# replacing an old one: a cron job never re-runs stale rejects. No summary.
printf 'OLD REJECTS\n' >"$TMP/r.csv"
"$PCSV" count sales.csv --on-bad-row skip --rejects "$TMP/r.csv" $VARY
echo "exit $?"
cat "$TMP/r.csv"
echo "--- empty input, header-only input"
"$PCSV" count empty.csv --rejects "$TMP/e.csv" $VARY
cat "$TMP/e.csv"
"$PCSV" filter header_only.csv --rejects "$TMP/h.csv" $VARY
cat "$TMP/h.csv"
echo "directory: [$(ls -A "$TMP" | paste -sd " " -)]"
