#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Issue 11: bzip2, xz and zip input is recognised by its magic bytes,
# on files and on standard input (a pipe or a redirected file), and refused
# with exit 1 and a message naming the format and the pipe to use; it is
# never parsed as CSV (a .gz used to give "misplaced quote", and head
# dumped binary). The file's name is quoted for the shell when it needs it.
# (gzip was refused too until issue 15: it is read now, see gzip_input.)
for f in sales.csv.bz2 sales.csv.xz sales.zip; do
	"$PCSV" head $f $VARY
	echo "head $f: exit $?"
	"$PCSV" aggregate --by region $f $VARY
	echo "aggregate $f: exit $?"
	"$PCSV" count < $f $VARY
	echo "count < $f: exit $?"
	cat $f | "$PCSV" filter - $VARY
	echo "cat $f | filter -: exit $?"
done
"$PCSV" count sales.csv sales.csv.bz2 $VARY
echo "count sales.csv sales.csv.bz2: exit $?"
"$PCSV" count sales.csv.xz --parser libcsv $VARY
echo "count --parser libcsv sales.csv.xz: exit $?"
cp sales.csv.xz "$TMP/it's here.xz"
cd "$TMP" && "$PCSV" count "it's here.xz" $VARY
echo "count \"it's here.xz\": exit $?"
echo "--- a CSV that merely starts like one is read"
printf 'BZh9,PK\n1,2\n' | "$PCSV" count $VARY
