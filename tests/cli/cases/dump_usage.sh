#!/usr/bin/env bash
# pcsv dump takes one PART: none, two, and a file that is not a partial
# (exit 1 naming it).
run() {
	"$PCSV" "$@" >"$TMP/out" 2>"$TMP/err"
	echo "pcsv $*: exit $?, stdout $(wc -c <"$TMP/out") bytes: $(head -n 1 "$TMP/err")"
}
run dump
run dump sales.csv
run dump sales.csv sales.csv
run dump --by region sales.csv
