#!/usr/bin/env bash
# past the --max-bad-rows budget the run fails as a whole: -o FILE and
# --rejects FILE keep what they held; within it both are written
echo old >"$TMP/out.csv"
echo old >"$TMP/rej.csv"
# shellcheck disable=SC2086
"$PCSV" filter many_bad.csv --where 'v > 20' --rejects "$TMP/rej.csv" --max-bad-rows 5 -o "$TMP/out.csv" $VARY
echo "exit $?"
cat "$TMP/out.csv" "$TMP/rej.csv"
# shellcheck disable=SC2086
"$PCSV" aggregate many_bad.csv --agg count --rejects "$TMP/rej.csv" --max-bad-rows 5 -o "$TMP/out.csv.zst" $VARY
echo "exit $?"
ls "$TMP"
# shellcheck disable=SC2086
"$PCSV" filter many_bad.csv --where 'v > 40' --rejects "$TMP/rej.csv" --max-bad-rows 50% -o "$TMP/out.csv" -q $VARY
echo "exit $?"
cat "$TMP/out.csv"
wc -l <"$TMP/rej.csv"
