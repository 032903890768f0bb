#!/usr/bin/env bash
# Issue 15: a misspelt command, option (only those the command takes),
# help topic or --agg function is a usage error with the closest correct
# spelling; an option the command does not take names the commands that do.
run() {
	"$PCSV" "$@" >"$TMP/out" 2>"$TMP/err"
	echo "\$ pcsv $*: exit $?, stdout $(wc -c <"$TMP/out") bytes"
	cat "$TMP/err"
}
run agregate sales.csv
run frob sales.csv
run aggregate sales.csv --chunksize 8M
run aggregate sales.csv --chunksize=8M
run count sales.csv --agregate
run count sales.csv --sort count
run count sales.csv --srot count
run head sales.csv --frmat jsonl
run count sales.csv --frmat jsonl
run help agregate
run help wher
run help nothing
run help where extra
run aggregate sales.csv --agg summ:price
run aggregate sales.csv --agg count,meen:qty
run aggregate sales.csv --agg cont
run aggregate sales.csv --agg xyz:price
run aggregate sales.csv --agg sum
