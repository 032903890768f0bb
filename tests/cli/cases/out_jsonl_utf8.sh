#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# --format jsonl: invalid UTF-8, in values and in column names (keys),
# becomes U+FFFD, one per maximal invalid subpart (overlong forms,
# surrogates and code points above U+10FFFF are invalid); control
# characters are escaped; each run prints ONE warning on stderr (compared
# with .err) however many rows, workers and chunks had bad bytes, and none
# with -q. CSV output keeps the bytes as they are and warns about nothing.
f=$TMP/u.csv
{
	printf 'id,n\xffame,note\n'
	for i in 1 2 3 4 5 6 7 8; do
		printf '%s,caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80,ok\n' "$i"
		printf '%s,a\xffb,\xc0\xaf|\xe0\x80\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82|\xf0\x9f\x98\n' "$i"
		printf '%s,"tab\there\x01\x1f\x7f",\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64\n' "$i"
	done
} >"$f"
for cmd in "select 1-3" "filter --where id<3" "head -n 3"; do
	echo "--- $cmd"
	"$PCSV" $cmd "$f" --format jsonl $VARY
	echo "exit $?"
done
echo "--- aggregate"
"$PCSV" aggregate "$f" --by 2 --agg count,first:note,min:note,max:note --format jsonl $VARY
echo "exit $?"
echo "--- stats"
"$PCSV" stats "$f" --format jsonl $VARY
echo "exit $?"
echo "--- count (no strings: no warning)"
"$PCSV" count "$f" $VARY
echo "--- -q: no warning"
"$PCSV" select 2 "$f" --format jsonl -q $VARY | head -n 2
echo "--- csv: bytes kept, no warning"
"$PCSV" head -n 2 "$f" $VARY | od -An -c | head -n 3
