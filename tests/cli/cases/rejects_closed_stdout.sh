#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# filter ... --rejects r.csv | head -1: pcsv dies of SIGPIPE, quietly, as
# without --rejects; the run did not finish, so the old rejects file is
# kept and no temporary file is left behind.
mkdir "$TMP/o"
printf 'OLD REJECTS\n' >"$TMP/o/r.csv"
{ echo a,b; yes 1,2 | head -n 3000000; echo 3; } >"$TMP/big.csv"
"$PCSV" filter "$TMP/big.csv" --rejects "$TMP/o/r.csv" ${VARY%%--chunk-size*} | head -n 1
echo "exit ${PIPESTATUS[0]}"
echo "directory: [$(ls -A "$TMP/o" | paste -sd " " -)]"
echo "r.csv: $(cat "$TMP/o/r.csv")"
