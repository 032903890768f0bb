#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Progress goes to stderr only when it is a terminal (or with --progress),
# redrawn in place with \r, and the line is cleared at the end.
echo "--- pipe (default): no progress"
"$PCSV" count sales.csv $VARY 2>"$TMP/err"
wc -c < "$TMP/err"
echo "--- --progress"
"$PCSV" count sales.csv --progress $VARY 2>"$TMP/err"
head -c 7 "$TMP/err" | od -An -c | tr -s ' '
tail -c 4 "$TMP/err" | od -An -c | tr -s ' '
echo "--- --progress -q: still shown; --no-progress: not"
"$PCSV" count sales.csv --progress -q $VARY 2>&1 >/dev/null | head -c 7 | od -An -c | tr -s ' '
"$PCSV" count sales.csv --no-progress $VARY 2>&1 >/dev/null | wc -c
echo "--- a terminal"
script -qec "$PCSV count sales.csv $VARY" /dev/null > "$TMP/tty"
grep -c 'pcsv: ' "$TMP/tty"
