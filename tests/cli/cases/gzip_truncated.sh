#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A gzip stream cut short anywhere (in the header, in the deflate data, in
# the trailer, in the second member's header) is exit 1 naming the file and
# the compressed byte where it ends, never a short result; from a file and
# from a pipe alike. sales.csv.gz is 298 bytes: header 10, deflate data to
# 290, trailer 8; sales_2members.csv.gz's second member starts at 204.
for n in 2 9 10 11 100 289 290 294 297; do
	head -c $n sales.csv.gz > "$TMP/cut.csv.gz"
	"$PCSV" count "$TMP/cut.csv.gz" $VARY 2>&1 | sed "s|$TMP/||"
	echo "file cut at $n: exit ${PIPESTATUS[0]}"
	head -c $n sales.csv.gz | "$PCSV" count $VARY
	echo "stdin cut at $n: exit $?"
done
for n in 205 210 220 300; do
	head -c $n sales_2members.csv.gz | "$PCSV" count $VARY
	echo "two members, stdin cut at $n: exit $?"
done
