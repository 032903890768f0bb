#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# The reader of stdout goes away while pcsv still has megabytes to write
# (more than a pipe holds): every row command stops at once, dies of SIGPIPE
# (status 141, as cat does) and prints nothing on stderr.
cd "$TMP" || exit 1
awk 'BEGIN { print "k,v,w"; for (i = 0; i < 100000; i++) print i "," i % 97 ",some text" }' >in.csv
for c in "filter in.csv --where v>=0" "select w,k in.csv" "head -n 100000 in.csv" "filter in.csv --format jsonl"; do
	"$PCSV" $c $VARY | head -c 10 >/dev/null
	echo "$c: exit ${PIPESTATUS[0]}"
done
cat in.csv | "$PCSV" filter $VARY | head -n 1
echo "from a pipe: exit ${PIPESTATUS[1]}"
rm -f in.csv
