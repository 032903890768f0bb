#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Rows cut across slow writes: each pause (150 ms) is longer than the
# reader's 100 ms, so a partly filled buffer is handed on with an unfinished
# row at its end: half a row, a quoted field with a line break cut inside
# it, a doubled quote cut between its two quotes, a CRLF cut between CR and
# LF, a last row with no line end. They parse as from a file, by filter
# and aggregate, and a bad row after such cuts is reported at its true
# line, as from a file.
feed() {
	printf 'id,note,q\r\n1,"a\r\nb'
	sleep 0.15
	printf '",20\r\n2,x'
	sleep 0.15
	printf 'y,30\r'
	sleep 0.15
	printf '\n3,"p"'
	sleep 0.15
	printf '"q",5\n4,"r""'
	sleep 0.15
	printf '""s",19\n5,"t\n\n'
	sleep 0.15
	printf 'u",40\n6,zz,%s' "$1"
}
printf 'id,note,q\r\n1,"a\r\nb",20\r\n2,xy,30\r\n3,"p""q",5\n4,"r""""s",19\n5,"t\n\nu",40\n6,zz,7' >"$TMP/file.csv"
for c in "filter --where q>18" "aggregate --by note --agg sum:q"; do
	feed 7 | "$PCSV" $c $VARY >"$TMP/out"
	echo "$c: exit $?"
	cat "$TMP/out"
	"$PCSV" $c "$TMP/file.csv" $VARY | cmp - "$TMP/out" && echo "$c: same as from the file"
done
# a bad row (a field too many) after the cuts: line 10
feed 7,8 | "$PCSV" count $VARY 2>"$TMP/err"
echo "exit $?"
cat "$TMP/err"
sed 's/,7$/,7,8/' "$TMP/file.csv" >"$TMP/bad.csv"
"$PCSV" count "$TMP/bad.csv" $VARY 2>&1 | sed "s|$TMP/bad.csv|<stdin>|" | cmp - "$TMP/err" &&
	echo "the same message as from the file"
