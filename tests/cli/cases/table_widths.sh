#!/usr/bin/env bash
# --format table: widths count code points (é, 日本 are one column each),
# line breaks, tabs and control bytes are escaped (\n \t \x1b), numbers
# right-aligned and text left; the first 1000 rows set the widths and a
# longer cell after them pushes its row right instead of being cut
printf 'name,n,note\ncafé,1,"two\nlines"\n日本,22,"a\tb"\nx,333,"esc\033[0m"\n' >"$TMP/u.csv"
# shellcheck disable=SC2086
"$PCSV" select 1-3 "$TMP/u.csv" --format table $VARY
awk 'BEGIN { print "id,word"; for (i = 1; i <= 1001; i++) print i "," (i == 1001 ? "a-much-longer-word" : "w" i % 7) }' >"$TMP/many.csv"
# shellcheck disable=SC2086
"$PCSV" filter "$TMP/many.csv" --where 'id <= 2 || id >= 999' --format table $VARY
# shellcheck disable=SC2086
"$PCSV" select 1-2 "$TMP/many.csv" --format table $VARY | sed -n '1,3p;1000,$p'
