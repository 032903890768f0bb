#!/usr/bin/env bash
# Issue 15: hints where users slip, as a second line of the error that
# already stops the run (never a warning on a run that succeeds): unquoted
# text in --where; a .tsv file read without -t; a header of one field with
# tabs or semicolons in it.
run() {
	"$PCSV" "$@" >"$TMP/out" 2>"$TMP/err"
	echo "\$ pcsv $*: exit $?"
	cat "$TMP/out" "$TMP/err"
}
run count sales.csv --where 'region == North'
run count sales.csv --where 'regio == "North"'
run aggregate sales.tsv --by region
run count sales.tsv
run count sales.tsv -t
run aggregate semicolon.csv --by qty
run count semicolon.csv
run count semicolon.csv -d ';'
printf 'a\tb\n1,2\t3\n' >"$TMP/tabs.csv"; cd "$TMP" && ln -s "$TD"/sales.tsv "$TD"/semicolon.csv "$TD"/sales.csv .
run select b tabs.csv
run headers tabs.csv
run select b tabs.csv -t
