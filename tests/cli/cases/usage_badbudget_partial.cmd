aggregate many_bad.csv --on-bad-row skip --max-bad-rows 5 --partial -o "$TMP/p"
