#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# warn: at most 20 warnings on stderr, then a count; the rejects file has
# all 23 dropped rows.
"$PCSV" count many_bad.csv --on-bad-row warn --rejects "$TMP/r.csv" $VARY 2>"$TMP/err"
echo "exit $?"
echo "stderr: $(grep -c 'warning: many_bad.csv' "$TMP/err") warnings"
tail -n 3 "$TMP/err"
rm "$TMP/err"
echo "rejects: $(($(wc -l <"$TMP/r.csv") - 1)) rows"
cat "$TMP/r.csv"
echo "--- -q: nothing on stderr, the file all the same"
"$PCSV" count many_bad.csv --on-bad-row warn -q --rejects "$TMP/q.csv" $VARY
cmp "$TMP/r.csv" "$TMP/q.csv" && echo "same rejects"
